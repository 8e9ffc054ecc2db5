"""Paying online with Stripe Checkout: starting a session, and the webhook that says what happened.

The webhook is only a trigger. Its signature is verified (a forged, unsigned
or stale payload changes nothing), then the object it names is read again
from Stripe's API — outside any transaction, a network call holds no lock —
and state changes only from that fresh copy, only from allowed states:

- `checkout.session.completed` / `async_payment_succeeded`: paid only when the
  session says `payment_status == "paid"` and its amount is the order's;
- `checkout.session.expired` / `async_payment_failed`: a pending order with no
  payment and no invoice is cancelled; a paid order never goes back;
- `charge.refunded` / `charge.refund.updated`: every succeeded refund of the
  charge not yet recorded is recorded (`refunds.order_refund_record`).

Exactly once: the event id is inserted (unique) in the transaction that
applies its effects; a duplicate delivery hits the unique index and changes
nothing. Two different events about one payment (completed, then
async_payment_succeeded) find the order already paid. The order row is locked
without waiting on PostgreSQL: a busy lock answers 503 and Stripe retries.
"""

import datetime as dt
import json
import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.billing import stripe_api
from fablab.billing.models import Order, OrderStatus, PaymentMethod, StripeEvent
from fablab.billing.orders import (
    OrderLocked,
    cancel_locked,
    order_locked,
    order_mark_paid,
    paid_cents,
)
from fablab.billing.refunds import order_refund_record
from fablab.billing.services import BillingError
from fablab.core.errors import ConflictError, DomainError

logger = logging.getLogger(__name__)


class WebhookSignatureError(Exception):
    """The payload is not signed by Stripe with our secret (or is stale, or is not an event): 400."""


class WebhookRetryLater(Exception):
    """The event could not be applied now (busy lock, Stripe unreachable): 503, Stripe retries."""


# --- Starting a payment ---------------------------------------------------------------


def checkout_start(*, order, success_url, cancel_url) -> str:
    """Open (or reopen) a Stripe Checkout session for the whole order; returns the URL to send the buyer to.

    Only for a pending order with nothing paid nor invoiced yet. An open session
    of the order is reused; an expired one is replaced. The session is created
    before the order is locked (a network call holds no lock), then stored if
    the order did not change meanwhile.
    """
    if not stripe_api.enabled():
        raise BillingError(
            _("Online payment is not offered: pay at the lab's desk."), code="online_payment_unavailable"
        )
    order = Order.objects.select_related("lab", "buyer").get(pk=order.pk)
    _check_payable_online(order)
    previous = order.stripe_checkout_session_id
    if previous:
        try:
            session = stripe_api.session_retrieve(previous)
        except stripe_api.StripeObjectMissing:
            session = {"status": "expired"}
        if session.get("status") == "open" and session.get("url"):
            return session["url"]
        if session.get("status") == "complete":
            raise ConflictError(
                _("This order is already paid online; its confirmation is on its way."), code="payment_in_progress"
            )
    session = stripe_api.session_create(
        idempotency_key=f"fablab-order-{order.pk}-after-{previous or 'none'}",
        **_session_params(order, success_url, cancel_url),
    )
    with transaction.atomic():
        locked = order_locked(order)
        current, refusal = locked.stripe_checkout_session_id, None
        if current not in (previous, session["id"]):  # another session was opened meanwhile
            refusal = ConflictError(_("This order changed meanwhile: reload the page."), code="order_changed")
        else:
            try:
                _check_payable_online(locked)  # paid or cancelled meanwhile?
            except DomainError as error:
                refusal = error
        if refusal is None and current != session["id"]:
            locked.stripe_checkout_session_id = session["id"]
            locked.save(update_fields=["stripe_checkout_session_id"])
    if refusal is not None:  # leave no payable session behind
        stripe_api.expire_session_later(session["id"])
        raise refusal
    return session["url"]


def _check_payable_online(order):
    if order.status != OrderStatus.PENDING:
        raise ConflictError(_("This order is not awaiting payment."), code="not_pending")
    if order.invoice_id is not None:
        raise BillingError(_("This order is invoiced: pay it as the invoice says."), code="already_invoiced")
    if paid_cents(order):
        raise BillingError(_("Part of this order is already paid at the desk: pay the rest there."), code="partly_paid")


