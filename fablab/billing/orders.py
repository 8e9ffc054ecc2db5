"""Orders: opening them, and every way one changes state (paid, cancelled, paid at the desk, mandate).

`order_mark_paid` is the single place where an order becomes paid, whatever
the channel (the Stripe webhook, the desk, the transfer of a mandate): it runs
each line's fulfilment handler and issues the invoice, in the transaction that
locks the order. Each service locks the order row first; the lock order
everywhere is order → credit lot → credit account → invoice chain → invoice
sequence, so that no two services deadlock.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fablab.audit.services import audit_record
from fablab.billing import fulfilment, stripe_api
from fablab.billing.amounts import excl_tax_from_incl, format_money, tax_cents
from fablab.billing.models import (
    VAT_RATES_BP,
    CreditPack,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    ProductKind,
)
from fablab.billing.notifications import notify_order_invoiced, notify_order_paid
from fablab.billing.services import BillingError, Buyer, LineInput, invoice_issue
from fablab.core.errors import ConflictError, NotAllowedError
from fablab.core.locking import is_postgresql, lock_rows
from fablab.labs.permissions import Action, user_can

MAX_PACK_QUANTITY = 20
MAX_ORDER_LINES = 50
MAX_UNIT_PRICE_CENTS = 100_000_000
OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.TRANSFER)
MAX_MANDATE_DAYS = 365


class OrderLocked(Exception):
    """Another transaction holds the order's row lock (only raised when asked not to wait)."""


@dataclass(frozen=True)
class OrderLineInput:
    """One product to order; `unit_price_cents` includes VAT, `details` is kept for the kind's handler."""

    kind: str
    reference_id: int | None
    description: str
    quantity: int
    unit_price_cents: int
    vat_rate_bp: int
    details: dict = field(default_factory=dict)


# --- Opening an order ----------------------------------------------------------------


def order_create(*, buyer, lab, items) -> Order:
    """A member orders credit packs of `lab`: `items` is a list of (pack or pack id, quantity).

    Every pack must be on sale in this lab, each quantity a whole number from 1
    to 20 (the same pack twice adds up). Nothing is written when anything is wrong.
    """
    if not isinstance(items, (list, tuple)) or not items:
        raise BillingError(_("Choose at least one credit pack."), code="no_items", field="items")
    if len(items) > MAX_ORDER_LINES:
        raise BillingError(_("Too many items in one order."), code="too_many_items", field="items")
    quantities = {}
    packs = {}
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise BillingError(_("Each item is a credit pack and a quantity."), code="bad_item", field="items")
        pack, quantity = item
        pack = _pack_for_sale(pack, lab)
        packs[pack.pk] = pack
        quantities[pack.pk] = quantities.get(pack.pk, 0) + _pack_quantity(quantity)
        if quantities[pack.pk] > MAX_PACK_QUANTITY:
            raise BillingError(
                _("At most %(count)s of the same pack per order.") % {"count": MAX_PACK_QUANTITY},
                code="bad_quantity",
                field="quantity",
            )
    lines = [
        OrderLineInput(
            kind=ProductKind.CREDIT_PACK,
            reference_id=pack.pk,
            description=pack.name,
            quantity=quantities[pack.pk],
            unit_price_cents=pack.price_cents,
            vat_rate_bp=pack.vat_rate_bp,
            details={"minutes": pack.minutes, "validity_days": pack.validity_days},
        )
        for pack in packs.values()
    ]
    return order_open(buyer=buyer, lab=lab, lines=lines)


def _pack_for_sale(pack, lab) -> CreditPack:
    pack_id = pack.pk if isinstance(pack, CreditPack) else pack
    if isinstance(pack_id, bool) or not isinstance(pack_id, int):
        raise BillingError(_("Unknown credit pack."), code="unknown_pack", field="pack")
    pack = CreditPack.objects.filter(pk=pack_id).first()
    if pack is None:
        raise BillingError(_("Unknown credit pack."), code="unknown_pack", field="pack")
    if pack.lab_id != lab.pk:
        raise BillingError(
            _("This credit pack is sold by another lab; order it from that lab."),
            code="pack_of_another_lab",
            field="pack",
        )
    if not pack.is_active:
        raise BillingError(_("This credit pack is no longer on sale."), code="pack_not_on_sale", field="pack")
    return pack


