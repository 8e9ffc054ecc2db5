"""`{% load billing %}`: amounts in cents as the reader's language writes them."""

from django import template
from django.utils.translation import get_language

from fablab.billing.amounts import format_money, format_rate

register = template.Library()


def _language():
    return "fr" if (get_language() or "fr").startswith("fr") else "en"


@register.filter
def money(cents, currency="EUR"):
    """12345 → `123,45 €` (French) or `€123.45` (English)."""
    if cents in (None, ""):
        return ""
    return format_money(int(cents), currency or "EUR", _language())


@register.filter
def vat_rate(basis_points):
    """2000 → `20 %` (French) or `20%` (English)."""
    return format_rate(int(basis_points), _language())


@register.filter
def hours_minutes(minutes):
    """600 → `10 h`, 90 → `1 h 30` (credit time as the lab speaks of it)."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"
