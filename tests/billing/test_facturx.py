"""Issued documents are Factur-X files: a PDF/A-3 with the EN 16931 CII XML embedded."""

import io

import pypdf
import pytest
from django.utils import timezone
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree

from fablab.billing.services import LineInput, credit_note_issue
from tests.billing.factories import BillingLabFactory, BuyerFactory, LineFactory, issue_invoice

pytestmark = pytest.mark.django_db

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def stored_pdf(invoice) -> bytes:
    with invoice.pdf.open("rb") as stored:
        return stored.read()


def embedded_xml(invoice):
    filename, xml = get_facturx_xml_from_pdf(stored_pdf(invoice), check_xsd=False)
    return filename, xml, etree.fromstring(xml)


def text(root, path):
    return root.xpath(path, namespaces=NS)


@pytest.fixture
def lab():
    return BillingLabFactory(invoice_prefix="REN", legal_name="Association Fab Rennes")


class TestFacturX:
    def test_it_embeds_a_valid_en16931_xml_named_factur_x(self, lab):
        invoice = issue_invoice(lab)
        filename, xml, _root = embedded_xml(invoice)
        assert filename == "factur-x.xml"
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True

    def test_the_pdf_declares_pdf_a_3_and_the_factur_x_profile(self, lab):
        reader = pypdf.PdfReader(io.BytesIO(stored_pdf(issue_invoice(lab))))
        metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert "<pdfaid:part>3</pdfaid:part>" in metadata
        assert "EN 16931" in metadata
        assert reader.trailer["/Root"]["/AF"]  # the XML is an associated file of the document

    def test_the_xml_says_what_the_printed_invoice_says(self, lab):
        invoice = issue_invoice(
            lab,
            buyer=BuyerFactory(name="Collège Anne de Bretagne", address="5 rue des Écoles\n35700 Rennes"),
            lines=[LineFactory(description="Atelier découpe laser", quantity=2, unit_price_cents=12_500)],
            purchase_order="BC-2026-042",
        )
        _filename, _xml, root = embedded_xml(invoice)
        assert text(root, "//rsm:ExchangedDocument/ram:ID/text()") == [invoice.number]
        assert text(root, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["380"]
        assert text(root, "//ram:SellerTradeParty/ram:Name/text()") == ["Association Fab Rennes"]
        assert text(root, "//ram:SellerTradeParty//ram:ID[@schemeID='0009']/text()") == ["12345678900012"]
        assert text(root, "//ram:SellerTradeParty//ram:ID[@schemeID='VA']/text()") == ["FR12123456789"]
        assert text(root, "//ram:BuyerTradeParty/ram:Name/text()") == ["Collège Anne de Bretagne"]
        assert text(root, "//ram:BuyerTradeParty//ram:PostcodeCode/text()") == ["35700"]
        assert text(root, "//ram:BuyerTradeParty//ram:CityName/text()") == ["Rennes"]
        assert text(root, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == ["BC-2026-042"]
        assert text(root, "//ram:IncludedSupplyChainTradeLineItem//ram:Name/text()") == ["Atelier découpe laser"]
        assert text(root, "//ram:TaxBasisTotalAmount/text()") == ["250.00"]
        assert text(root, "//ram:TaxTotalAmount/text()") == ["50.00"]
        assert text(root, "//ram:GrandTotalAmount/text()") == ["300.00"]
        assert text(root, "//ram:DuePayableAmount/text()") == ["300.00"]

    def test_a_paid_invoice_has_nothing_due(self, lab):
        invoice = issue_invoice(lab, payment_method="card", paid_at=timezone.now())
        root = embedded_xml(invoice)[2]
        assert text(root, "//ram:TotalPrepaidAmount/text()") == ["54.00"]
        assert text(root, "//ram:DuePayableAmount/text()") == ["0.00"]
        assert text(root, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == ["48"]

    def test_a_credit_note_is_type_381_with_positive_amounts_and_the_corrected_invoice(self, lab):
        invoice = issue_invoice(lab)
        note = credit_note_issue(invoice=invoice, reason="Session cancelled")
        _filename, xml, root = embedded_xml(note)
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
        assert text(root, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
        assert text(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [invoice.number]
        assert text(root, "//ram:GrandTotalAmount/text()") == ["54.00"]
        assert "Session cancelled" in text(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()")

    def test_an_invoice_without_vat_carries_the_franchise_exemption(self, lab):
        invoice = issue_invoice(lab, lines=[LineInput("Formation", 1, 9000, 0)])
        root = embedded_xml(invoice)[2]
        assert text(root, "//ram:ApplicableTradeTax/ram:CategoryCode/text()") == ["E", "E"]
        assert text(root, "//ram:ApplicableTradeTax/ram:ExemptionReasonCode/text()") == ["VATEX-FR-FRANCHISE"]
        assert text(root, "//ram:ApplicableTradeTax/ram:ExemptionReason/text()") == [
            "TVA non applicable, art. 293 B du CGI"
        ]