def _pack_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_PACK_QUANTITY:
        raise BillingError(
            _("The quantity must be a whole number from 1 to %(count)s.") % {"count": MAX_PACK_QUANTITY},
            code="bad_quantity",
            field="quantity",
        )
    return quantity


def order_open(*, buyer, lab, lines: list[OrderLineInput]) -> Order:
    """Open a pending order of `buyer` in `lab` from lines of any kind a handler is registered for.

    This is how other apps sell through billing (training seats, school
    workshops): they build the lines with prices VAT included, billing derives
    the prices excluding tax the invoice needs, and runs their handler once the
    order is paid.
    """
    if not getattr(buyer, "is_authenticated", False) or not buyer.is_active:
        raise NotAllowedError(_("Log in to order."))
    if not lab.is_active:
        raise BillingError(_("This lab is closed."), code="lab_inactive", field="lab")
    if not lab.invoice_prefix:
        raise BillingError(_("This lab does not sell anything yet."), code="no_invoice_prefix", field="lab")
    if not isinstance(lines, (list, tuple)) or not lines or len(lines) > MAX_ORDER_LINES:
        raise BillingError(_("An order holds from 1 to 50 lines."), code="no_items", field="items")
    priced = [_priced_line(position, line) for position, line in enumerate(lines, start=1)]
    with transaction.atomic():
        order = Order.objects.create(
            lab=lab,
            buyer=buyer,
            total_excl_tax_cents=sum(line.total_excl_tax_cents for line in priced),
            total_tax_cents=sum(line.total_tax_cents for line in priced),
            total_incl_tax_cents=sum(line.total_incl_tax_cents for line in priced),
        )
        for line in priced:
            line.order = order
        OrderLine.objects.bulk_create(priced)
    return order


def _priced_line(position, line) -> OrderLine:
    def refuse(message, code):
        raise BillingError(message, code=code, field="items")

    if not isinstance(line, OrderLineInput):
        refuse(_("Unknown product."), "bad_item")
    if fulfilment.handler_for(line.kind) is None:
        refuse(_("This product is not sold here."), "unknown_product")
    if not isinstance(line.description, str) or not line.description.strip() or len(line.description) > 300:
        refuse(_("A product needs a name of at most 300 characters."), "bad_description")
    if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or not 1 <= line.quantity <= 100_000:
        refuse(_("The quantity must be a whole number from 1 to 100,000."), "bad_quantity")
    price = line.unit_price_cents
    if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_UNIT_PRICE_CENTS:
        refuse(_("A price must be a whole number of cents, more than zero."), "bad_amount")
    if line.vat_rate_bp not in VAT_RATES_BP:
        refuse(_("Unknown VAT rate."), "bad_vat_rate")
    unit_excl = excl_tax_from_incl(price, line.vat_rate_bp)
    if unit_excl is None:
        refuse(_("This price cannot be invoiced exactly at its VAT rate: ask the lab to correct it."), "bad_amount")
    unit_tax = tax_cents(unit_excl, line.vat_rate_bp)
    # The buyer pays quantity × the price shown, VAT included, to the cent (see `invoice_lines`).
    return OrderLine(
        position=position,
        kind=line.kind,
        reference_id=line.reference_id,
        description=line.description.strip(),
        quantity=line.quantity,
        unit_price_cents=price,
        unit_price_excl_tax_cents=unit_excl,
        vat_rate_bp=line.vat_rate_bp,
        total_excl_tax_cents=line.quantity * unit_excl,
        total_tax_cents=line.quantity * unit_tax,
        total_incl_tax_cents=line.quantity * price,
        details=dict(line.details),
    )


