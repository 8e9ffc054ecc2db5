import json
import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client

from fablab.billing.checkout import checkout_start
from fablab.billing.models import (
    CreditLot,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    Payment,
    PaymentKind,
    StripeEvent,
)
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError
from fablab.core.errors import DomainError
from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from fablab.credits.services import ledger_write
from tests.billing.fake_stripe import event_payload, sign
from tests.billing.order_helpers import CreditPackFactory, order_for
from tests.concurrency import race

pytestmark = [pytest.mark.django_db]

WEBHOOK = "/payments/stripe/webhook/"


def deliver(client, payload, header=None):
    """POST a webhook body as Stripe does, signed with the test secret unless `header` says otherwise."""
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload) if header is None else header,
    )


def start(order):
    url = checkout_start(order=order, success_url="https://lab.test/ok", cancel_url="https://lab.test/ko")
    return Order.objects.get(pk=order.pk).stripe_checkout_session_id, url


@pytest.fixture
def pack(world):
    return CreditPackFactory(lab=world.lab, name="10 hours", minutes=600, price_cents=10_000, validity_days=365)


@pytest.fixture
def order(world, pack):
    return order_for(world.member, pack)


@pytest.fixture
def paid_session(fake_stripe, order):
    """The buyer paid on Stripe's page: Stripe knows it, we do not yet."""
    session_id, _url = start(order)
    return fake_stripe.complete(session_id)


def completed(session, event_type="checkout.session.completed", **kwargs):
    return event_payload(event_type, session, **kwargs)


class TestCheckoutStart:
    def test_it_opens_a_checkout_session_for_the_whole_order(self, fake_stripe, world, order):
        session_id, url = start(order)
        assert url == f"https://checkout.stripe.test/c/pay/{session_id}"
        params = fake_stripe.created_sessions[0]
        assert params["mode"] == "payment"
        assert params["line_items"] == [
            {
                "quantity": "1",
                "price_data": {"currency": "eur", "unit_amount": "10000", "product_data": {"name": "10 hours"}},
            }
        ]
        assert (params["client_reference_id"], params["metadata"]["order_id"]) == (str(order.pk), str(order.pk))
        assert params["customer_email"] == world.member.email
        assert (params["success_url"], params["cancel_url"]) == ("https://lab.test/ok", "https://lab.test/ko")
        assert fake_stripe.sessions[session_id]["amount_total"] == order.total_incl_tax_cents

    def test_it_reuses_an_open_session_and_replaces_an_expired_one(self, fake_stripe, order):
        first, url = start(order)
        assert start(order) == (first, url)
        fake_stripe.expire(first)
        second, _url = start(order)
        assert second != first
        assert len(fake_stripe.created_sessions) == 2

    def test_two_packs_cost_twice_the_price_shown_and_the_invoice_says_the_same(self, fake_stripe, client, world):
        # 10.00 € is 8.33 € + 1.67 €. On one invoice line, two would be 16.66 € + 3.33 € = 19.99 €:
        # the invoice has one line per pack instead, so that it totals the 20.00 € charged.
        pack = CreditPackFactory(lab=world.lab, name="Hour", minutes=60, price_cents=1_000)
        order = order_for(world.member, pack, quantity=2)
        assert order.total_incl_tax_cents == 2_000
        session_id, _url = start(order)
        assert fake_stripe.created_sessions[0]["line_items"][0]["quantity"] == "2"
        assert fake_stripe.sessions[session_id]["amount_total"] == 2_000
        deliver(client, completed(fake_stripe.complete(session_id)))
        invoice = Invoice.objects.get()
        assert invoice.total_incl_tax_cents == 2_000
        assert [(line.quantity, line.unit_price_cents) for line in invoice.lines.all()] == [(1, 833), (1, 833)]

    def test_a_quantity_whose_vat_adds_up_stays_on_one_invoice_line(self, fake_stripe, client, world):
        pack = CreditPackFactory(lab=world.lab, name="Hour", minutes=60, price_cents=1_200)  # 10.00 € + 2.00 €
        order = order_for(world.member, pack, quantity=3)
        session_id, _url = start(order)
        deliver(client, completed(fake_stripe.complete(session_id)))
        assert [(line.quantity, line.total_incl_tax_cents) for line in Invoice.objects.get().lines.all()] == [
            (3, 3_600)
        ]

    def test_without_stripe_keys_online_payment_is_refused_clearly(self, order):
        with pytest.raises(BillingError) as error:
            start(order)
        assert error.value.code == "online_payment_unavailable"
        assert "desk" in str(error.value.message)
        assert Order.objects.get().stripe_checkout_session_id is None

    def test_when_stripe_cannot_be_reached_it_says_so_and_changes_nothing(self, stripe_keys, order):
        with pytest.raises(BillingError) as error:
            start(order)  # the API base is a closed local port
        assert (error.value.code, error.value.status) == ("stripe_unavailable", 503)
        assert Order.objects.get().stripe_checkout_session_id is None

    def test_a_paid_order_cannot_be_paid_again(self, fake_stripe, client, paid_session):
        deliver(client, completed(paid_session))
        with pytest.raises(DomainError) as error:
            start(Order.objects.get())
        assert (error.value.code, error.value.status) == ("not_pending", 409)


