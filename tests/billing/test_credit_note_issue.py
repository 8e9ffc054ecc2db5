import pytest

from fablab.billing.models import Invoice, InvoiceChain, InvoiceSequence
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError, LineInput, credit_note_issue
from tests.billing.factories import BillingLabFactory, issue_invoice, pdf_text
from tests.concurrency import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return BillingLabFactory(invoice_prefix="REN")


@pytest.fixture
def invoice(lab):
    """Two lines: 2 × 25.00 at 20 % and 3 × 1.05 at 5.5 % (60.00 + 3.32 including tax)."""
    return issue_invoice(lab, lines=[LineInput("Laser, one hour", 2, 2500, 2000), LineInput("Filament", 3, 105, 550)])


class TestCreditNoteIssue:
    def test_it_reverses_the_whole_invoice_by_default(self, invoice):
        note = credit_note_issue(invoice=invoice, reason="Cancelled training")
        assert note.kind == "credit_note"
        assert note.corrects == invoice
        assert note.number == f"REN-AV-{note.year}-00001"
        assert [
            (line.description, line.quantity, line.unit_price_cents, line.total_tax_cents) for line in note.lines.all()
        ] == [
            ("Laser, one hour", 2, -2500, -1000),
            ("Filament", 3, -105, -17),
        ]
        assert (note.total_excl_tax_cents, note.total_tax_cents, note.total_incl_tax_cents) == (
            -invoice.total_excl_tax_cents,
            -invoice.total_tax_cents,
            -invoice.total_incl_tax_cents,
        )
        assert (note.buyer_name, note.payment_method, note.language) == (
            invoice.buyer_name,
            invoice.payment_method,
            invoice.language,
        )

    def test_credit_notes_have_their_own_sequence_on_the_same_chain(self, lab, invoice):
        second = issue_invoice(lab)
        note = credit_note_issue(invoice=invoice, reason="Mistake")
        third = issue_invoice(lab)
        year = invoice.year
        assert [invoice.number, second.number, note.number, third.number] == [
            f"REN-{year}-00001",
            f"REN-{year}-00002",
            f"REN-AV-{year}-00001",
            f"REN-{year}-00003",
        ]
        assert note.previous_hash == second.content_hash
        assert third.previous_hash == note.content_hash
        assert InvoiceSequence.objects.get(kind="credit_note").last_number == 1
        assert invoice_chain_problems() == []

    def test_it_credits_part_of_an_invoice_then_the_rest(self, invoice):
        partial = credit_note_issue(
            invoice=invoice, reason="One hour not used", lines=[LineInput("Laser, one hour", 1, -2500, 2000)]
        )
        assert (partial.total_excl_tax_cents, partial.total_tax_cents, partial.total_incl_tax_cents) == (
            -2500,
            -500,
            -3000,
        )
        rest = credit_note_issue(
            invoice=invoice,
            reason="Cancelled",
            lines=[LineInput("Laser, one hour", 1, -2500, 2000), LineInput("Filament", 3, -105, 550)],
        )
        assert rest.sequence == 2
        assert partial.total_incl_tax_cents + rest.total_incl_tax_cents == -invoice.total_incl_tax_cents

    def test_it_refuses_to_credit_more_than_what_remains(self, invoice):
        credit_note_issue(invoice=invoice, reason="Partial", lines=[LineInput("Laser", 1, -2500, 2000)])
        with pytest.raises(BillingError) as error:
            credit_note_issue(invoice=invoice, reason="Too much", lines=[LineInput("Laser", 2, -2500, 2000)])
        assert error.value.code == "over_credit"
        assert "REN-" in error.value.message
        with pytest.raises(BillingError) as error:
            credit_note_issue(invoice=invoice, reason="Full reversal after a partial one")
        assert error.value.code == "over_credit"
        assert Invoice.objects.filter(kind="credit_note").count() == 1
        assert InvoiceSequence.objects.get(kind="credit_note").last_number == 1
        assert InvoiceChain.objects.get().length == 2

    def test_it_refuses_to_credit_a_fully_credited_invoice(self, invoice):
        credit_note_issue(invoice=invoice, reason="Cancelled")
        with pytest.raises(BillingError) as error:
            credit_note_issue(invoice=invoice, reason="Again")
        assert error.value.code == "over_credit"

    @pytest.mark.parametrize(
        "reason, lines, code",
        [
            ("", None, "reason_required"),
            ("Refund", [LineInput("Laser", 1, 2500, 2000)], "bad_amount"),
            ("Refund", [LineInput("Laser", 1, -100, 1000)], "bad_vat_rate"),
            ("Refund", [LineInput("Laser", 0, -100, 2000)], "bad_quantity"),
            ("Refund", [], "no_lines"),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, invoice, reason, lines, code):
        with pytest.raises(BillingError) as error:
            credit_note_issue(invoice=invoice, reason=reason, lines=lines)
        assert error.value.code == code
        assert Invoice.objects.count() == 1
        assert not InvoiceSequence.objects.filter(kind="credit_note").exists()

    def test_a_credit_note_cannot_be_corrected_by_another(self, invoice):
        note = credit_note_issue(invoice=invoice, reason="Cancelled")
        with pytest.raises(BillingError) as error:
            credit_note_issue(invoice=note, reason="?")
        assert error.value.code == "not_an_invoice"

    def test_its_pdf_names_the_corrected_invoice_and_the_reason(self, lab):
        invoice = issue_invoice(lab, language="en")
        note = credit_note_issue(invoice=invoice, reason="Training cancelled by the lab")
        text = pdf_text(note)
        assert note.number in text
        assert invoice.number in text
        assert "Training cancelled by the lab" in text
        assert "-€" in text


@pytest.mark.django_db(transaction=True)
class TestConcurrentCreditNotes:
    def test_concurrent_credit_notes_never_over_credit_and_keep_one_chain(self):
        lab = BillingLabFactory(invoice_prefix="RACE")
        invoice = issue_invoice(lab, lines=[LineInput("Laser", 5, 2000, 2000)])

        def credit_one_hour():
            return credit_note_issue(invoice=invoice, reason="One hour", lines=[LineInput("Laser", 1, -2000, 2000)])

        def issue_another():
            return issue_invoice(lab)

        results = race([credit_one_hour] * 8 + [issue_another] * 4)

        notes = [result for result in results[:8] if isinstance(result, Invoice)]
        refused = [result for result in results[:8] if isinstance(result, BillingError)]
        assert len(notes) == 5 and len(refused) == 3, results
        assert sorted(note.sequence for note in notes) == [1, 2, 3, 4, 5]
        assert all(isinstance(result, Invoice) for result in results[8:]), results
        assert invoice_chain_problems() == []
