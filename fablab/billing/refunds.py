"""Money given back for a paid order: the refund payment, its credit note, and each line's share.

Which lines a refund corrects: a refund (VAT included) is credited against the
order's lines from the last to the first, each up to what is left of it. A
full refund of an order never credited before is a credit note reversing every
invoice line as it was. Otherwise each corrected line gets a credit-note line
"Refund: <line>" crediting its share excluding tax in proportion to the share
including tax (what is left of it, for the refund completing the line), and,
when VAT rounded per line would miss the share by a cent, small "(VAT
rounding)" lines cut off it: the credit note always totals exactly the amount
refunded, and a line is never credited beyond what it billed, excluding tax or
including it.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fablab.audit.services import audit_record
from fablab.billing import fulfilment, stripe_api
from fablab.billing.amounts import vat_exact_parts
from fablab.billing.models import OrderStatus, Payment, PaymentKind, PaymentMethod
from fablab.billing.notifications import notify_order_refunded
from fablab.billing.orders import money, order_locked, paid_cents, refunded_cents
from fablab.billing.services import BillingError, LineInput, credit_note_issue
from fablab.core.errors import ConflictError

logger = logging.getLogger(__name__)

REFUNDABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


def order_refund_record(
    *,
    order,
    amount_cents,
    refunded_at=None,
    method=PaymentMethod.CARD,
    stripe_refund_id=None,
    reference="",
    by=None,
) -> Payment:
    """Record a refund of `amount_cents` (VAT included) on a paid order, with its credit note and line shares.

    Refunding more than what was paid and not yet refunded is refused. Called
    by the Stripe webhook for each refund Stripe reports (its id is recorded
    once), with the order already locked by the caller or not, and by staff for
    money given back at the desk (cash, cheque, transfer; `reference` is printed
    on the credit note).
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise BillingError(gettext_lazy("The amount must be more than zero."), code="bad_amount", field="amount_cents")
    refunded_at = refunded_at or timezone.now()
    with transaction.atomic():
        order = order_locked(order)
        if order.status not in REFUNDABLE or order.invoice_id is None:
            raise ConflictError(gettext_lazy("Only a paid order can be refunded."), code="not_refundable")
        left = refundable_cents(order)
        if amount_cents > left:
            raise BillingError(
                gettext_lazy("This refund is larger than what was paid and not yet refunded (%(amount)s).")
                % {"amount": money(order, left)},
                code="over_refund",
                field="amount_cents",
            )
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    kind=PaymentKind.REFUND,
                    method=method,
                    amount_cents=-amount_cents,
                    received_at=refunded_at,
                    recorded_by=by,
                    stripe_id=stripe_refund_id,
                )
        except IntegrityError as error:
            raise ConflictError(gettext_lazy("This refund is already recorded."), code="already_recorded") from error
        lines = list(order.lines.all())
        shares = _shares(lines, amount_cents)
        _credit_note(order, lines, shares, amount_cents, reference=stripe_refund_id or reference.strip(), by=by)
        for line, share in shares:
            line.order = order
            line.refunded_cents += share["incl"]
            line.refunded_excl_tax_cents += share["excl"]
            line.save(update_fields=["refunded_cents", "refunded_excl_tax_cents"])
            fulfilment.handler_for(line.kind).refunded(line, by=by)
        order.status = OrderStatus.REFUNDED if amount_cents == left else OrderStatus.PARTIALLY_REFUNDED
        order.save(update_fields=["status"])
        audit_record(
            actor=by, action="order.refunded", target=order, lab=order.lab_id, changes={"amount_cents": amount_cents}
        )
        notify_order_refunded(order, amount_cents)
    return payment


def refundable_cents(order) -> int:
    """What was paid for the order and not refunded yet (VAT included)."""
    return paid_cents(order) - refunded_cents(order)


def _shares(lines, amount_cents):
    """[(line, {"incl", "excl", "credit_lines"})], last line first, each up to what is left of it."""
    shares, left = [], amount_cents
    for line in reversed(lines):
        if left == 0:
            break
        room = line.total_incl_tax_cents - line.refunded_cents
        share = min(left, room)
        if share <= 0:
            continue
        left -= share
        shares.append((line, _line_share(line, share, completes=share == room)))
    if left:  # cannot happen while payments equal the order's total
        raise BillingError(gettext_lazy("This refund is larger than the order."), code="over_refund")
    return shares


def _line_share(line, share, *, completes):
    """How `share` cents of `line` are credited, excluding tax and in credit-note line amounts.

    The line's amount excluding tax is credited in proportion (all that is left
    when the share completes the line), the rest of the share is VAT; the
    amounts are split so that the VAT rounded per line is exactly that rest.
    """
    refunded_after = line.refunded_cents + share
    if completes:
        excl_after = line.total_excl_tax_cents
    else:
        excl_after = (line.total_excl_tax_cents * refunded_after * 2 + line.total_incl_tax_cents) // (
            2 * line.total_incl_tax_cents
        )
    excl = excl_after - line.refunded_excl_tax_cents
    parts = vat_exact_parts(excl, share - excl, line.vat_rate_bp)
    if parts is None:
        raise BillingError(
            gettext_lazy("This refund cannot be split into credit-note lines to the cent."), code="cannot_credit"
        )
    return {"incl": share, "excl": excl, "parts": parts}


def _credit_note(order, lines, shares, amount_cents, *, reference, by):
    invoice = order.invoice
    with translation.override(invoice.language):
        reason = _("Refund of order %(order)s") % {"order": order.reference}
        if reference:
            reason = f"{reason} ({reference})"
        untouched = all(line.refunded_cents == 0 for line in lines)
        if untouched and amount_cents == order.total_incl_tax_cents:
            credit_lines = None  # the whole invoice, line for line
        else:
            credit_lines = []
            for line, share in shares:
                for number, part in enumerate(share["parts"]):
                    text = _("Refund: %(line)s") if number == 0 else _("Refund: %(line)s (VAT rounding)")
                    credit_lines.append(LineInput(text % {"line": line.description[:250]}, 1, -part, line.vat_rate_bp))
    return credit_note_issue(invoice=invoice, reason=reason, lines=credit_lines, by=by)


def order_line_refund_online(*, line, by=None):
    """Ask Stripe, after the commit, to refund what is left of a card-paid line.

    The refund is recorded when Stripe reports it (`charge.refunded` → the
    webhook → `order_refund_record`, with its credit note), never here: the
    money has not moved until Stripe says so. The idempotency key makes a
    repeated request for the same line one refund at Stripe.
    """
    order = line.order
    amount = line.total_incl_tax_cents - line.refunded_cents
    if amount <= 0 or order.status not in REFUNDABLE or not order.stripe_payment_intent_id:
        return False

    def request_refund():
        try:
            stripe_api.refund_create(
                payment_intent=order.stripe_payment_intent_id,
                amount_cents=amount,
                idempotency_key=f"refund-order-{order.pk}-line-{line.pk}-{line.refunded_cents}",
            )
        except (stripe_api.StripeUnavailable, stripe_api.StripeObjectMissing):
            logger.error(
                "Refund of order %s line %s (%s cents) failed: refund it from Stripe", order.pk, line.pk, amount
            )

    transaction.on_commit(request_refund)
    return True
