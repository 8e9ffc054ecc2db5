"""Every call this project makes to Stripe's API, in one place: the key, the errors, plain dicts back.

Nothing here runs inside a database transaction that holds a lock: a network
call can take seconds. Stripe objects are turned into plain dicts at once
(`to_dict()`), so that the rest of billing reads ordinary data.
"""

import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fablab.billing.services import BillingError

logger = logging.getLogger(__name__)


class StripeUnavailable(BillingError):
    """Stripe could not be reached or refused the call: try again later."""

    status = 503
    default_code = "stripe_unavailable"


class StripeObjectMissing(Exception):
    """Stripe's API says the object does not exist (HTTP 404)."""


def enabled() -> bool:
    """Online payment is offered only when the platform holds a Stripe secret key."""
    return bool(settings.STRIPE_SECRET_KEY)


def _call(method, *args, **kwargs):
    try:
        return method(*args, api_key=settings.STRIPE_SECRET_KEY, **kwargs)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise StripeObjectMissing(str(error)) from error
        logger.error("Stripe refused %s: %s", getattr(method, "__qualname__", method), error)
        raise StripeUnavailable(_("The payment service refused the request. Try again later.")) from error
    except stripe.StripeError as error:
        logger.warning("Stripe call %s failed: %s", getattr(method, "__qualname__", method), error)
        raise StripeUnavailable(_("The payment service cannot be reached. Try again in a moment.")) from error


def session_create(*, idempotency_key, **params) -> dict:
    return _call(stripe.checkout.Session.create, idempotency_key=idempotency_key, **params).to_dict()


def session_retrieve(session_id) -> dict:
    return _call(stripe.checkout.Session.retrieve, session_id).to_dict()


def charge_retrieve(charge_id) -> dict:
    return _call(stripe.Charge.retrieve, charge_id).to_dict()


def refunds_of_charge(charge_id) -> list[dict]:
    """Every refund of the charge, oldest first."""
    page = _call(stripe.Refund.list, charge=charge_id, limit=100)
    try:
        refunds = [refund.to_dict() for refund in page.auto_paging_iter()]
    except stripe.StripeError as error:
        raise StripeUnavailable(_("The payment service cannot be reached. Try again in a moment.")) from error
    return sorted(refunds, key=lambda refund: (refund.get("created") or 0, refund["id"]))


def refund_create(*, payment_intent, amount_cents, idempotency_key) -> dict:
    return _call(
        stripe.Refund.create, payment_intent=payment_intent, amount=amount_cents, idempotency_key=idempotency_key
    ).to_dict()


def expire_session_later(session_id):
    """After the commit, close an open Checkout session so that it cannot be paid any more (best effort)."""
    if not session_id or not enabled():
        return

    def expire():
        try:
            _call(stripe.checkout.Session.expire, session_id)
        except (StripeUnavailable, StripeObjectMissing) as error:
            # Already expired or completed, or Stripe is away: the webhook sorts out a late payment.
            logger.info("Checkout session %s not expired: %s", session_id, error)

    transaction.on_commit(expire)
