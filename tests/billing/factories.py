"""Billing test data: lines, buyers and issued documents, through the real services."""

import io
import re

import factory
import pypdf

from fablab.billing.services import Buyer, LineInput, invoice_issue
from tests.factories import LabFactory


class BillingLabFactory(LabFactory):
    """A lab with the legal details an invoice prints."""

    invoice_prefix = factory.Sequence(lambda n: f"INV{n}")
    legal_name = factory.LazyAttribute(lambda lab: f"Association {lab.name}")
    legal_address = "1 rue de la Fab\n35000 Rennes"
    registration_number = "123 456 789 00012"
    vat_number = "FR12123456789"


class BuyerFactory(factory.Factory):
    class Meta:
        model = Buyer

    name = factory.Sequence(lambda n: f"Buyer {n}")
    address = "2 place du Parlement\n35000 Rennes"
    email = factory.Sequence(lambda n: f"buyer{n}@example.org")
    vat_number = ""
    user = None


class LineFactory(factory.Factory):
    class Meta:
        model = LineInput

    description = factory.Sequence(lambda n: f"Laser cutter, one hour ({n})")
    quantity = 1
    unit_price_cents = 2500
    vat_rate_bp = 2000


def issue_invoice(lab=None, *, lines=None, buyer=None, **kwargs):
    """An invoice issued by the real service, with sensible defaults."""
    return invoice_issue(
        lab=lab or BillingLabFactory(),
        buyer=buyer or BuyerFactory(),
        lines=lines if lines is not None else [LineFactory(), LineFactory(quantity=2, unit_price_cents=1000)],
        payment_method=kwargs.pop("payment_method", "transfer"),
        **kwargs,
    )


def pdf_text(invoice):
    """The text of the stored PDF, read back with pypdf, whitespace (and no-break spaces) collapsed."""
    with invoice.pdf.open("rb") as stored:
        reader = pypdf.PdfReader(io.BytesIO(stored.read()))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)
