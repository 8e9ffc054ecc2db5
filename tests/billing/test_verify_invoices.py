import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command, execute_from_command_line
from django.db import connection

from fablab.billing.chain import canonical_content, chain_hash
from fablab.billing.models import Invoice, InvoiceLine
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import credit_note_issue
from tests.billing.factories import BillingLabFactory, issue_invoice

pytestmark = pytest.mark.django_db


def verify(capsys):
    """Run `manage.py verify_invoices` as an operator would: (exit status, stdout, stderr)."""
    try:
        execute_from_command_line(["manage.py", "verify_invoices"])
        status = 0
    except SystemExit as exit:
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def documents():
    """Three invoices and a credit note in one lab, and an invoice in another."""
    lab = BillingLabFactory(invoice_prefix="REN")
    first = issue_invoice(lab)
    second = issue_invoice(lab)
    credit_note_issue(invoice=first, reason="Cancelled")
    issue_invoice(lab)
    issue_invoice(BillingLabFactory(invoice_prefix="STM"))
    return first, second


class TestVerifyInvoices:
    def test_an_intact_chain_exits_0(self, documents, capsys):
        status, out, err = verify(capsys)
        assert status == 0
        assert "5 invoices and 0 period archives verified, chains intact" in out
        assert err == ""

    def test_no_invoice_at_all_is_an_intact_chain(self, capsys):
        status, out, _err = verify(capsys)
        assert (status, out.strip()) == (0, "0 invoices and 0 period archives verified, chains intact")

    def test_a_field_changed_behind_the_services_back_exits_1_naming_the_invoice(self, documents, capsys):
        first, second = documents
        Invoice.objects.filter(pk=second.pk).update(buyer_name="Someone else")
        status, out, _err = verify(capsys)
        assert status == 1
        assert f"{second.number}: content changed" in out
        assert "STM-" not in out  # the other lab's chain is intact

    def test_a_changed_line_is_caught(self, documents, capsys):
        first, _second = documents
        InvoiceLine.objects.filter(invoice=first, position=1).update(description="Something cheaper")
        status, out, _err = verify(capsys)
        assert status == 1
        assert f"{first.number}: content changed" in out

    def test_a_replaced_pdf_exits_1_naming_the_invoice(self, documents, capsys):
        _first, second = documents
        storage, name = second.pdf.storage, second.pdf.name
        storage.delete(name)
        assert storage.save(name, ContentFile(b"%PDF-1.7 forged")) == name
        status, out, _err = verify(capsys)
        assert status == 1
        assert f"{second.number}: PDF changed" in out

    def test_a_missing_pdf_is_caught(self, documents):
        _first, second = documents
        second.pdf.storage.delete(second.pdf.name)
        assert invoice_chain_problems() == [f"{second.number}: PDF missing"]

    def test_a_recomputed_hash_breaks_the_link_of_the_next_document(self, documents):
        _first, second = documents
        Invoice.objects.filter(pk=second.pk).update(buyer_name="Someone else")
        forged = Invoice.objects.get(pk=second.pk)
        forged_hash = chain_hash(forged.previous_hash, canonical_content(forged, forged.lines.all()))
        Invoice.objects.filter(pk=second.pk).update(content_hash=forged_hash)
        problems = invoice_chain_problems()
        assert len(problems) == 1
        assert problems[0].endswith("chain broken (a document before it is missing or was changed)")
        assert problems[0].startswith(f"REN-AV-{second.year}-00001")

    def test_a_document_removed_from_the_end_is_caught(self, documents):
        last = Invoice.objects.filter(lab__invoice_prefix="REN").order_by("-chain_position").first()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [last.pk])
            cursor.execute("DELETE FROM billing_invoice WHERE id = %s", [last.pk])
        assert invoice_chain_problems() == ["REN: chain broken (4 documents issued, 3 found)"]

    def test_it_verifies_one_lab_on_request(self, documents):
        out = io.StringIO()
        call_command("verify_invoices", "--lab", documents[0].lab.slug, stdout=out)
        assert "4 invoices and 0 period archives verified, chains intact" in out.getvalue()
