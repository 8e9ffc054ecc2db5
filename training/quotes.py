"""Quotes for school workshops: their number, their PDF and the email that announces them.

A quote is not a legal document, unlike an invoice: it is neither chained nor
stored. The registration keeps only its number and its date (`quote_number`,
`quoted_at`); the PDF is rendered again on demand from them, the registration
and its offer, in the language of the request. The writes (a number taken, the
date set) belong to `training.workshops.registration_send_quote`.
"""

import calendar
import datetime as dt

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from fablab.billing.amounts import format_money, format_rate, line_amounts
from fablab.core.locking import lock_rows
from fablab.notifications.services import notify_address
from training.models import QuoteSequence

# How long a quote binds the lab, from its date.
QUOTE_VALID_MONTHS = 3


def quote_number_take(*, lab, year) -> str:
    """The next quote number of `lab` for `year`: `<invoice prefix>-DEV-<YYYY>-<NNNNN>`.

    Locks the (lab, year) sequence row until the transaction ends, so that two
    quotes sent at once in the same lab get different numbers; a rollback gives
    the number back.
    """
    sequence, _created = QuoteSequence.objects.get_or_create(lab=lab, year=year)
    sequence = lock_rows(QuoteSequence.objects.filter(pk=sequence.pk)).get()
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{lab.invoice_prefix}-DEV-{year}-{sequence.last_number:05d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 30 November + 3 months is the 28 (or 29) February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def quote_valid_until(registration) -> dt.date | None:
    """The last day the quote binds the lab, in the lab's zone (None before a quote is sent)."""
    if registration.quoted_at is None:
        return None
    return add_months(timezone.localtime(registration.quoted_at, registration.lab.tz).date(), QUOTE_VALID_MONTHS)


def quote_expired(registration, now=None) -> bool:
    valid_until = quote_valid_until(registration)
    if valid_until is None:
        return True
    return timezone.localtime(now or timezone.now(), registration.lab.tz).date() > valid_until


def quote_amounts(registration):
    """The quote's only line in cents: one class at the offer's price, with its VAT."""
    offer = registration.offer
    return line_amounts(quantity=1, unit_price_cents=offer.price_per_class_cents, vat_rate_bp=offer.vat_rate_bp)


def _quote_context(registration):
    """What the PDF prints; call it with the registration's language active."""
    language, lab, offer = registration.language, registration.lab, registration.offer
    tz = lab.tz
    amounts = quote_amounts(registration)

    def money(cents):
        return format_money(cents, "EUR", language)

    def day(value):
        return formats.date_format(value, "DATE_FORMAT")

    quoted_on = timezone.localtime(registration.quoted_at or timezone.now(), tz).date()
    return {
        "registration": registration,
        "offer": offer,
        "seller": {
            "name": lab.legal_name or lab.name,
            "address": lab.legal_address or "\n".join(lab.address_lines),
            "registration_number": lab.registration_number,
            "vat_number": lab.vat_number,
            "email": lab.email,
            "phone": lab.phone,
        },
        "quoted_on": day(quoted_on),
        "valid_until": day(add_months(quoted_on, QUOTE_VALID_MONTHS)),
        "workshop_day": day(timezone.localtime(registration.start, tz)) if registration.start else "",
        "workshop_time": timezone.localtime(registration.start, tz).strftime("%H:%M") if registration.start else "",
        "preferred_days": [day(dt.date.fromisoformat(value)) for value in registration.preferred_dates],
        "level": registration.get_class_level_display(),
        "unit_price": money(offer.price_per_class_cents),
        "rate": format_rate(offer.vat_rate_bp, language),
        "excl_tax": money(amounts.excl_tax_cents),
        "tax": money(amounts.tax_cents),
        "incl_tax": money(amounts.incl_tax_cents),
        "vat_not_applicable": offer.vat_rate_bp == 0,
    }


def render_quote_html(registration) -> str:
    with translation.override(registration.language):
        return render_to_string("training/pdf/quote.html", _quote_context(registration))


def render_quote_pdf(registration) -> bytes:
    """A4 PDF of the registration's quote (it must have a quote number)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which takes a moment

    return HTML(string=render_quote_html(registration)).write_pdf()


def notify_quote(registration):
    """Tell the teacher the quote is ready, with the private link to download it (sent after the commit).

    The PDF is not attached: the email task carries JSON-serialisable text only
    (`fablab.core.email`), and the link always gives the quote as it stands.
    """
    with translation.override(registration.language):
        context = {
            "registration": registration,
            "total": format_money(quote_amounts(registration).incl_tax_cents, "EUR", registration.language),
            "valid_until": formats.date_format(quote_valid_until(registration), "DATE_FORMAT"),
        }
    notify_address(
        registration.teacher_email,
        "school_request",
        "training/workshops/email/quote",
        context,
        language=registration.language,
    )
