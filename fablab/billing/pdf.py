"""The PDF of an issued document (WeasyPrint, then Factur-X), in the document's own language.

Rendered once, inside the issuing transaction, from the same values that are
hashed into the chain; the stored bytes are the legal copy, never re-rendered.
"""

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from fablab.billing.amounts import format_money, format_rate, vat_breakdown
from fablab.billing.einvoice import facturx_pdf
from fablab.billing.legal import LEGAL_MENTIONS
from fablab.billing.models import InvoiceKind


def _document_context(invoice, lines):
    language, currency = invoice.language, invoice.currency
    tz = invoice.lab.tz

    def money(cents):
        return format_money(cents, currency, language)

    def day(value):
        return formats.date_format(value, "DATE_FORMAT")

    breakdown = vat_breakdown(lines)
    return {
        "invoice": invoice,
        "legal": LEGAL_MENTIONS[language],
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "kind_label": invoice.get_kind_display(),
        "payment_method_label": invoice.get_payment_method_display(),
        "issued_on": day(timezone.localtime(invoice.issued_at, tz)),
        "due_on": day(invoice.due_date),
        "paid_on": day(timezone.localtime(invoice.paid_at, tz)) if invoice.paid_at else "",
        "corrects_number": invoice.corrects.number if invoice.corrects_id else "",
        "corrects_issued_on": (day(timezone.localtime(invoice.corrects.issued_at, tz)) if invoice.corrects_id else ""),
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents),
                "rate": format_rate(line.vat_rate_bp, language),
                "excl_tax": money(line.total_excl_tax_cents),
                "incl_tax": money(line.total_incl_tax_cents),
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "breakdown": [
            {
                "rate": format_rate(rate["vat_rate_bp"], language),
                "excl_tax": money(rate["excl_tax_cents"]),
                "tax": money(rate["tax_cents"]),
            }
            for rate in breakdown
        ],
        "total_excl_tax": money(invoice.total_excl_tax_cents),
        "total_tax": money(invoice.total_tax_cents),
        "total_incl_tax": money(invoice.total_incl_tax_cents),
        # Franchise en base de TVA: the whole document carries no VAT.
        "vat_not_applicable": all(line.vat_rate_bp == 0 for line in lines),
        "some_lines_exempt": any(line.vat_rate_bp == 0 for line in lines),
    }


def render_invoice_html(invoice, lines) -> str:
    with translation.override(invoice.language):
        return render_to_string("billing/invoice.html", _document_context(invoice, lines))


def render_invoice_pdf(invoice, lines) -> bytes:
    """A4 Factur-X PDF (PDF/A-3b with the EN 16931 XML inside) of `invoice`, saved or not, with its `lines`."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which takes a moment

    printed = HTML(string=render_invoice_html(invoice, lines)).write_pdf(pdf_variant="pdf/a-3b")
    return facturx_pdf(invoice, lines, printed, country=invoice.lab.country)