def invoice_lines(order) -> list[LineInput]:
    """The invoice lines of an order, totalling exactly what the buyer pays.

    Prices are shown VAT included and the buyer pays quantity × that price. The
    invoice computes VAT per line from the price excluding tax: on one line of
    three 100.00 € packs (83.33 € each), 249.99 € + 50.00 € = 299.99 €. So a
    line whose VAT would round differently than unit by unit is invoiced as one
    line per unit; otherwise as one line with its quantity.
    """
    lines = []
    for line in order.lines.all():
        if tax_cents(line.total_excl_tax_cents, line.vat_rate_bp) == line.total_tax_cents:
            lines.append(LineInput(line.description, line.quantity, line.unit_price_excl_tax_cents, line.vat_rate_bp))
        else:
            unit = LineInput(line.description, 1, line.unit_price_excl_tax_cents, line.vat_rate_bp)
            lines.extend([unit] * line.quantity)
    return lines


# --- Becoming paid --------------------------------------------------------------------


def order_mark_paid(*, order, paid_at, method, by=None, stripe_ids=None) -> Order:
    """The single place where an order becomes paid: payment, fulfilment, invoice, mail.

    `stripe_ids` ({"payment_intent", "checkout_session", "amount_cents"})
    records the card payment (by default of what remains to pay); at the desk,
    the payments are already recorded (`payment_record_offline`). Either way
    they must add up to the total, no less, no more. The invoice is issued as
    paid, unless the order already has one (a mandate's, issued before the
    payment): then no second invoice. The buyer is emailed after the commit.
    """
    if method not in PaymentMethod.values:
        raise BillingError(_("Unknown payment method."), code="bad_payment_method", field="method")
    if not isinstance(paid_at, dt.datetime) or timezone.is_naive(paid_at):
        raise BillingError(_("Give the time with its time zone."), code="naive_time", field="paid_at")
    with transaction.atomic():
        order = order_locked(order)
        if order.status != OrderStatus.PENDING:
            raise ConflictError(_("This order is not awaiting payment."), code="not_pending")
        if stripe_ids:
            _record_card_payment(order, paid_at, stripe_ids)
        remaining = order.total_incl_tax_cents - paid_cents(order)
        if remaining > 0:
            raise BillingError(
                _("%(amount)s remain to be paid.") % {"amount": money(order, remaining)}, code="not_fully_paid"
            )
        if remaining < 0:  # paid online and at the desk: a person must refund one of them
            raise BillingError(
                _("This order would be paid %(amount)s too much.") % {"amount": money(order, -remaining)},
                code="over_payment",
            )
        order.status, order.paid_at = OrderStatus.PAID, paid_at
        if order.invoice_id is None:
            order.payment_method = method
        order.save(
            update_fields=[
                "status",
                "paid_at",
                "payment_method",
                "stripe_payment_intent_id",
                "stripe_checkout_session_id",
            ]
        )
        for line in order.lines.all():
            line.order = order
            fulfilment.handler_for(line.kind).fulfil(line, by=by)
        if order.invoice_id is None:
            order.invoice = _issue_invoice(order, by=by, paid_at=paid_at, payment_method=method)
            order.save(update_fields=["invoice"])
        notify_order_paid(order)
    return order


def _record_card_payment(order, paid_at, stripe_ids):
    intent = stripe_ids.get("payment_intent") or None
    session = stripe_ids.get("checkout_session") or None
    try:
        with transaction.atomic():
            Payment.objects.create(
                order=order,
                method=PaymentMethod.CARD,
                amount_cents=stripe_ids.get("amount_cents") or order.total_incl_tax_cents - paid_cents(order),
                received_at=paid_at,
                reference=session or "",
                stripe_id=intent,
            )
    except IntegrityError as error:  # the unique Stripe id: the database's last word on "once"
        raise ConflictError(_("This payment is already recorded."), code="already_recorded") from error
    order.stripe_payment_intent_id = intent
    if session:
        order.stripe_checkout_session_id = session


