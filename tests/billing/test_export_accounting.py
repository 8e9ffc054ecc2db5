import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from fablab.billing.exports import accounting_csv
from fablab.billing.refunds import order_refund_record
from fablab.billing.services import LineInput, credit_note_issue
from tests.billing.factories import BuyerFactory, issue_invoice
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk

pytestmark = [pytest.mark.django_db]

PARIS = ZoneInfo("Europe/Paris")
EXPORT = "/payments/staff/export/"
MARCH = {"lab": "lab-a", "date_from": "2025-03-01", "date_to": "2025-03-31"}


def export(lab, date_from, date_to):
    """The command's CSV, parsed: the byte order mark first, then one dict per row."""
    out = io.StringIO()
    call_command("export_accounting", lab=lab.slug, date_from=date_from, date_to=date_to, stdout=out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def laser_invoice(lab, at, **kwargs):
    """2 × 25.00 at 20 %: 50.00 + 10.00 VAT = 60.00, issued at `at` (Paris time)."""
    kwargs.setdefault("lines", [LineInput("Laser, one hour", 2, 2500, 2000)])
    with time_machine.travel(at):  # a document cannot be dated in the future
        return issue_invoice(lab, issued_at=at, **kwargs)


@pytest.fixture
def books(world):
    """In March 2025 at lab A: an invoice, its credit note, a pack paid at the desk and partly refunded."""
    lab = world.lab
    buyer = BuyerFactory(name="Société Dupont", vat_number="FR99999999999")
    invoice = laser_invoice(
        lab, dt.datetime(2025, 3, 10, 10, tzinfo=PARIS), buyer=buyer, purchase_order="PO-42", payment_method="transfer"
    )
    with time_machine.travel(dt.datetime(2025, 3, 11, 10, tzinfo=PARIS)):
        note = credit_note_issue(invoice=invoice, reason="Cancelled")
    pack = CreditPackFactory(lab=lab, price_cents=10_000)
    with time_machine.travel(dt.datetime(2025, 3, 12, 10, tzinfo=PARIS)):
        order = pay_at_desk(order_for(world.member, pack), world.staff, method="cheque")
    with time_machine.travel(dt.datetime(2025, 3, 13, 10, tzinfo=PARIS)):
        order_refund_record(order=order, amount_cents=2000, method="cash", by=world.staff)
    return invoice, note, order


class TestAccountingExportContent:
    def test_it_lists_documents_then_payments_with_amounts_in_euros(self, world, books):
        invoice, note, order = books
        rows = export(world.lab, "2025-03-01", "2025-03-31")
        assert [(row["type"], row["number"], row["date"]) for row in rows] == [
            ("invoice", invoice.number, "2025-03-10"),
            ("credit_note", note.number, "2025-03-11"),
            ("invoice", order.invoice.number, "2025-03-12"),
            ("credit_note", rows[3]["number"], "2025-03-13"),
            ("payment", order.invoice.number, "2025-03-12"),
            ("refund", order.invoice.number, "2025-03-13"),
        ]
        first = rows[0]
        assert {key: first[key] for key in first} == {
            "type": "invoice",
            "number": invoice.number,
            "date": "2025-03-10",
            "buyer_name": "Société Dupont",
            "buyer_vat_number": "FR99999999999",
            "purchase_order": "PO-42",
            "corrected_invoice_number": "",
            "order_reference": "",
            "total_excl_tax": "50.00",
            "vat": "10.00",
            "total_incl_tax": "60.00",
            "amount": "",
            "currency": "EUR",
            "payment_method": "transfer",
            "paid_date": "",
            "reference": "",
        }
        credit = rows[1]
        assert (credit["corrected_invoice_number"], credit["total_excl_tax"], credit["vat"]) == (
            invoice.number,
            "-50.00",
            "-10.00",
        )
        assert credit["total_incl_tax"] == "-60.00"  # a number, not escaped as a formula
        paid = rows[2]
        assert (paid["order_reference"], paid["total_incl_tax"], paid["paid_date"], paid["payment_method"]) == (
            order.reference,
            "100.00",
            "2025-03-12",
            "cheque",
        )
        assert rows[3]["corrected_invoice_number"] == order.invoice.number
        payment, refund = rows[4], rows[5]
        assert (payment["order_reference"], payment["payment_method"], payment["amount"]) == (
            order.reference,
            "cheque",
            "100.00",
        )
        assert (refund["payment_method"], refund["amount"], refund["currency"]) == ("cash", "-20.00", "EUR")

    def test_it_keeps_the_period_in_the_labs_time_zone(self, world):
        # 23:59 on 31 January in Paris is 22:59 UTC; midnight on 1 February is 23:00 UTC the day before.
        january = laser_invoice(world.lab, dt.datetime(2025, 1, 31, 22, 59, tzinfo=dt.UTC))
        february = laser_invoice(world.lab, dt.datetime(2025, 1, 31, 23, 0, tzinfo=dt.UTC))
        last_day = laser_invoice(world.lab, dt.datetime(2025, 2, 28, 23, 59, tzinfo=PARIS))
        laser_invoice(world.lab, dt.datetime(2025, 3, 1, 0, 0, tzinfo=PARIS))
        assert [(row["number"], row["date"]) for row in export(world.lab, "2025-01-01", "2025-01-31")] == [
            (january.number, "2025-01-31")
        ]
        assert [(row["number"], row["date"]) for row in export(world.lab, "2025-02-01", "2025-02-28")] == [
            (february.number, "2025-02-01"),
            (last_day.number, "2025-02-28"),
        ]

    def test_it_leaves_out_other_labs(self, world):
        laser_invoice(world.other_lab, dt.datetime(2025, 3, 10, 10, tzinfo=PARIS))
        assert export(world.lab, "2025-03-01", "2025-03-31") == []

    def test_it_escapes_formulas_in_free_text(self, world):
        laser_invoice(
            world.lab,
            dt.datetime(2025, 3, 10, 10, tzinfo=PARIS),
            buyer=BuyerFactory(name="=cmd()", vat_number="+33"),
            purchase_order="@SUM(A1)",
        )
        row = export(world.lab, "2025-03-01", "2025-03-31")[0]
        assert (row["buyer_name"], row["buyer_vat_number"], row["purchase_order"]) == ("'=cmd()", "'+33", "'@SUM(A1)")

    @pytest.mark.parametrize("count", [3, 30])
    def test_it_takes_two_queries_whatever_the_number_of_rows(self, world, count, django_assert_num_queries):
        for day in range(count):
            laser_invoice(world.lab, dt.datetime(2025, 3, 1, 10, tzinfo=PARIS) + dt.timedelta(hours=day))
        with django_assert_num_queries(2):
            lines = list(accounting_csv(world.lab, dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
        assert len(lines) == 1 + 1 + count  # the byte order mark, the header, the rows


class TestExportAccountingCommand:
    def test_it_writes_to_a_file(self, world, books, tmp_path):
        target = tmp_path / "march.csv"
        call_command("export_accounting", lab="lab-a", date_from="2025-03-01", date_to="2025-03-31", output=target)
        text = target.read_text(encoding="utf-8")
        assert text.startswith("\ufefftype,number,date,")
        assert len(text.splitlines()) == 7

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"lab": "nowhere"}, "No lab with the slug 'nowhere'."),
            ({"date_from": "2025-03-31", "date_to": "2025-03-01"}, "--to (2025-03-01) is before --from (2025-03-31)."),
            ({"date_from": "2025-02-30"}, "'2025-02-30' is not a date: give it as YYYY-MM-DD."),
            ({"date_to": "March"}, "'March' is not a date: give it as YYYY-MM-DD."),
        ],
    )
    def test_it_refuses_bad_arguments(self, world, options, message):
        arguments = {"lab": "lab-a", "date_from": "2025-03-01", "date_to": "2025-03-31", **options}
        with pytest.raises(CommandError) as error:
            call_command("export_accounting", stdout=io.StringIO(), **arguments)
        assert str(error.value) == message