class TestPaidSession:
    def test_a_paid_session_credits_the_minutes_and_issues_exactly_one_invoice(
        self, client, world, order, paid_session, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, completed(paid_session))
        assert response.status_code == 200
        assert response.json()["outcome"] == "paid"

        order = Order.objects.get()
        assert (order.status, order.payment_method) == (OrderStatus.PAID, "card")
        assert order.stripe_payment_intent_id == paid_session["payment_intent"]
        assert balance_minutes(user=world.member, lab=world.lab) == 600
        purchase = LedgerEntry.objects.get(kind=EntryKind.PURCHASE)
        assert (purchase.minutes, purchase.reference) == (600, order.lines.get())

        invoice = Invoice.objects.get()
        assert order.invoice == invoice
        assert (invoice.buyer, invoice.buyer_name, invoice.buyer_email) == (
            world.member,
            "Mia Member",
            world.member.email,
        )
        assert (invoice.payment_method, invoice.total_incl_tax_cents) == ("card", 10_000)
        assert invoice.paid_at == order.paid_at
        assert invoice_chain_problems() == []

        payment = Payment.objects.get()
        assert (payment.kind, payment.method, payment.amount_cents) == (PaymentKind.PAYMENT, "card", 10_000)
        assert payment.stripe_id == paid_session["payment_intent"]
        lot = CreditLot.objects.get()
        assert (lot.minutes, lot.purchase_entry) == (600, purchase)
        assert lot.expires_at > order.paid_at

        assert [message.to for message in mail.outbox] == [[world.member.email]]
        assert order.reference in mail.outbox[0].subject
        assert f"/payments/orders/{order.pk}/" in mail.outbox[0].body
        assert StripeEvent.objects.get().outcome == "paid"

    def test_the_same_event_delivered_twice_changes_nothing_the_second_time(self, client, paid_session):
        payload = completed(paid_session)
        assert deliver(client, payload).json()["outcome"] == "paid"
        second = deliver(client, payload)
        assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
        self.assert_paid_once()

    def test_completed_then_async_payment_succeeded_pay_once(self, client, paid_session):
        assert deliver(client, completed(paid_session)).json()["outcome"] == "paid"
        again = deliver(client, completed(paid_session, "checkout.session.async_payment_succeeded"))
        assert (again.status_code, again.json()["outcome"]) == (200, "already_paid")
        self.assert_paid_once()
        assert StripeEvent.objects.count() == 2

    def test_a_delayed_payment_is_paid_only_when_stripe_says_it_is(self, client, fake_stripe, order):
        session_id, _url = start(order)
        pending = fake_stripe.complete(session_id, payment_status="unpaid")  # e.g. a SEPA debit under way
        assert deliver(client, completed(pending)).json()["outcome"] == "not_paid_yet"
        assert Order.objects.get().status == OrderStatus.PENDING
        paid = fake_stripe.complete(session_id, payment_status="paid")
        assert deliver(client, completed(paid, "checkout.session.async_payment_succeeded")).json()["outcome"] == "paid"
        self.assert_paid_once()

    def test_the_event_body_is_only_a_trigger_stripe_is_asked_again(self, client, fake_stripe, order):
        session_id, _url = start(order)
        forged_snapshot = {**fake_stripe.sessions[session_id], "status": "complete", "payment_status": "paid"}
        response = deliver(client, completed(forged_snapshot))
        assert response.json()["outcome"] == "not_paid_yet"  # Stripe's own copy: still open, unpaid
        assert Order.objects.get().status == OrderStatus.PENDING
        assert Invoice.objects.count() == LedgerEntry.objects.count() == 0

    def test_a_session_charging_another_amount_does_not_pay_the_order(self, client, fake_stripe, paid_session):
        fake_stripe.sessions[paid_session["id"]]["amount_total"] = 1
        assert deliver(client, completed(paid_session)).json()["outcome"] == "amount_mismatch"
        assert Order.objects.get().status == OrderStatus.PENDING
        assert Invoice.objects.count() == 0

    def test_a_payment_that_cannot_be_fulfilled_now_is_retried_later(self, client, world, paid_session, caplog):
        world.lab.invoice_prefix = ""  # the lab cannot invoice: nothing may change
        world.lab.save()
        response = deliver(client, completed(paid_session))
        assert response.status_code == 503
        assert "not marked paid" in caplog.text
        assert StripeEvent.objects.count() == Invoice.objects.count() == LedgerEntry.objects.count() == 0
        world.lab.invoice_prefix = "LABA"
        world.lab.save()
        assert deliver(client, completed(paid_session)).json()["outcome"] == "paid"  # Stripe's retry
        self.assert_paid_once()

    def test_a_card_payment_on_top_of_a_desk_payment_is_not_applied(self, client, world, order, paid_session):
        from fablab.billing.orders import payment_record_offline

        payment_record_offline(order=order, method="cash", amount_cents=100, by=world.staff)
        assert deliver(client, completed(paid_session)).status_code == 503
        assert Order.objects.get().status == OrderStatus.PENDING
        assert Payment.objects.count() == 1

    @staticmethod
    def assert_paid_once():
        assert Order.objects.get().status == OrderStatus.PAID
        assert Invoice.objects.count() == 1
        assert Payment.objects.count() == 1
        assert LedgerEntry.objects.filter(kind=EntryKind.PURCHASE).count() == 1
        assert CreditLot.objects.count() == 1