def _issue_invoice(order, *, by, payment_method, paid_at=None, buyer=None, due_days=0, purchase_order=""):
    user = order.buyer
    buyer = buyer or Buyer(name=user.full_name.strip() or user.email, address="", email=user.email, user=user)
    invoice = invoice_issue(
        lab=order.lab,
        buyer=buyer,
        lines=invoice_lines(order),
        payment_method=payment_method,
        language=user.preferred_language if user.preferred_language in ("fr", "en") else "fr",
        due_days=due_days,
        purchase_order=purchase_order,
        paid_at=paid_at,
        by=by,
    )
    # Same arithmetic on both sides: a difference is a bug, and must not reach the books.
    if invoice.total_incl_tax_cents != order.total_incl_tax_cents:
        raise RuntimeError(f"Invoice {invoice.number} does not total order {order.reference}.")
    return invoice


# --- At the desk ------------------------------------------------------------------------


def payment_record_offline(*, order, method, amount_cents, by, reference="", note="", received_at=None) -> Payment:
    """Staff record money received at the desk (cash, cheque) or by bank transfer.

    Part payments are allowed; the one that completes the total marks the order
    paid (see `order_mark_paid`); more than what remains is refused.
    """
    require_billing_manager(by, order.lab_id)
    if method not in OFFLINE_METHODS:
        raise BillingError(
            _("Record cash, cheques and bank transfers here."), code="bad_payment_method", field="method"
        )
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise BillingError(_("The amount must be more than zero."), code="bad_amount", field="amount_cents")
    if not isinstance(reference, str) or len(reference.strip()) > 100:
        raise BillingError(
            _("The reference is too long (at most 100 characters)."), code="text_too_long", field="reference"
        )
    if not isinstance(note, str) or len(note.strip()) > 300:
        raise BillingError(_("The note is too long (at most 300 characters)."), code="text_too_long", field="note")
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at) or received_at > now + dt.timedelta(minutes=5):
        raise BillingError(_("A payment cannot be received in the future."), code="future", field="received_at")
    with transaction.atomic():
        order = order_locked(order)
        if order.status != OrderStatus.PENDING:
            raise ConflictError(_("This order is not awaiting payment."), code="not_pending")
        remaining = order.total_incl_tax_cents - paid_cents(order)
        if amount_cents > remaining:
            raise BillingError(
                _("This is more than what remains to be paid (%(amount)s).") % {"amount": money(order, remaining)},
                code="over_payment",
                field="amount_cents",
            )
        payment = Payment.objects.create(
            order=order,
            method=method,
            amount_cents=amount_cents,
            received_at=received_at,
            recorded_by=by,
            reference=reference.strip(),
            note=note.strip(),
        )
        audit_record(
            actor=by,
            action="order.payment_recorded",
            target=order,
            lab=order.lab_id,
            changes={"amount_cents": amount_cents, "method": method},
        )
        if amount_cents == remaining:
            order_mark_paid(order=order, paid_at=received_at, method=method, by=by)
    stripe_api.expire_session_later(order.stripe_checkout_session_id)
    return payment


