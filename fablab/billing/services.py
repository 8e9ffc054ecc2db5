"""Issuing invoices and credit notes: the only writes on legal documents.

Both services follow one path (`_issue`), inside one transaction:

1. lock the lab's `InvoiceChain` row: every document of a lab, invoices and
   credit notes alike, is issued one after the other, so each links to the one
   just before it;
2. lock the `InvoiceSequence` row of (lab, kind, year) and take the next number:
   since the number is written back in the same transaction, a failure anywhere
   (bad input found late, the PDF renderer, the database) rolls it back and no
   number is burned;
3. freeze the seller and the buyer, compute the lines and totals, render the PDF,
   hash the canonical content onto the chain, store the PDF and insert the rows.

The locks are held while the PDF renders (tens of milliseconds): the number is
printed on it, so it cannot be rendered before the number is taken.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fablab.audit.services import audit_record
from fablab.billing import pdf
from fablab.billing.amounts import format_money, format_rate, line_amounts
from fablab.billing.chain import canonical_content, chain_hash, sha256_hex
from fablab.billing.models import (
    VAT_RATES_BP,
    AccountingPeriod,
    Invoice,
    InvoiceChain,
    InvoiceKind,
    InvoiceLanguage,
    InvoiceLine,
    InvoiceSequence,
    PaymentMethod,
)
from fablab.core.errors import DomainError
from fablab.core.locking import lock_rows

MAX_LINES = 200
MAX_QUANTITY = 100_000
MAX_UNIT_PRICE_CENTS = 100_000_000  # one million euros
# An explicit issue time may run a little ahead of this server's clock (another server's), not more.
CLOCK_SKEW = dt.timedelta(minutes=5)


class BillingError(DomainError):
    default_code = "billing_invalid"


@dataclass(frozen=True)
class Buyer:
    """Who is billed, as printed on the document (frozen there at issue time)."""

    name: str
    address: str
    email: str
    vat_number: str = ""
    user: Any = None


@dataclass(frozen=True)
class LineInput:
    """One line to bill: unit price excluding tax in cents, VAT rate in basis points (2000 = 20 %)."""

    description: str
    quantity: int
    unit_price_cents: int
    vat_rate_bp: int


def invoice_issue(
    *,
    lab,
    buyer: Buyer,
    lines: list[LineInput],
    payment_method: str,
    language: str = "fr",
    issued_at: dt.datetime | None = None,
    due_days: int = 30,
    purchase_order: str = "",
    paid_at: dt.datetime | None = None,
    by=None,
) -> Invoice:
    """Issue, number, render and chain an invoice. `paid_at` when it is already paid (e.g. by card)."""
    _check_document(lab=lab, payment_method=payment_method, language=language)
    _check_buyer(buyer, purchase_order)
    _check_lines(lines, credit_note=False)
    if not _whole(due_days) or not 0 <= due_days <= 365:
        raise BillingError(
            _("The payment delay must be between 0 and 365 days."), code="bad_due_days", field="due_days"
        )
    for name, instant in (("issued_at", issued_at), ("paid_at", paid_at)):
        if instant is not None and (not isinstance(instant, dt.datetime) or timezone.is_naive(instant)):
            raise BillingError(_("Give the time with its time zone."), code="naive_time", field=name)
    with transaction.atomic():
        chain = chain_locked(lab)
        return _issue(
            chain=chain,
            kind=InvoiceKind.INVOICE,
            lines=lines,
            issued_at=issued_at,
            due_days=due_days,
            by=by,
            fields={
                "language": language,
                "buyer_name": buyer.name.strip(),
                "buyer_address": buyer.address.strip(),
                "buyer_email": buyer.email.strip(),
                "buyer_vat_number": buyer.vat_number.strip(),
                "buyer": buyer.user,
                "purchase_order": purchase_order.strip(),
                "payment_method": payment_method,
                "paid_at": paid_at,
            },
        )


def credit_note_issue(*, invoice: Invoice, reason: str, lines: list[LineInput] | None = None, by=None) -> Invoice:
    """Issue a credit note ("avoir") correcting `invoice`: in full when `lines` is None.

    Partial credit notes give their lines with negative unit prices, at VAT rates
    the invoice uses; all the credit notes of an invoice together never credit
    more than it billed, per VAT rate and in total.
    """
    if invoice.kind != InvoiceKind.INVOICE:
        raise BillingError(_("Only an invoice can be corrected by a credit note."), code="not_an_invoice")
    if not isinstance(reason, str) or not reason.strip():
        raise BillingError(_("Give the reason for the credit note."), code="reason_required", field="reason")
    invoiced = list(invoice.lines.all())
    if lines is None:
        lines = [
            LineInput(line.description, line.quantity, -line.unit_price_cents, line.vat_rate_bp) for line in invoiced
        ]
    _check_lines(lines, credit_note=True, allowed_rates={line.vat_rate_bp for line in invoiced})
    with transaction.atomic():
        chain = chain_locked(invoice.lab)
        # Under the chain lock no other credit note of this invoice can be issued meanwhile.
        _check_remaining_credit(invoice, invoiced, lines)
        return _issue(
            chain=chain,
            kind=InvoiceKind.CREDIT_NOTE,
            lines=lines,
            issued_at=None,
            due_days=0,
            by=by,
            corrects=invoice,
            fields={
                "reason": reason.strip(),
                "language": invoice.language,
                "currency": invoice.currency,
                "buyer_name": invoice.buyer_name,
                "buyer_address": invoice.buyer_address,
                "buyer_email": invoice.buyer_email,
                "buyer_vat_number": invoice.buyer_vat_number,
                "buyer": invoice.buyer,
                "purchase_order": invoice.purchase_order,
                "payment_method": invoice.payment_method,
            },
        )


# --- The issuing path ---------------------------------------------------------


def chain_locked(lab) -> InvoiceChain:
    """The lab's chain head, created if needed and locked until the transaction ends."""
    chain, _created = InvoiceChain.objects.get_or_create(lab=lab)
    return lock_rows(InvoiceChain.objects.filter(pk=chain.pk).select_related("lab")).get()


