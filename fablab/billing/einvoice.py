"""Factur-X: the EN 16931 invoice data (CII XML) embedded in the PDF/A-3 legal copy.

A public school pays through Chorus Pro, which reads the invoice from the XML
inside the PDF, not from its printed text. The `factur-x` library builds the CII
XML from the EN 16931 business terms (BT-/BG- keys), checks it against the
official XSD, and turns WeasyPrint's PDF/A-3b into a Factur-X file (the XML as
an associated file, the Factur-X XMP metadata).

Everything comes from the document's frozen fields, never from the lab or the
account as they are today, so that the XML says exactly what the printed copy says.
"""

import re

from django.utils import timezone
from facturx import generate_cii_xml, generate_from_binary

from fablab.billing.amounts import vat_breakdown
from fablab.billing.legal import LEGAL_MENTIONS
from fablab.billing.models import InvoiceKind, PaymentMethod

LEVEL = "en16931"
# UNTDID 1001: commercial invoice, credit note.
TYPE_CODES = {InvoiceKind.INVOICE: "380", InvoiceKind.CREDIT_NOTE: "381"}
# UNTDID 4461.
PAYMENT_MEANS = {
    PaymentMethod.CARD: "48",
    PaymentMethod.CASH: "10",
    PaymentMethod.CHEQUE: "20",
    PaymentMethod.TRANSFER: "30",
    PaymentMethod.ADMINISTRATIVE_MANDATE: "30",
}
# ISO 6523 scheme of a French SIRET (14 digits) and SIREN (9 digits).
SIRET_SCHEME, SIREN_SCHEME = "0009", "0002"
POSTCODE_CITY = re.compile(r"^(?P<postcode>\d{4,5})\s+(?P<city>.+)$")


def facturx_pdf(invoice, lines, pdf_bytes: bytes, *, country: str) -> bytes:
    """`pdf_bytes` (a PDF/A-3b) with the document's CII XML embedded, checked against the XSD."""
    xml = cii_xml(invoice, lines, country=country)
    return generate_from_binary(
        pdf_bytes,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        pdf_metadata={
            "author": invoice.seller_legal_name,
            "keywords": "Factur-X",
            "title": f"{invoice.seller_legal_name}: {invoice.number}",
            "subject": f"{invoice.get_kind_display()} {invoice.number}",
        },
        lang=invoice.language,
    )


def cii_xml(invoice, lines, *, country: str) -> bytes:
    """The EN 16931 CII XML of a document (amounts positive; the type code says credit note)."""
    sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1

    def amount(cents):
        return f"{sign * cents / 100:.2f}"

    legal = LEGAL_MENTIONS[invoice.language]
    whole_document_exempt = all(line.vat_rate_bp == 0 for line in lines)
    exemption = legal["vat_not_applicable"] if whole_document_exempt else legal["some_lines_exempt"]
    issued_on = timezone.localtime(invoice.issued_at, invoice.lab.tz).date()
    paid_cents = invoice.total_incl_tax_cents if invoice.paid_at else 0
    data = {
        "BT-1": invoice.number,
        "BT-2": issued_on,
        "BT-3": TYPE_CODES[invoice.kind],
        "BT-5": invoice.currency,
        "BT-9": invoice.due_date,
        # The delivery date: a pack, a seat or a workshop is sold when the document is issued.
        "BT-72": issued_on,
        "BT-20": invoice.payment_terms,
        "BT-81": PAYMENT_MEANS[invoice.payment_method],
        "BG-1": [
            {"BT-21": "PMD", "BT-22": legal["late_penalty"]},
            {"BT-21": "PMT", "BT-22": legal["recovery_indemnity"]},
            {"BT-21": "AAB", "BT-22": legal["no_discount"]},
        ],
        "BG-4": _party(
            name=invoice.seller_legal_name,
            address=invoice.seller_address,
            country=country,
            registration_number=invoice.seller_registration_number,
            vat_number=invoice.seller_vat_number,
        ),
        "BG-7": _party(
            name=invoice.buyer_name,
            address=invoice.buyer_address,
            country=country,
            vat_number=invoice.buyer_vat_number,
            email=invoice.buyer_email,
        ),
        "BG-23": [
            {
                "BT-116": amount(rate["excl_tax_cents"]),
                "BT-117": amount(rate["tax_cents"]),
                "BT-118": _category(rate["vat_rate_bp"]),
                "BT-119": _percent(rate["vat_rate_bp"]),
                **({"BT-120": exemption} if rate["vat_rate_bp"] == 0 else {}),
                **({"BT-121": "VATEX-FR-FRANCHISE"} if whole_document_exempt else {}),
            }
            for rate in vat_breakdown(lines)
        ],
        "BG-25": [
            {
                "BT-126": str(line.position),
                "BT-129": str(line.quantity),
                "BT-130": "C62",  # "one": a unit, a seat, a pack
                "BT-131": amount(line.total_excl_tax_cents),
                "BT-146": amount(line.unit_price_cents),
                "BT-151": _category(line.vat_rate_bp),
                "BT-152": _percent(line.vat_rate_bp),
                "BT-153": line.description,
            }
            for line in sorted(lines, key=lambda line: line.position)
        ],
        "BT-106": amount(invoice.total_excl_tax_cents),
        "BT-109": amount(invoice.total_excl_tax_cents),
        "BT-110": amount(invoice.total_tax_cents),
        "BT-112": amount(invoice.total_incl_tax_cents),
        "BT-113": amount(paid_cents),
        "BT-115": amount(invoice.total_incl_tax_cents - paid_cents),
    }
    if invoice.purchase_order:
        data["BT-13"] = invoice.purchase_order
    if invoice.corrects_id:
        corrected_on = timezone.localtime(invoice.corrects.issued_at, invoice.lab.tz).date()
        data["BG-3"] = [{"BT-25": invoice.corrects.number, "BT-26": corrected_on}]
    if invoice.reason:
        data["BG-1"].insert(0, {"BT-22": invoice.reason})
    # Checked against the XSD once, when embedded (`facturx_pdf`); the schematron needs a Saxon server.
    return generate_cii_xml(data, level=LEVEL, check_xsd=False, check_schematron=False)


def _party(*, name, address, country, registration_number="", vat_number="", email=""):
    """A seller or buyer (BG-4 / BG-7) from a frozen name and a free-text address."""
    address_lines = [line.strip() for line in address.splitlines() if line.strip()]
    party = {"name": name, "country_code": country}
    if address_lines and (match := POSTCODE_CITY.match(address_lines[-1])):
        party.update(postcode=match["postcode"], city=match["city"])
        address_lines.pop()
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), address_lines, strict=False):
        party[key] = line
    digits = registration_number.replace(" ", "")
    if digits.isdigit() and len(digits) in (9, 14):
        scheme = SIRET_SCHEME if len(digits) == 14 else SIREN_SCHEME
        party.update(legal_identifier=digits, legal_identifier_schemeid=scheme)
    if vat_number:
        party["vat_identifier"] = vat_number.replace(" ", "")
    if email:
        party["contacts"] = [{"email": email}]
    return party


def _category(vat_rate_bp):
    """UNCL 5305: standard rate, or exempt at 0 %."""
    return "S" if vat_rate_bp else "E"


def _percent(vat_rate_bp):
    return f"{vat_rate_bp / 100:.2f}"