def _session_params(order, success_url, cancel_url):
    language = order.buyer.preferred_language
    return {
        "mode": "payment",
        "line_items": [_line_item(line, order.currency) for line in order.lines.all()],
        "client_reference_id": str(order.pk),
        "metadata": {"order_id": str(order.pk), "order_reference": order.reference, "lab": order.lab.slug},
        "payment_intent_data": {"metadata": {"order_id": str(order.pk), "order_reference": order.reference}},
        "customer_email": order.buyer.email,
        "locale": language if language in ("fr", "en") else "auto",
        "success_url": success_url,
        "cancel_url": cancel_url,
    }


def _line_item(line, currency):
    """Stripe charges quantity × unit amount: exactly the order line's total (see `orders.invoice_lines`)."""
    return {
        "quantity": line.quantity,
        "price_data": {
            "currency": currency.lower(),
            "unit_amount": line.unit_price_cents,
            "product_data": {"name": line.description[:250]},
        },
    }


# --- The webhook ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    outcome: str


def stripe_webhook_handle(*, payload: bytes, signature_header: str) -> WebhookResult:
    """Verify, record once and apply one Stripe event (see the module's docstring)."""
    event = _verified_event(payload, signature_header)
    event_id, event_type = event["id"], event["type"]
    if StripeEvent.objects.filter(event_id=event_id).exists():
        return WebhookResult(event_id, "duplicate")
    handler = HANDLERS.get(event_type)
    try:
        fresh = handler.read(event) if handler else None
    except stripe_api.StripeObjectMissing:
        fresh, handler = None, UNKNOWN_OBJECT
    except stripe_api.StripeUnavailable as error:
        raise WebhookRetryLater(str(error)) from error
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = StripeEvent.objects.create(
                        event_id=event_id,
                        type=event_type,
                        livemode=bool(event.get("livemode")),
                        payload=event,
                    )
            except IntegrityError:  # a concurrent delivery of the same event got there first
                return WebhookResult(event_id, "duplicate")
            outcome, order = handler.apply(event, fresh) if handler else ("ignored", None)
            record.outcome, record.order, record.processed_at = outcome, order, timezone.now()
            record.save(update_fields=["outcome", "order", "processed_at"])
    except OrderLocked as error:
        raise WebhookRetryLater(f"order {error} is locked") from error
    return WebhookResult(event_id, outcome)


def _verified_event(payload, signature_header) -> dict:
    try:
        stripe.Webhook.construct_event(payload, signature_header, settings.STRIPE_WEBHOOK_SECRET)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:  # ValueError: not JSON, not UTF-8
        raise WebhookSignatureError(str(error)) from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise WebhookSignatureError("not an event")
    if not 0 < len(event["id"]) <= 255 or len(event["type"]) > 100:
        raise WebhookSignatureError("not an event of ours")
    return event


def _object_id(event):
    obj = (event.get("data") or {}).get("object") or {}
    value = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value:
        raise stripe_api.StripeObjectMissing("the event names no object")
    return value


def _instant(timestamp):
    """A Stripe timestamp as an aware UTC datetime, never later than now."""
    now = timezone.now()
    if not isinstance(timestamp, int):
        return now
    return min(dt.datetime.fromtimestamp(timestamp, dt.UTC), now)


def _order_of_session(session):
    order_id = (session.get("metadata") or {}).get("order_id") or session.get("client_reference_id")
    if not isinstance(order_id, str) or not order_id.isdigit():
        return None
    return Order.objects.filter(pk=int(order_id)).first()


