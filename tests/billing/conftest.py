import pytest
import stripe

from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture(autouse=True)
def _stripe_never_leaves_this_machine(monkeypatch):
    """No billing test may reach Stripe: unless a test starts the fake, the API is a closed local port."""
    monkeypatch.setattr(stripe, "api_base", "http://127.0.0.1:9")
    monkeypatch.setattr(stripe, "max_network_retries", 0)


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def fake_stripe(stripe_keys, monkeypatch):
    """Stripe's API, played locally over HTTP (see fake_stripe.py)."""
    fake = FakeStripe().start()
    monkeypatch.setattr(stripe, "api_base", fake.url)
    yield fake
    fake.stop()
