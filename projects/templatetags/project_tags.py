"""Template helpers of the project pages: sanitised Markdown, author names, durations."""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from machines.views import duration_text
from projects.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(source):
    """Member-written Markdown as sanitised HTML (see projects/markdown.py)."""
    return render_markdown(source)


@register.filter
def author_name(user):
    """A person's public name. Never the email address, which `str(user)` falls back to."""
    return user.full_name or _("A member")


@register.filter
def duration(minutes):
    return duration_text(minutes) if minutes else ""


@register.filter
def quantity(value):
    """2.000 → "2", 2.500 → "2.5" (or "2,5" in French): no trailing zeros from the storage."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    return formats.number_format(value, use_l10n=True)