class TestFailedSession:
    def test_an_expired_session_cancels_the_pending_order(self, client, fake_stripe, order):
        session_id, _url = start(order)
        expired = fake_stripe.expire(session_id)
        response = deliver(client, event_payload("checkout.session.expired", expired))
        assert response.json()["outcome"] == "cancelled"
        assert Order.objects.get().status == OrderStatus.CANCELLED

    def test_a_failed_delayed_payment_cancels_the_pending_order(self, client, fake_stripe, order):
        session_id, _url = start(order)
        failed = fake_stripe.complete(session_id, payment_status="unpaid")
        response = deliver(client, event_payload("checkout.session.async_payment_failed", failed))
        assert response.json()["outcome"] == "cancelled"

    def test_an_expired_event_after_the_payment_leaves_the_order_paid(self, client, paid_session):
        deliver(client, completed(paid_session))
        late = deliver(client, event_payload("checkout.session.expired", {**paid_session, "status": "expired"}))
        assert (late.status_code, late.json()["outcome"]) == (200, "unchanged")
        assert Order.objects.get().status == OrderStatus.PAID
        assert Invoice.objects.count() == 1

    def test_an_old_sessions_expiry_does_not_cancel_the_order_paying_through_a_new_one(
        self, client, fake_stripe, order
    ):
        old, _url = start(order)
        fake_stripe.expire(old)
        start(order)  # a fresh session replaces the expired one
        response = deliver(client, event_payload("checkout.session.expired", fake_stripe.sessions[old]))
        assert response.json()["outcome"] == "unchanged"
        assert Order.objects.get().status == OrderStatus.PENDING