class SessionPaid:
    """`checkout.session.completed` and `checkout.session.async_payment_succeeded`."""

    @staticmethod
    def read(event):
        return stripe_api.session_retrieve(_object_id(event))

    @staticmethod
    def apply(event, session):
        order = _order_of_session(session)
        if order is None:
            logger.warning("Stripe event %s: session %s names no order of ours", event["id"], session.get("id"))
            return "unknown_order", None
        if session.get("status") != "complete" or session.get("payment_status") != "paid":
            return "not_paid_yet", order
        order = order_locked(order, nowait=True)
        intent = session.get("payment_intent")
        intent = intent.get("id") if isinstance(intent, dict) else intent
        if order.status != OrderStatus.PENDING:
            if order.stripe_payment_intent_id and order.stripe_payment_intent_id == intent:
                return "already_paid", order
            logger.error(
                "Stripe session %s paid order %s, which is %s: refund it from the Stripe dashboard.",
                session.get("id"),
                order.reference,
                order.status,
            )
            return "paid_unexpectedly", order
        if session.get("amount_total") != order.total_incl_tax_cents or (
            str(session.get("currency", "")).upper() != order.currency
        ):
            logger.error(
                "Stripe session %s charged %s %s for order %s of %s %s: not marked paid.",
                session.get("id"),
                session.get("amount_total"),
                session.get("currency"),
                order.reference,
                order.total_incl_tax_cents,
                order.currency,
            )
            return "amount_mismatch", order
        try:
            order_mark_paid(
                order=order,
                paid_at=_instant(event.get("created")),
                method=PaymentMethod.CARD,
                stripe_ids={
                    "checkout_session": session["id"],
                    "payment_intent": intent,
                    "amount_cents": session["amount_total"],
                },
            )
        except DomainError as error:
            # Money was taken but the order cannot be fulfilled now (the lab cannot invoice, a
            # handler refuses, it was part paid at the desk meanwhile): record nothing, so that
            # Stripe retries (for three days) once a person has sorted it out, or refunds it.
            logger.error("Stripe session %s: order %s not marked paid: %s", session["id"], order.reference, error)
            raise WebhookRetryLater(str(error)) from error
        return "paid", order


class SessionFailed:
    """`checkout.session.expired` and `checkout.session.async_payment_failed`."""

    read = SessionPaid.read

    @staticmethod
    def apply(event, session):
        order = _order_of_session(session)
        if order is None:
            logger.warning("Stripe event %s: session %s names no order of ours", event["id"], session.get("id"))
            return "unknown_order", None
        if session.get("payment_status") == "paid":
            return "unchanged", order  # the session was paid after all: its paid event decides
        order = order_locked(order, nowait=True)
        if (
            order.status == OrderStatus.PENDING
            and order.stripe_checkout_session_id == session.get("id")
            and order.invoice_id is None
            and not paid_cents(order)
        ):
            cancel_locked(order)
            return "cancelled", order
        return "unchanged", order


class ChargeRefunded:
    """`charge.refunded` and `charge.refund.updated`: record every succeeded refund not yet recorded."""

    @staticmethod
    def read(event):
        obj = (event.get("data") or {}).get("object") or {}
        charge_id = obj.get("charge") if obj.get("object") == "refund" else _object_id(event)
        if not isinstance(charge_id, str):
            raise stripe_api.StripeObjectMissing("the event names no charge")
        charge = stripe_api.charge_retrieve(charge_id)
        return {"charge": charge, "refunds": stripe_api.refunds_of_charge(charge_id)}

    @staticmethod
    def apply(event, fresh):
        intent = fresh["charge"].get("payment_intent")
        intent = intent.get("id") if isinstance(intent, dict) else intent
        order = Order.objects.filter(stripe_payment_intent_id=intent).first() if intent else None
        if order is None:
            logger.warning("Stripe event %s: charge %s pays no order of ours", event["id"], fresh["charge"].get("id"))
            return "unknown_order", None
        order = order_locked(order, nowait=True)
        recorded = set(order.payments.exclude(stripe_id=None).values_list("stripe_id", flat=True))
        applied = 0
        for refund in fresh["refunds"]:
            if refund.get("status") != "succeeded" or refund["id"] in recorded:
                continue
            try:
                order_refund_record(
                    order=order,
                    amount_cents=refund["amount"],
                    refunded_at=_instant(refund.get("created")),
                    stripe_refund_id=refund["id"],
                )
            except DomainError as error:
                logger.error(
                    "Stripe refund %s of order %s not recorded (%s): record it by hand.",
                    refund["id"],
                    order.reference,
                    error,
                )
                return f"refused_{error.code}"[:32], order
            applied += 1
        return ("refunded" if applied else "unchanged"), order


class UnknownObject:
    @staticmethod
    def apply(event, fresh):
        logger.warning("Stripe event %s (%s) names an object Stripe does not know", event["id"], event["type"])
        return "unknown_object", None


UNKNOWN_OBJECT = UnknownObject()

HANDLERS = {
    "checkout.session.completed": SessionPaid,
    "checkout.session.async_payment_succeeded": SessionPaid,
    "checkout.session.expired": SessionFailed,
    "checkout.session.async_payment_failed": SessionFailed,
    "charge.refunded": ChargeRefunded,
    "charge.refund.updated": ChargeRefunded,
}