def order_issue_for_mandate(*, order, purchase_order, paying_body, due_date, by, paying_body_address="") -> Order:
    """Invoice a public body paying by administrative mandate, before it pays.

    The invoice is issued "awaiting payment" to the paying body with its
    purchase-order number; staff record the transfer later with
    `payment_record_offline`, which marks the order paid without a second invoice.
    """
    require_billing_manager(by, order.lab_id)
    texts = [
        (purchase_order, 64, "purchase_order", _("The purchase-order number is required.")),
        (paying_body, 200, "paying_body", _("Name the paying body.")),
    ]
    for value, limit, name, missing in texts:
        if not isinstance(value, str) or not value.strip():
            raise BillingError(missing, code="required", field=name)
        if len(value.strip()) > limit:
            raise BillingError(
                _("This text is too long (at most %(limit)s characters).") % {"limit": limit},
                code="text_too_long",
                field=name,
            )
    if not isinstance(paying_body_address, str) or len(paying_body_address.strip()) > 2000:
        raise BillingError(_("The address is too long."), code="text_too_long", field="paying_body_address")
    today = timezone.localdate(timezone=order.lab.tz)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise BillingError(_("Give the due date."), code="required", field="due_date")
    if not today <= due_date <= today + dt.timedelta(days=MAX_MANDATE_DAYS):
        raise BillingError(
            _("The due date must be between today and one year from now."), code="bad_due_date", field="due_date"
        )
    with transaction.atomic():
        order = order_locked(order)
        if order.status != OrderStatus.PENDING:
            raise ConflictError(_("This order is not awaiting payment."), code="not_pending")
        if order.invoice_id is not None:
            raise ConflictError(_("This order is already invoiced."), code="already_invoiced")
        if paid_cents(order):
            raise BillingError(_("Part of this order is already paid at the desk."), code="partly_paid")
        order.purchase_order = purchase_order.strip()
        order.paying_body = paying_body.strip()
        order.paying_body_address = paying_body_address.strip()
        order.due_date = due_date
        order.payment_method = PaymentMethod.ADMINISTRATIVE_MANDATE
        order.invoice = _issue_invoice(
            order,
            by=by,
            payment_method=PaymentMethod.ADMINISTRATIVE_MANDATE,
            buyer=Buyer(name=order.paying_body, address=order.paying_body_address, email="", user=order.buyer),
            due_days=(due_date - today).days,
            purchase_order=order.purchase_order,
        )
        order.save(
            update_fields=[
                "purchase_order",
                "paying_body",
                "paying_body_address",
                "due_date",
                "payment_method",
                "invoice",
            ]
        )
        notify_order_invoiced(order)
    stripe_api.expire_session_later(order.stripe_checkout_session_id)
    return order


# --- Cancelling ----------------------------------------------------------------------------


def order_cancel(*, order, by) -> Order:
    """The buyer or the lab's billing staff cancel an order nothing was paid for nor invoiced."""
    if order.buyer_id != getattr(by, "pk", None):
        require_billing_manager(by, order.lab_id)
    with transaction.atomic():
        order = order_locked(order)
        if order.status != OrderStatus.PENDING:
            raise ConflictError(_("Only an order awaiting payment can be cancelled."), code="not_pending")
        if order.invoice_id is not None:
            raise ConflictError(
                _("This order is invoiced: correct the invoice with a credit note instead."), code="already_invoiced"
            )
        if paid_cents(order):
            raise ConflictError(_("Part of this order is already paid."), code="partly_paid")
        cancel_locked(order, by=by)
    stripe_api.expire_session_later(order.stripe_checkout_session_id)
    return order


def cancel_locked(order, *, by=None):
    """Cancel a pending order already locked by the caller (also used when a Checkout session expires)."""
    order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
    order.save(update_fields=["status", "cancelled_at"])
    for line in order.lines.all():
        line.order = order
        fulfilment.handler_for(line.kind).cancelled(line, by=by)


# --- Helpers ------------------------------------------------------------------------------


def order_locked(order, *, nowait=False) -> Order:
    """The order, locked until the transaction ends, with what the services read from it.

    `nowait` (PostgreSQL): raise `OrderLocked` instead of waiting when another
    transaction holds the lock, so that a webhook answers 503 and Stripe
    retries. On SQLite the IMMEDIATE transaction already serialises writers.
    """
    queryset = lock_rows(Order.objects.select_related("lab", "buyer").filter(pk=order.pk))
    if nowait and is_postgresql(queryset.db):
        try:
            with transaction.atomic():
                return queryset.select_for_update(nowait=True, of=("self",)).get()
        except OperationalError as error:  # psycopg's LockNotAvailable
            raise OrderLocked(order.pk) from error
    return queryset.get()


def paid_cents(order) -> int:
    """What was received for the order so far, refunds not deducted."""
    return (
        Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT).aggregate(total=Sum("amount_cents"))["total"] or 0
    )


def refunded_cents(order) -> int:
    total = Payment.objects.filter(order=order, kind=PaymentKind.REFUND).aggregate(total=Sum("amount_cents"))["total"]
    return -(total or 0)


def money(order, cents) -> str:
    return format_money(cents, order.currency, "fr" if (get_language() or "fr").startswith("fr") else "en")


def require_billing_manager(user, lab):
    if not user_can(user, Action.MANAGE_BILLING, lab):
        raise NotAllowedError(_("Only the lab's billing staff can do this."))
