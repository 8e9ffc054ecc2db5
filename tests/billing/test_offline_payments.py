import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from fablab.billing.checkout import checkout_start
from fablab.billing.models import CreditLot, Invoice, Order, OrderStatus, Payment
from fablab.billing.orders import order_cancel, order_issue_for_mandate, payment_record_offline
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from tests.billing.order_helpers import CreditPackFactory, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    return order_for(world.member, CreditPackFactory(lab=world.lab, name="10 hours", minutes=600, price_cents=10_000))


def record(order, by, amount=10_000, method="cash", **kwargs):
    return payment_record_offline(order=order, method=method, amount_cents=amount, by=by, **kwargs)


def in_a_month(lab):
    return timezone.localdate(timezone=lab.tz) + dt.timedelta(days=30)


def assert_nothing_paid():
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING
    assert Payment.objects.count() == Invoice.objects.count() == LedgerEntry.objects.count() == 0


class TestPaymentRecordOffline:
    def test_a_full_payment_at_the_desk_marks_the_order_paid(self, world, order, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            payment = record(order, world.staff, method="cheque", reference="Chèque 0012345")
        assert (payment.method, payment.amount_cents, payment.recorded_by) == ("cheque", 10_000, world.staff)
        assert payment.reference == "Chèque 0012345"
        order.refresh_from_db()
        assert (order.status, order.payment_method, order.paid_at) == (OrderStatus.PAID, "cheque", payment.received_at)
        invoice = Invoice.objects.get()
        assert (invoice.payment_method, invoice.paid_at, invoice.issued_by) == (
            "cheque",
            payment.received_at,
            world.staff,
        )
        assert balance_minutes(user=world.member, lab=world.lab) == 600
        assert LedgerEntry.objects.get(kind=EntryKind.PURCHASE).author == world.staff
        assert mail.outbox[0].to == [world.member.email]

    def test_part_payments_add_up_and_the_last_one_marks_it_paid(self, world, order):
        record(order, world.staff, amount=4_000, method="cash")
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING
        assert Invoice.objects.count() == 0
        assert balance_minutes(user=world.member, lab=world.lab) == 0
        with pytest.raises(BillingError) as error:
            record(order, world.staff, amount=6_001, method="transfer")
        assert error.value.code == "over_payment"
        assert "60.00" in str(error.value.message)  # what remains, said clearly
        record(order, world.staff, amount=6_000, method="transfer", reference="VIR 2026-118")
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert Invoice.objects.get().payment_method == "transfer"
        assert sorted(Payment.objects.values_list("amount_cents", flat=True)) == [4_000, 6_000]

    @pytest.mark.parametrize(
        "changes, code",
        [
            ({"amount": 0}, "bad_amount"),
            ({"amount": -500}, "bad_amount"),
            ({"amount": 12.5}, "bad_amount"),
            ({"amount": 10_001}, "over_payment"),
            ({"method": "card"}, "bad_payment_method"),
            ({"method": "administrative_mandate"}, "bad_payment_method"),
            ({"method": "bitcoin"}, "bad_payment_method"),
            ({"reference": "x" * 101}, "text_too_long"),
        ],
    )
    def test_bad_input_is_refused_clearly_and_writes_nothing(self, world, order, changes, code):
        with pytest.raises(BillingError) as error:
            record(order, world.staff, **changes)
        assert error.value.code == code
        assert str(error.value.message)
        assert_nothing_paid()

    @pytest.mark.parametrize("who", ["member", "other_member", "trainer", "other_staff"])
    def test_only_the_labs_billing_staff_record_payments(self, world, order, who):
        with pytest.raises(NotAllowedError):
            record(order, getattr(world, who))
        assert_nothing_paid()

    def test_a_superuser_may(self, world, order):
        record(order, world.superuser)
        assert Order.objects.get().status == OrderStatus.PAID

    def test_a_paid_or_cancelled_order_takes_no_more_payment(self, world, order):
        record(order, world.staff)
        with pytest.raises(ConflictError):
            record(order, world.staff, amount=1)
        other = order_for(world.member, CreditPackFactory(lab=world.lab))
        order_cancel(order=other, by=world.member)
        with pytest.raises(ConflictError):
            record(other, world.staff)
        assert Payment.objects.count() == 1

    def test_recording_a_payment_closes_an_open_checkout_session(
        self, fake_stripe, world, order, django_capture_on_commit_callbacks
    ):
        checkout_start(order=order, success_url="https://lab.test/ok", cancel_url="https://lab.test/ko")
        session_id = Order.objects.get().stripe_checkout_session_id
        with django_capture_on_commit_callbacks(execute=True):
            record(order, world.staff, amount=1_000)
        assert fake_stripe.sessions[session_id]["status"] == "expired"

    def test_a_part_paid_order_is_not_offered_online_any_more(self, fake_stripe, world, order):
        record(order, world.staff, amount=1_000)
        with pytest.raises(BillingError) as error:
            checkout_start(order=order, success_url="https://lab.test/ok", cancel_url="https://lab.test/ko")
        assert error.value.code == "partly_paid"


class TestMandate:
    def test_the_invoice_is_issued_awaiting_payment_then_the_transfer_pays_it_without_a_second_invoice(
        self, world, order, django_capture_on_commit_callbacks
    ):
        due = in_a_month(world.lab)
        with django_capture_on_commit_callbacks(execute=True):
            order_issue_for_mandate(
                order=order,
                purchase_order="BC-2026-118",
                paying_body="Mairie de Rennes",
                paying_body_address="Place de la Mairie\n35000 Rennes",
                due_date=due,
                by=world.staff,
            )
        order.refresh_from_db()
        invoice = Invoice.objects.get()
        assert order.invoice == invoice
        assert (order.status, order.payment_method, order.due_date) == (
            OrderStatus.PENDING,
            "administrative_mandate",
            due,
        )
        assert (invoice.buyer_name, invoice.purchase_order, invoice.buyer) == (
            "Mairie de Rennes",
            "BC-2026-118",
            world.member,
        )
        assert (invoice.paid_at, invoice.due_date, invoice.payment_method) == (None, due, "administrative_mandate")
        assert balance_minutes(user=world.member, lab=world.lab) == 0  # credited once paid
        assert "BC" not in mail.outbox[0].subject and invoice.number in mail.outbox[0].subject

        record(order, world.staff, method="transfer", reference="Mandat 4471")
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert order.payment_method == "administrative_mandate"
        assert Invoice.objects.count() == 1
        assert balance_minutes(user=world.member, lab=world.lab) == 600
        assert CreditLot.objects.count() == 1
        assert invoice_chain_problems() == []

    @pytest.mark.parametrize(
        "changes, code",
        [
            ({"purchase_order": ""}, "required"),
            ({"purchase_order": "x" * 65}, "text_too_long"),
            ({"paying_body": "  "}, "required"),
            ({"due_date": None}, "required"),
            ({"due_date": "past"}, "bad_due_date"),
            ({"due_date": "far"}, "bad_due_date"),
        ],
    )
    def test_bad_input_is_refused_and_issues_nothing(self, world, order, changes, code):
        today = timezone.localdate(timezone=world.lab.tz)
        dates = {"past": today - dt.timedelta(days=1), "far": today + dt.timedelta(days=400)}
        arguments = {
            "purchase_order": "BC-1",
            "paying_body": "Collège Anne de Bretagne",
            "due_date": in_a_month(world.lab),
            **changes,
        }
        arguments["due_date"] = dates.get(arguments["due_date"], arguments["due_date"])
        with pytest.raises(BillingError) as error:
            order_issue_for_mandate(order=order, by=world.staff, **arguments)
        assert error.value.code == code
        assert_nothing_paid()

    def test_it_is_issued_once_and_not_after_a_part_payment(self, world, order):
        arguments = {"purchase_order": "BC-1", "paying_body": "Mairie", "due_date": in_a_month(world.lab)}
        order_issue_for_mandate(order=order, by=world.staff, **arguments)
        with pytest.raises(ConflictError):
            order_issue_for_mandate(order=order, by=world.staff, **arguments)
        other = order_for(world.member, CreditPackFactory(lab=world.lab))
        record(other, world.staff, amount=100)
        with pytest.raises(BillingError) as error:
            order_issue_for_mandate(order=other, by=world.staff, **arguments)
        assert error.value.code == "partly_paid"
        assert Invoice.objects.count() == 1

    @pytest.mark.parametrize("who", ["member", "trainer", "other_staff"])
    def test_only_the_labs_billing_staff_issue_it(self, world, order, who):
        with pytest.raises(NotAllowedError):
            order_issue_for_mandate(
                order=order,
                purchase_order="BC",
                paying_body="Mairie",
                due_date=in_a_month(world.lab),
                by=getattr(world, who),
            )
        assert_nothing_paid()


class TestOrderCancel:
    def test_the_buyer_or_staff_cancel_an_unpaid_order(self, world, order):
        order_cancel(order=order, by=world.member)
        assert Order.objects.get().status == OrderStatus.CANCELLED
        other = order_for(world.member, CreditPackFactory(lab=world.lab))
        order_cancel(order=other, by=world.staff)
        assert Order.objects.get(pk=other.pk).status == OrderStatus.CANCELLED

    @pytest.mark.parametrize("who", ["other_member", "other_staff", "trainer"])
    def test_nobody_else_may(self, world, order, who):
        with pytest.raises(NotAllowedError):
            order_cancel(order=order, by=getattr(world, who))
        assert Order.objects.get().status == OrderStatus.PENDING

    def test_an_order_with_money_or_an_invoice_is_not_cancelled(self, world, order):
        record(order, world.staff, amount=100)
        with pytest.raises(DomainError) as error:
            order_cancel(order=order, by=world.member)
        assert error.value.code == "partly_paid"
        assert Order.objects.get().status == OrderStatus.PENDING