class TestAccountingExportPage:
    def test_it_shows_the_form(self, client, world):
        client.force_login(world.staff)
        response = client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="en")
        content = response.content.decode()
        assert response.status_code == 200
        assert 'name="date_from"' in content and "Download the CSV" in content
        assert 'href="/payments/staff/export/?lab=lab-a"' in client.get("/payments/staff/").content.decode()

    def test_staff_of_the_lab_download_the_csv_streamed(self, client, world, books):
        client.force_login(world.staff)
        response = client.get(EXPORT, MARCH)
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="accounting-lab-a-2025-03-01-2025-03-31.csv"'
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufefftype,number,")
        assert len(text.splitlines()) == 7

    @pytest.mark.parametrize(
        "data",
        [
            {"date_from": "2025-03-31", "date_to": "2025-03-01"},
            {"date_from": "not a date"},
            {"date_to": ""},
            {"lab": ""},
        ],
    )
    def test_bad_input_shows_the_form_with_errors(self, client, world, data):
        client.force_login(world.staff)
        response = client.get(EXPORT, {**MARCH, **data}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "Download the CSV" in response.content.decode()
        assert "Content-Disposition" not in response

    def test_the_end_before_the_start_is_explained(self, client, world):
        client.force_login(world.staff)
        response = client.get(EXPORT, {**MARCH, "date_to": "2025-02-01"}, HTTP_ACCEPT_LANGUAGE="en")
        assert "The end of the period cannot be before its start." in response.content.decode()

    def test_staff_of_another_lab_get_404(self, client, world, books):
        client.force_login(world.other_staff)
        assert client.get(EXPORT, MARCH).status_code == 404

    def test_an_unknown_lab_is_a_form_error(self, client, world):
        client.force_login(world.staff)
        assert client.get(EXPORT, {**MARCH, "lab": "nowhere"}).status_code == 400

    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_people_who_manage_no_billing_get_403(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(EXPORT).status_code == 403
        assert client.get(EXPORT, MARCH).status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client, world):
        response = client.get(EXPORT, MARCH)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
