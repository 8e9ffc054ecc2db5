"""A worker SIGKILLed while it applies Stripe's "checkout completed" event: no payment,
credits or invoice half-written; Stripe's retry of the same event pays the order once.

On PostgreSQL the worker is stopped after it stored the event and the payment, on the
member's credit account (the lock the credit pack's fulfilment takes).
"""

import pytest

from fablab.billing.checkout import checkout_start
from fablab.billing.models import Invoice, Order, OrderStatus, Payment, StripeEvent
from fablab.billing.selectors import invoice_chain_problems
from fablab.credits.selectors import balance_minutes
from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event_payload, sign
from tests.billing.order_helpers import CreditPackFactory, order_for
from tests.factories import LabFactory, UserFactory, give_credits
from tests.faults.test_worker_killed import account_lock, in_background

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

WEBHOOK = "/payments/stripe/webhook/"


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    import stripe

    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe().start()
    monkeypatch.setattr(stripe, "api_base", fake.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    yield fake
    fake.stop()


@pytest.fixture
def server_env(fake_stripe):
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "FAKE_STRIPE_URL": fake_stripe.url,
    }


def deliver(server, payload):
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    return server.request("POST", WEBHOOK, body=payload.encode(), headers=headers)


class TestWorkerKilledDuringWebhook:
    def test_nothing_is_half_written_and_the_retried_event_pays_once(self, fake_stripe, server, settings):
        lab = LabFactory(slug="rennes")
        member = UserFactory(email="buyer@example.org")
        give_credits(member, lab, 60)
        pack = CreditPackFactory(lab=lab, name="10 hours", minutes=600, price_cents=10_000, validity_days=365)
        order = order_for(member, pack)
        checkout_start(order=order, success_url="https://lab.test/ok", cancel_url="https://lab.test/ko")
        session = fake_stripe.complete(Order.objects.get(pk=order.pk).stripe_checkout_session_id)
        payload = event_payload("checkout.session.completed", session)

        with account_lock(member, lab) as lock:
            thread, result = in_background(lambda: deliver(server, payload))
            lock.wait_until_blocked()
            killed = server.kill_worker()
            thread.join(30)
        assert result["value"][0] is None

        server.wait_for_a_new_worker(killed)
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING
        assert (StripeEvent.objects.count(), Payment.objects.count(), Invoice.objects.count()) == (0, 0, 0)
        assert balance_minutes(user=member, lab=lab) == 60

        # Stripe retries the same event, then sends it once more: one payment, one invoice.
        assert deliver(server, payload)[0] == 200
        assert deliver(server, payload)[0] == 200
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert (StripeEvent.objects.count(), Payment.objects.count(), Invoice.objects.count()) == (1, 1, 1)
        assert balance_minutes(user=member, lab=lab) == 660
        # The server stored the invoice's PDF on disk: read it from there to check the chain.
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(server.media_root)},
            },
        }
        assert invoice_chain_problems() == []