class TestOtherEvents:
    def test_unknown_event_types_are_recorded_and_ignored(self, client, fake_stripe):
        response = deliver(client, event_payload("customer.created", {"id": "cus_1", "object": "customer"}))
        assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
        assert StripeEvent.objects.get().type == "customer.created"

    def test_an_event_about_an_order_we_do_not_have_is_recorded_and_logged(self, client, fake_stripe, order, caplog):
        session_id, _url = start(order)
        fake_stripe.sessions[session_id]["metadata"] = {"order_id": "987654"}
        fake_stripe.sessions[session_id]["client_reference_id"] = "987654"
        session = fake_stripe.complete(session_id)
        response = deliver(client, completed(session))
        assert (response.status_code, response.json()["outcome"]) == (200, "unknown_order")
        assert "names no order" in caplog.text
        assert Order.objects.get().status == OrderStatus.PENDING

    def test_an_event_naming_an_object_stripe_does_not_know_changes_nothing(self, client, fake_stripe):
        response = deliver(client, completed({"id": "cs_test_nonexistent", "object": "checkout.session"}))
        assert (response.status_code, response.json()["outcome"]) == (200, "unknown_object")
        assert Invoice.objects.count() == 0

    def test_when_stripe_cannot_be_reached_it_answers_503_and_records_nothing(self, client, stripe_keys, order):
        payload = completed({"id": "cs_test_1", "object": "checkout.session"})
        response = deliver(client, payload)  # the API base is a closed local port
        assert response.status_code == 503
        assert StripeEvent.objects.count() == 0


class TestSignature:
    @pytest.fixture
    def payload(self, paid_session):
        return completed(paid_session)

    @pytest.mark.parametrize(
        "header",
        [
            pytest.param("", id="unsigned"),
            pytest.param("t=1,v1=abc", id="garbage"),
            pytest.param("v1=0123", id="no-timestamp"),
        ],
    )
    def test_an_unsigned_or_garbled_signature_is_refused(self, client, payload, header):
        self.assert_refused(deliver(client, payload, header))

    def test_a_payload_signed_with_another_secret_is_refused(self, client, payload):
        self.assert_refused(deliver(client, payload, sign(payload, secret="whsec_someone_else")))

    def test_a_payload_changed_after_signing_is_refused(self, client, payload):
        tampered = payload.replace('"livemode": false', '"livemode": true')
        self.assert_refused(deliver(client, tampered, sign(payload)))

    def test_a_stale_payload_is_refused(self, client, payload):
        self.assert_refused(deliver(client, payload, sign(payload, timestamp=int(time.time()) - 3600)))

    def test_a_signed_body_that_is_not_an_event_is_refused(self, client, fake_stripe, order):
        self.assert_refused(deliver(client, "not json"))
        self.assert_refused(deliver(client, json.dumps({"hello": "world"})))

    def test_without_a_webhook_secret_nothing_is_accepted(self, client, payload, settings):
        settings.STRIPE_WEBHOOK_SECRET = ""
        self.assert_refused(deliver(client, payload))

    def test_only_post_is_accepted(self, client, fake_stripe):
        assert client.get(WEBHOOK).status_code == 405

    @staticmethod
    def assert_refused(response):
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_signature"}
        assert StripeEvent.objects.count() == 0
        assert Order.objects.get().status == OrderStatus.PENDING
        assert Invoice.objects.count() == LedgerEntry.objects.count() == Payment.objects.count() == 0


