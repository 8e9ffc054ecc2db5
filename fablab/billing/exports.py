"""The accountant's CSV: a lab's invoices, credit notes and payments over a period.

One table with one header, so that a spreadsheet's filters and sums work on
it: document rows first (in issuing order), then payment and refund rows (in
the order the money moved). Columns that do not apply to a row are left empty.
The period is a range of the lab's local dates, both included; it is turned
into UTC instants once, so the database compares indexed instants.

The rows are read in chunks and written as they come: the memory a download
takes does not grow with the number of documents, and the number of queries
stays at two whatever the number of rows.
"""

import csv
import datetime as dt

from fablab.billing.models import Invoice, Payment
from fablab.core.csv import Echo as _Echo
from fablab.core.csv import csv_safe

CHUNK_SIZE = 500
# Stable, untranslated codes: accountants' import macros match on them.
COLUMNS = [
    "type",
    "number",
    "date",
    "buyer_name",
    "buyer_vat_number",
    "purchase_order",
    "corrected_invoice_number",
    "order_reference",
    "total_excl_tax",
    "vat",
    "total_incl_tax",
    "amount",
    "currency",
    "payment_method",
    "paid_date",
    "reference",
]
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark; without
# it, accented buyer names come out garbled. LibreOffice and Python accept it too.
BOM = "\ufeff"


def period_bounds(lab, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of `date_from` to the end of `date_to` (excluded), in the lab's zone."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=lab.tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=lab.tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def export_filename(lab, date_from: dt.date, date_to: dt.date) -> str:
    return f"accounting-{lab.slug}-{date_from.isoformat()}-{date_to.isoformat()}.csv"


def euros(cents: int) -> str:
    """Cents as euros with a dot and two decimals, for any spreadsheet locale: -1234 → "-12.34"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _local_date(instant, lab):
    return instant.astimezone(lab.tz).date().isoformat() if instant else ""


def _document_row(invoice, lab):
    order = getattr(invoice, "order", None)  # a credit note, or an invoice issued without an order, has none
    return {
        "type": invoice.kind,
        "number": csv_safe(invoice.number),
        "date": _local_date(invoice.issued_at, lab),
        "buyer_name": csv_safe(invoice.buyer_name),
        "buyer_vat_number": csv_safe(invoice.buyer_vat_number),
        "purchase_order": csv_safe(invoice.purchase_order),
        "corrected_invoice_number": csv_safe(invoice.corrects.number) if invoice.corrects_id else "",
        "order_reference": order.reference if order else "",
        "total_excl_tax": euros(invoice.total_excl_tax_cents),
        "vat": euros(invoice.total_tax_cents),
        "total_incl_tax": euros(invoice.total_incl_tax_cents),
        "currency": invoice.currency,
        "payment_method": invoice.payment_method,
        "paid_date": _local_date(invoice.paid_at, lab),
    }


def _payment_row(payment, lab):
    return {
        "type": payment.kind,
        "number": csv_safe(payment.order.invoice.number) if payment.order.invoice_id else "",
        "date": _local_date(payment.received_at, lab),
        "order_reference": payment.order.reference,
        "amount": euros(payment.amount_cents),
        "currency": payment.order.currency,
        "payment_method": payment.method,
        "reference": csv_safe(payment.reference),
    }


def accounting_rows(lab, date_from: dt.date, date_to: dt.date):
    """Yield the header, then one list of cells per document and per payment of the period.

    Amounts are not passed through `csv_safe`: they are ours, and a credit
    note's "-12.34" must stay a number. Every free text is.
    """
    start, end = period_bounds(lab, date_from, date_to)
    yield COLUMNS
    documents = (
        Invoice.objects.filter(lab=lab, issued_at__gte=start, issued_at__lt=end)
        .select_related("corrects", "order")
        .order_by("chain_position")
    )
    for invoice in documents.iterator(chunk_size=CHUNK_SIZE):
        row = _document_row(invoice, lab)
        yield [row.get(column, "") for column in COLUMNS]
    payments = (
        Payment.objects.filter(order__lab=lab, received_at__gte=start, received_at__lt=end)
        .select_related("order__invoice")
        .order_by("received_at", "id")
    )
    for payment in payments.iterator(chunk_size=CHUNK_SIZE):
        row = _payment_row(payment, lab)
        yield [row.get(column, "") for column in COLUMNS]


def accounting_csv(lab, date_from: dt.date, date_to: dt.date):
    """Yield the CSV text line by line, the byte order mark first (see `BOM`)."""
    writer = csv.writer(_Echo())
    yield BOM
    for row in accounting_rows(lab, date_from, date_to):
        yield writer.writerow(row)
