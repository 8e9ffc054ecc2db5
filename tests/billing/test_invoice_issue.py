import datetime as dt

import pytest
import time_machine

from fablab.accounts.services import account_erase
from fablab.billing import pdf
from fablab.billing.chain import canonical_content, chain_hash, sha256_hex
from fablab.billing.models import (
    GENESIS_HASH,
    ImmutableDocument,
    Invoice,
    InvoiceChain,
    InvoiceLine,
    InvoiceSequence,
)
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError, Buyer, LineInput, invoice_issue
from tests.billing.factories import BillingLabFactory, BuyerFactory, LineFactory, issue_invoice, pdf_text
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def lab():
    return BillingLabFactory(invoice_prefix="REN", name="Rennes")


@pytest.fixture
def clock():
    """Mid-2027, so that every explicit issue date of these tests lies in the past."""
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, tzinfo=UTC)):
        yield


@pytest.mark.usefixtures("clock")
class TestInvoiceNumbering:
    def test_it_numbers_invoices_per_lab_in_a_yearly_sequence(self, lab):
        first = issue_invoice(lab, issued_at=at(2026, 3, 1))
        second = issue_invoice(lab, issued_at=at(2026, 3, 2))
        next_year = issue_invoice(lab, issued_at=at(2027, 1, 5))
        assert [first.number, second.number, next_year.number] == ["REN-2026-00001", "REN-2026-00002", "REN-2027-00001"]
        assert [(i.year, i.sequence) for i in (first, second, next_year)] == [(2026, 1), (2026, 2), (2027, 1)]
        assert InvoiceSequence.objects.get(lab=lab, kind="invoice", year=2026).last_number == 2

    def test_each_lab_has_its_own_sequence(self, lab):
        other = BillingLabFactory(invoice_prefix="STM")
        year = issue_invoice(lab).year
        issue_invoice(other)
        issue_invoice(other)
        issue_invoice(lab)
        assert sorted(Invoice.objects.values_list("number", flat=True)) == [
            f"REN-{year}-00001",
            f"REN-{year}-00002",
            f"STM-{year}-00001",
            f"STM-{year}-00002",
        ]

    def test_the_year_is_the_labs_local_year(self, lab):
        # 23:30 UTC on 31 December is already New Year's Day in Rennes.
        invoice = issue_invoice(lab, issued_at=dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
        assert invoice.number == "REN-2027-00001"
        assert invoice.due_date == dt.date(2027, 1, 31)

    def test_it_refuses_a_date_before_the_labs_last_document(self, lab):
        issue_invoice(lab, issued_at=at(2026, 3, 2))
        with pytest.raises(BillingError) as error:
            issue_invoice(lab, issued_at=at(2026, 3, 1))
        assert error.value.code == "backdated"
        assert Invoice.objects.count() == 1
        assert InvoiceSequence.objects.get().last_number == 1

    def test_a_failing_issue_leaves_no_invoice_and_burns_no_number(self, lab, monkeypatch):
        issue_invoice(lab, issued_at=at(2026, 3, 1))

        def broken_renderer(invoice, lines):
            raise RuntimeError("the renderer crashed")

        monkeypatch.setattr(pdf, "render_invoice_pdf", broken_renderer)
        with pytest.raises(RuntimeError):
            issue_invoice(lab, issued_at=at(2026, 3, 2))
        monkeypatch.undo()

        assert Invoice.objects.count() == 1
        assert InvoiceSequence.objects.get().last_number == 1
        assert InvoiceChain.objects.get().length == 1
        assert issue_invoice(lab, issued_at=at(2026, 3, 3)).number == "REN-2026-00002"

    def test_a_failure_after_the_pdf_is_stored_removes_the_file(self, lab, monkeypatch):
        stored = []
        original_bulk_create = InvoiceLine.objects.bulk_create

        def failing_bulk_create(lines, *args, **kwargs):
            stored.append(lines[0].invoice.pdf.name)
            raise RuntimeError("the database went away")

        monkeypatch.setattr(InvoiceLine.objects, "bulk_create", failing_bulk_create)
        with pytest.raises(RuntimeError):
            issue_invoice(lab)
        monkeypatch.setattr(InvoiceLine.objects, "bulk_create", original_bulk_create)
        assert Invoice.objects.count() == 0
        assert not Invoice._meta.get_field("pdf").storage.exists(stored[0])


class TestInvoiceContent:
    def test_it_freezes_the_seller_and_the_buyer(self, lab):
        member = UserFactory(full_name="Mia Member")
        invoice = issue_invoice(
            lab,
            buyer=Buyer(name="Mia Member", address="3 rue X\nRennes", email="mia@example.org", user=member),
            purchase_order="PO-77",
        )
        lab.legal_name, lab.vat_number = "New name", "FR00"
        lab.save()
        invoice = Invoice.objects.get(pk=invoice.pk)
        assert invoice.seller_legal_name == "Association Rennes"
        assert invoice.seller_address == "1 rue de la Fab\n35000 Rennes"
        assert invoice.seller_registration_number == "123 456 789 00012"
        assert invoice.seller_vat_number == "FR12123456789"
        assert (invoice.buyer_name, invoice.buyer_email, invoice.buyer, invoice.purchase_order) == (
            "Mia Member",
            "mia@example.org",
            member,
            "PO-77",
        )

    def test_it_computes_line_totals_and_vat_per_line_rounded_half_up(self, lab):
        invoice = issue_invoice(
            lab,
            lines=[
                LineInput("Laser, one hour", 3, 1234, 2000),  # 37.02 → VAT 7.404 → 7.40
                LineInput("Filament", 1, 1050, 550),  # 10.50 → VAT 0.5775 → 0.58
                LineInput("Plywood", 1, 10, 550),  # 0.10 → VAT 0.0055 → 0.01 (half-up)
                LineInput("Book", 2, 999, 210),  # 19.98 → VAT 0.41958 → 0.42
                LineInput("Training", 1, 15000, 0),
            ],
        )
        lines = list(invoice.lines.order_by("position"))
        assert [(line.total_excl_tax_cents, line.total_tax_cents, line.total_incl_tax_cents) for line in lines] == [
            (3702, 740, 4442),
            (1050, 58, 1108),
            (10, 1, 11),
            (1998, 42, 2040),
            (15000, 0, 15000),
        ]
        assert (invoice.total_excl_tax_cents, invoice.total_tax_cents, invoice.total_incl_tax_cents) == (
            21760,
            841,
            22601,
        )

    def test_it_chains_each_document_to_the_previous_one_of_the_lab(self, lab):
        first = issue_invoice(lab)
        second = issue_invoice(lab)
        other_lab_first = issue_invoice(BillingLabFactory())
        assert first.previous_hash == GENESIS_HASH == other_lab_first.previous_hash
        assert second.previous_hash == first.content_hash
        assert (first.chain_position, second.chain_position) == (1, 2)
        stored = Invoice.objects.get(pk=second.pk)
        assert stored.content_hash == chain_hash(first.content_hash, canonical_content(stored, stored.lines.all()))
        assert InvoiceChain.objects.get(lab=lab).head_hash == second.content_hash
        assert invoice_chain_problems() == []

    def test_it_stores_the_pdf_with_its_hash(self, lab):
        invoice = issue_invoice(lab)
        with invoice.pdf.open("rb") as stored:
            data = stored.read()
        assert data.startswith(b"%PDF-")
        assert sha256_hex(data) == invoice.pdf_sha256

    def test_the_invoice_keeps_the_buyer_when_the_account_is_erased(self, lab):
        member = UserFactory(full_name="Mia Member")
        invoice = issue_invoice(lab, buyer=Buyer("Mia Member", "3 rue X", "mia@example.org", user=member))
        account_erase(user=member)
        invoice = Invoice.objects.get(pk=invoice.pk)
        assert invoice.buyer_name == "Mia Member"
        assert invoice_chain_problems() == []


@pytest.mark.usefixtures("clock")
class TestInvoicePdf:
    def test_it_renders_a_french_pdf_with_the_legal_mentions(self, lab):
        invoice = issue_invoice(
            lab,
            language="fr",
            buyer=BuyerFactory(name="Lycée Chateaubriand"),
            lines=[LineInput("Découpe laser", 2, 61650, 2000)],
            purchase_order="BC-2026-118",
            issued_at=at(2026, 5, 4),
        )
        text = pdf_text(invoice)
        assert "REN-2026-00001" in text
        assert "Lycée Chateaubriand" in text
        assert "1 233,00 €" in text  # total excluding tax
        assert "246,60 €" in text  # VAT
        assert "1 479,60 €" in text  # total including tax
        assert "4 mai 2026" in text
        assert "BC-2026-118" in text
        assert "trois fois le taux d'intérêt légal" in text
        assert "indemnité forfaitaire de 40 € pour frais de recouvrement" in text
        assert "TVA non applicable" not in text

    def test_it_renders_an_english_pdf_with_the_legal_mentions(self, lab):
        invoice = issue_invoice(
            lab,
            language="en",
            buyer=BuyerFactory(name="Ada Lovelace"),
            lines=[LineInput("Laser cutting", 2, 61650, 2000)],
            issued_at=at(2026, 5, 4),
        )
        text = pdf_text(invoice)
        assert "REN-2026-00001" in text
        assert "Ada Lovelace" in text
        assert "€1,233.00" in text
        assert "€246.60" in text
        assert "€1,479.60" in text
        assert "May 4, 2026" in text
        assert "three times the French legal interest rate" in text
        assert "fixed indemnity of €40 for recovery costs" in text

    def test_it_prints_the_vat_exemption_when_no_line_carries_vat(self, lab):
        invoice = issue_invoice(lab, language="fr", lines=[LineInput("Formation", 1, 12000, 0)])
        text = pdf_text(invoice)
        assert "TVA non applicable, art. 293 B du CGI" in text
        assert invoice.total_tax_cents == 0

    def test_it_prints_the_payment_state(self, lab):
        paid = issue_invoice(
            lab, language="en", payment_method="card", paid_at=at(2026, 5, 4, 9), issued_at=at(2026, 5, 4)
        )
        due = issue_invoice(lab, language="en", issued_at=at(2026, 5, 5))
        assert "Paid on May 4, 2026" in pdf_text(paid)
        assert "June 4, 2026" in pdf_text(due)


class TestInvoiceIsImmutable:
    def test_the_model_refuses_to_change_or_delete_an_issued_invoice(self, lab):
        invoice = issue_invoice(lab)
        invoice.buyer_name = "Someone else"
        with pytest.raises(ImmutableDocument):
            invoice.save()
        with pytest.raises(ImmutableDocument):
            invoice.delete()
        assert Invoice.objects.get().buyer_name != "Someone else"

    def test_the_model_refuses_to_change_or_delete_a_line(self, lab):
        line = issue_invoice(lab).lines.first()
        line.unit_price_cents = 1
        with pytest.raises(ImmutableDocument):
            line.save()
        with pytest.raises(ImmutableDocument):
            line.delete()


class TestInvoiceIssueRefusesBadInput:
    @pytest.mark.parametrize(
        "changes, code",
        [
            ({"lines": []}, "no_lines"),
            ({"lines": [LineInput("Laser", 0, 1000, 2000)]}, "bad_quantity"),
            ({"lines": [LineInput("Laser", 1.5, 1000, 2000)]}, "bad_quantity"),
            ({"lines": [LineInput("Laser", 1, 0, 2000)]}, "bad_amount"),
            ({"lines": [LineInput("Laser", 1, -500, 2000)]}, "bad_amount"),
            ({"lines": [LineInput("Laser", 1, 10.5, 2000)]}, "bad_amount"),
            ({"lines": [LineInput("Laser", 1, 1000, 1960)]}, "bad_vat_rate"),
            ({"lines": [LineInput("  ", 1, 1000, 2000)]}, "bad_description"),
            ({"buyer": Buyer(name=" ", address="", email="")}, "buyer_name_required"),
            ({"buyer": Buyer(name="Ada", address="", email="not-an-email")}, "bad_email"),
            ({"payment_method": "bitcoin"}, "bad_payment_method"),
            ({"language": "de"}, "bad_language"),
            ({"due_days": -1}, "bad_due_days"),
            ({"issued_at": dt.datetime(2026, 5, 4, 10)}, "naive_time"),
            ({"issued_at": dt.datetime(2999, 1, 1, tzinfo=UTC)}, "future"),
            ({"lines": [LineInput("Laser", 100_001, 1000, 2000)]}, "bad_quantity"),
            ({"lines": [LineInput("Laser", 1, 100_000_001, 2000)]}, "bad_amount"),
        ],
    )
    def test_it_refuses_and_writes_nothing(self, lab, changes, code):
        arguments = {
            "lab": lab,
            "buyer": BuyerFactory(),
            "lines": [LineFactory()],
            "payment_method": "transfer",
            **changes,
        }
        with pytest.raises(BillingError) as error:
            invoice_issue(**arguments)
        assert error.value.code == code
        assert str(error.value.message)
        assert Invoice.objects.count() == InvoiceLine.objects.count() == 0
        assert InvoiceSequence.objects.count() == InvoiceChain.objects.count() == 0

    def test_it_refuses_a_lab_without_an_invoice_prefix(self):
        lab = BillingLabFactory(invoice_prefix="")
        with pytest.raises(BillingError) as error:
            issue_invoice(lab)
        assert error.value.code == "no_invoice_prefix"


@pytest.mark.django_db(transaction=True)
class TestConcurrentIssuing:
    def test_twenty_concurrent_issuers_get_exactly_numbers_one_to_twenty(self):
        lab = BillingLabFactory(invoice_prefix="RACE")

        def issue():
            return issue_invoice(lab, buyer=BuyerFactory(), lines=[LineFactory()])

        results = race([issue] * 20)

        assert all(isinstance(result, Invoice) for result in results), results
        year = results[0].year
        assert sorted(result.number for result in results) == [f"RACE-{year}-{n:05d}" for n in range(1, 21)]
        assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 21))
        assert InvoiceSequence.objects.get().last_number == 20
        assert invoice_chain_problems() == []
