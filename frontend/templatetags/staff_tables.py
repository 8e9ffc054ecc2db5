"""Cells of the dashboard's big data tables, written in Python.

The occupancy table of a main lab holds a hundred machines × 26 weeks: one
template render per cell took most of the page's time.
"""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def percent_cells(values):
    """`<td>` per value: "12.5 %" in the active language's number format, "—" for None (the lab was closed)."""
    return format_html_join(
        "",
        "<td>{}</td>",
        (("—" if value is None else f"{number_format(value)} %",) for value in values),
    )