def _sequence_locked(lab, kind, year) -> InvoiceSequence:
    sequence, _created = InvoiceSequence.objects.get_or_create(lab=lab, kind=kind, year=year)
    return lock_rows(InvoiceSequence.objects.filter(pk=sequence.pk)).get()


def _issue(*, chain, kind, lines, issued_at, due_days, fields, by, corrects=None) -> Invoice:
    lab = chain.lab
    issued_at = _issue_instant(chain, issued_at)
    local_day = timezone.localtime(issued_at, lab.tz).date()
    if AccountingPeriod.objects.filter(lab=lab, first_day__lte=local_day, last_day__gte=local_day).exists():
        raise BillingError(
            _("The accounting period of %(day)s is closed: no document can be dated in it any more.")
            % {"day": local_day.isoformat()},
            code="period_closed",
            field="issued_at",
        )
    sequence = _sequence_locked(lab, kind, local_day.year)
    sequence.last_number += 1
    invoice = Invoice(
        lab=lab,
        kind=kind,
        number=document_number(lab.invoice_prefix, kind, local_day.year, sequence.last_number),
        year=local_day.year,
        sequence=sequence.last_number,
        chain_position=chain.length + 1,
        corrects=corrects,
        issued_at=issued_at,
        due_date=local_day + dt.timedelta(days=due_days),
        seller_legal_name=lab.legal_name or lab.name,
        seller_address=lab.legal_address or "\n".join(lab.address_lines),
        seller_registration_number=lab.registration_number,
        seller_vat_number=lab.vat_number,
        previous_hash=chain.head_hash,
        issued_by=by,
        **fields,
    )
    invoice.payment_terms = _payment_terms(invoice, due_days)
    document_lines = _document_lines(lines)
    for name in ("total_excl_tax_cents", "total_tax_cents", "total_incl_tax_cents"):
        setattr(invoice, name, sum(getattr(line, name) for line in document_lines))

    pdf_bytes = pdf.render_invoice_pdf(invoice, document_lines)
    invoice.pdf_sha256 = sha256_hex(pdf_bytes)
    invoice.content_hash = chain_hash(invoice.previous_hash, canonical_content(invoice, document_lines))
    invoice.pdf.save("invoice.pdf", ContentFile(pdf_bytes), save=False)
    try:
        invoice.save()
        for line in document_lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(document_lines)
        sequence.save(update_fields=["last_number"])
        chain.length, chain.head_hash = invoice.chain_position, invoice.content_hash
        chain.save(update_fields=["length", "head_hash"])
    except BaseException:
        with contextlib.suppress(Exception):  # the original error is the one to report
            invoice.pdf.storage.delete(invoice.pdf.name)  # no legal copy without its row
        raise
    audit_record(
        actor=by,
        action="invoice.credit_note_issued" if corrects else "invoice.issued",
        target=invoice,
        lab=lab,
        changes={"number": invoice.number, "amount_cents": invoice.total_incl_tax_cents},
    )
    return invoice