class TestRefunds:
    @pytest.fixture
    def paid(self, client, fake_stripe, paid_session):
        deliver(client, completed(paid_session))
        return fake_stripe.charge_of(paid_session["id"])

    def refund(self, client, fake_stripe, charge, amount):
        charge, _refund = fake_stripe.refund(charge["id"], amount)
        return deliver(client, event_payload("charge.refunded", charge))

    def test_a_full_refund_issues_a_credit_note_and_takes_the_credits_back(
        self, client, world, fake_stripe, paid, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = self.refund(client, fake_stripe, paid, 10_000)
        assert response.json()["outcome"] == "refunded"
        order = Order.objects.get()
        assert order.status == OrderStatus.REFUNDED
        note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
        assert (note.corrects, note.total_incl_tax_cents) == (order.invoice, -10_000)
        assert [line.description for line in note.lines.all()] == ["10 hours"]
        assert balance_minutes(user=world.member, lab=world.lab) == 0
        reversal = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
        assert (reversal.minutes, reversal.reference) == (-600, order.lines.get())
        assert Payment.objects.get(kind=PaymentKind.REFUND).amount_cents == -10_000
        assert invoice_chain_problems() == []
        assert "refunded" in mail.outbox[-1].body

    def test_partial_refunds_credit_exactly_what_is_refunded_and_a_share_of_the_minutes(
        self, client, world, fake_stripe, paid
    ):
        assert self.refund(client, fake_stripe, paid, 2_500).json()["outcome"] == "refunded"
        assert Order.objects.get().status == OrderStatus.PARTIALLY_REFUNDED
        first = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
        assert first.total_incl_tax_cents == -2_500
        assert balance_minutes(user=world.member, lab=world.lab) == 450  # a quarter of 600 minutes back

        assert self.refund(client, fake_stripe, paid, 7_500).json()["outcome"] == "refunded"
        assert Order.objects.get().status == OrderStatus.REFUNDED
        notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
        assert sorted(note.total_incl_tax_cents for note in notes) == [-7_500, -2_500]
        assert sum(note.total_excl_tax_cents for note in notes) == -Order.objects.get().total_excl_tax_cents
        assert balance_minutes(user=world.member, lab=world.lab) == 0
        assert invoice_chain_problems() == []

    def test_a_refund_never_takes_the_balance_below_zero(self, client, world, fake_stripe, paid):
        ledger_write(user=world.member, lab=world.lab, minutes=-500, kind=EntryKind.BOOKING_DEBIT)
        self.refund(client, fake_stripe, paid, 10_000)
        assert balance_minutes(user=world.member, lab=world.lab) == 0
        assert LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT).minutes == -100  # what was left, not 600

    def test_the_same_refund_reported_twice_is_recorded_once(self, client, fake_stripe, paid):
        charge, _refund = fake_stripe.refund(paid["id"], 4_000)
        assert deliver(client, event_payload("charge.refunded", charge)).json()["outcome"] == "refunded"
        assert deliver(client, event_payload("charge.refunded", charge)).json()["outcome"] == "unchanged"
        assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 1
        assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1

    def test_a_partial_refund_where_vat_rounding_bites_still_credits_to_the_cent(self, client, world, fake_stripe):
        pack = CreditPackFactory(lab=world.lab, name="Hour", minutes=60, price_cents=1_000)
        order = order_for(world.member, pack, quantity=3)  # invoiced as three lines of 8.33 € + 1.67 €
        session_id, _url = start(order)
        deliver(client, completed(fake_stripe.complete(session_id)))
        charge = fake_stripe.charge_of(session_id)
        for amount in (1_001, 999, 1_000):
            assert self.refund(client, fake_stripe, charge, amount).json()["outcome"] == "refunded"
            charge = fake_stripe.charges[charge["id"]]
        notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).order_by("sequence")
        assert [note.total_incl_tax_cents for note in notes] == [-1_001, -999, -1_000]
        assert Order.objects.get().status == OrderStatus.REFUNDED
        assert sum(note.total_excl_tax_cents for note in notes) == -order.total_excl_tax_cents
        assert invoice_chain_problems() == []


@pytest.mark.django_db(transaction=True)
class TestConcurrentDeliveries:
    def test_ten_concurrent_deliveries_of_one_event_pay_once(self, fake_stripe, world, pack):
        order = order_for(world.member, pack)
        session_id, _url = start(order)
        payload = completed(fake_stripe.complete(session_id))

        def post():
            return deliver(Client(), payload).status_code

        results = race([post] * 10)

        assert results == [200] * 10, results
        assert StripeEvent.objects.count() == 1
        assert Invoice.objects.count() == 1
        assert LedgerEntry.objects.filter(kind=EntryKind.PURCHASE).count() == 1
        assert balance_minutes(user=world.member, lab=world.lab) == 600
        assert invoice_chain_problems() == []

    def test_two_checkouts_started_at_once_share_one_session(self, fake_stripe, world, pack):
        order = order_for(world.member, pack)
        results = race([lambda: start(order)] * 4)
        assert len({result for result in results}) == 1, results
        assert len(fake_stripe.sessions) == 1
        session_id = Order.objects.get().stripe_checkout_session_id
        assert fake_stripe.sessions[session_id]["status"] == "open"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite waits for its write lock (busy timeout)")
    def test_a_busy_order_answers_503_so_that_stripe_retries(self, fake_stripe, world, pack):
        order = order_for(world.member, pack)
        session_id, _url = start(order)
        payload = completed(fake_stripe.complete(session_id))
        locked, release = threading.Event(), threading.Event()

        def hold_the_lock():
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                release.wait(10)
            connection.close()

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        locked.wait(10)
        try:
            response = deliver(Client(), payload)
        finally:
            release.set()
            holder.join()
        assert response.status_code == 503
        assert StripeEvent.objects.count() == 0
        assert deliver(Client(), payload).json()["outcome"] == "paid"  # Stripe's retry
