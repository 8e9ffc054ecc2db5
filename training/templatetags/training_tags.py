"""Filters of the training pages: prices in euros and durations, in the active language."""

from decimal import Decimal

from django import template
from django.utils import formats, translation

from machines.views import duration_text

register = template.Library()


@register.filter
def euros(cents):
    """`4000` → "40,00 €" in French, "€40.00" in English (prices are stored in integer cents)."""
    if cents in (None, ""):
        return ""
    amount = formats.number_format(Decimal(int(cents)) / 100, decimal_pos=2, force_grouping=True)
    if (translation.get_language() or "").startswith("en"):
        return f"€{amount}"
    return f"{amount}\u00a0€"


@register.filter
def duration(minutes):
    """`120` → "2 hours", `90` → "1 h 30 min"."""
    return duration_text(minutes) if minutes else ""