def _issue_instant(chain, issued_at):
    """The given instant, or now (taken under the lock); never before the lab's last document.

    Numbers follow the chain, and the law wants them in date order too. A clock
    a few milliseconds behind another web server's must not refuse an invoice,
    so "now" is moved up to the last document's instant when it is earlier.
    """
    last = Invoice.objects.filter(lab=chain.lab, chain_position=chain.length).values_list("issued_at", flat=True)
    last_issued_at = last.first()
    if issued_at is None:
        now = timezone.now()
        return max(now, last_issued_at) if last_issued_at is not None else now
    if issued_at > timezone.now() + CLOCK_SKEW:
        raise BillingError(_("A document cannot be dated in the future."), code="future", field="issued_at")
    if last_issued_at is not None and issued_at < last_issued_at:
        raise BillingError(
            _("A document cannot be dated before the lab's last issued document."), code="backdated", field="issued_at"
        )
    return issued_at


def document_number(prefix: str, kind: str, year: int, sequence: int) -> str:
    """`PREFIX-YYYY-NNNNN` for invoices, `PREFIX-AV-YYYY-NNNNN` for credit notes (avoirs)."""
    if kind == InvoiceKind.CREDIT_NOTE:
        return f"{prefix}-AV-{year}-{sequence:05d}"
    return f"{prefix}-{year}-{sequence:05d}"


def _document_lines(lines) -> list[InvoiceLine]:
    document_lines = []
    for position, line in enumerate(lines, start=1):
        amounts = line_amounts(
            quantity=line.quantity, unit_price_cents=line.unit_price_cents, vat_rate_bp=line.vat_rate_bp
        )
        document_lines.append(
            InvoiceLine(
                position=position,
                description=line.description.strip(),
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                vat_rate_bp=line.vat_rate_bp,
                total_excl_tax_cents=amounts.excl_tax_cents,
                total_tax_cents=amounts.tax_cents,
                total_incl_tax_cents=amounts.incl_tax_cents,
            )
        )
    return document_lines


def _payment_terms(invoice, due_days) -> str:
    """The terms printed (and hashed) with the document, in its language."""
    with translation.override(invoice.language):
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            return str(_("To be refunded or deducted from a future invoice."))
        if invoice.paid_at is not None:
            return str(_("Nothing left to pay."))
        if due_days == 0:
            return str(_("Payable on receipt."))
        return str(_("Payable within %(days)s days of the invoice date.") % {"days": due_days})


# --- Checks, before anything is locked or written -------------------------------


def _check_document(*, lab, payment_method, language):
    if not lab.invoice_prefix:
        raise BillingError(_("Set the lab's invoice number prefix before issuing invoices."), code="no_invoice_prefix")
    if payment_method not in PaymentMethod.values:
        raise BillingError(_("Unknown payment method."), code="bad_payment_method", field="payment_method")
    if language not in InvoiceLanguage.values:
        raise BillingError(_("Invoices are issued in French or English."), code="bad_language", field="language")


def _check_buyer(buyer, purchase_order):
    if not isinstance(buyer, Buyer):
        raise BillingError(_("Say who the invoice is for."), code="buyer_required", field="buyer")
    if not isinstance(buyer.name, str) or not buyer.name.strip():
        raise BillingError(_("The buyer's name is required."), code="buyer_name_required", field="buyer.name")
    limits = [
        (buyer.name, 200, "buyer.name"),
        (buyer.vat_number, 32, "buyer.vat_number"),
        (purchase_order, 64, "purchase_order"),
        (buyer.email, 254, "buyer.email"),
        (buyer.address, 2000, "buyer.address"),
    ]
    for value, limit, field in limits:
        if not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
            raise BillingError(
                _("This text is too long (at most %(limit)s characters).") % {"limit": limit},
                code="text_too_long",
                field=field,
            )
    if buyer.email.strip():
        try:
            validate_email(buyer.email.strip())
        except ValidationError:
            raise BillingError(_("The buyer's email address is not valid."), code="bad_email", field="buyer.email")


def _check_lines(lines, *, credit_note, allowed_rates=VAT_RATES_BP):
    if not isinstance(lines, (list, tuple)) or not lines:
        raise BillingError(_("A document needs at least one line."), code="no_lines", field="lines")
    if len(lines) > MAX_LINES:
        raise BillingError(
            _("A document has at most %(count)s lines.") % {"count": MAX_LINES}, code="too_many_lines", field="lines"
        )
    for number, line in enumerate(lines, start=1):
        _check_line(number, line, credit_note=credit_note, allowed_rates=allowed_rates)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_line(number, line, *, credit_note, allowed_rates):
    def refuse(message, code):
        raise BillingError(message % {"number": number}, code=code, field="lines")

    if not isinstance(line, LineInput):
        refuse(_("Line %(number)s is not a line."), "bad_line")
    if not isinstance(line.description, str) or not line.description.strip() or "\x00" in line.description:
        refuse(_("Line %(number)s needs a description."), "bad_description")
    if len(line.description.strip()) > 300:
        refuse(_("Line %(number)s: the description is too long (at most 300 characters)."), "bad_description")
    if not _whole(line.quantity) or not 1 <= line.quantity <= MAX_QUANTITY:
        refuse(_("Line %(number)s: the quantity must be a whole number from 1 to 100,000."), "bad_quantity")
    if not _whole(line.unit_price_cents) or abs(line.unit_price_cents) > MAX_UNIT_PRICE_CENTS:
        refuse(_("Line %(number)s: the unit price must be a whole number of cents, at most 100,000,000."), "bad_amount")
    if not credit_note and line.unit_price_cents <= 0:
        refuse(_("Line %(number)s: the unit price must be more than zero."), "bad_amount")
    if credit_note and line.unit_price_cents >= 0:
        refuse(_("Line %(number)s: a credit note's unit price is negative."), "bad_amount")
    if not _whole(line.vat_rate_bp) or line.vat_rate_bp not in VAT_RATES_BP:
        refuse(_("Line %(number)s: unknown VAT rate."), "bad_vat_rate")
    if line.vat_rate_bp not in allowed_rates:
        refuse(_("Line %(number)s: the invoice has no line at this VAT rate."), "bad_vat_rate")


def _check_remaining_credit(invoice, invoiced, lines):
    """Refuse a credit note that would take any VAT rate, or the total, below zero."""
    remaining = {}
    for line in [*invoiced, *InvoiceLine.objects.filter(invoice__corrects=invoice)]:
        remaining[line.vat_rate_bp] = remaining.get(line.vat_rate_bp, 0) + line.total_excl_tax_cents
    remaining_incl = invoice.total_incl_tax_cents + sum(
        Invoice.objects.filter(corrects=invoice).values_list("total_incl_tax_cents", flat=True)
    )
    credited_incl = 0
    for line in lines:
        amounts = line_amounts(
            quantity=line.quantity, unit_price_cents=line.unit_price_cents, vat_rate_bp=line.vat_rate_bp
        )
        remaining[line.vat_rate_bp] += amounts.excl_tax_cents
        credited_incl -= amounts.incl_tax_cents
    language = translation.get_language() or "en"
    for rate, left in remaining.items():
        if left < 0:
            raise BillingError(
                _("This credit note credits more than what remains on invoice %(number)s at %(rate)s VAT.")
                % {"number": invoice.number, "rate": format_rate(rate, language)},
                code="over_credit",
                field="lines",
            )
    if credited_incl > remaining_incl:
        raise BillingError(
            _("This credit note credits more than what remains on invoice %(number)s (%(remaining)s).")
            % {"number": invoice.number, "remaining": format_money(remaining_incl, invoice.currency, language)},
            code="over_credit",
            field="lines",
        )
