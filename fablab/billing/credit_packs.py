"""Credit packs once paid: minutes on the ledger, when they expire, and what a refund takes back.

Purchase: each paid order line of packs writes one `purchase` ledger entry of
quantity × the pack's minutes (as they were when ordered), referencing the
order line, and one `CreditLot` saying when those minutes expire: at the end of
the lab's local day `validity_days` after the payment (never, without validity).

Expiry rule. The ledger records movements, not which credits a debit used, so
what remains of a pack is estimated: when a lot expires, what expires is

    min(minutes bought − minutes withdrawn by refunds − minutes used since the purchase,
        the current balance)

and never less than zero, where "minutes used since the purchase" is the net of
booking debits and cancellation refunds written on the account after the
lot's purchase entry. In words: what a member books after buying a pack is
taken from that pack first (credits that expire are spent first, as a member
would choose), and expiry never takes a balance below zero. It is exact for a
member holding one expiring pack at a time; with several packs overlapping,
each counts every later booking as its own, so less expires than a strict
first-in-first-out count would say — the error is in the member's favour.

Refund rule. A refund of part of a line takes back the same share of its
minutes (rounded down; all of them for a full refund), but never more than the
balance holds: minutes already spent are not clawed back, a refund never takes
a balance below zero, and staff settle any rest with an adjustment. Minutes of
a lot already expired are not taken back twice. What the refund withdraws no
longer counts as the lot's for its expiry.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from fablab.billing.fulfilment import Fulfilment
from fablab.billing.models import CreditLot
from fablab.core.locking import lock_rows
from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.services import credit_account_locked, ledger_write

# Net consumption after a purchase: bookings debited, minus what cancellations gave back.
USE_KINDS = (EntryKind.BOOKING_DEBIT, EntryKind.CANCELLATION_REFUND)


def expiry_instant(paid_at, validity_days, tz):
    """The end of the lab's local day `validity_days` after `paid_at` (daylight-saving days included)."""
    if not validity_days:
        return None
    last_day = timezone.localtime(paid_at, tz).date() + dt.timedelta(days=validity_days)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz).astimezone(dt.UTC)


class CreditPackFulfilment(Fulfilment):
    """Order lines of kind `credit_pack`: `details` holds the pack's `minutes` and `validity_days`."""

    def fulfil(self, line, *, by=None):
        order = line.order
        minutes = line.quantity * int(line.details["minutes"])
        entry = ledger_write(
            user=order.buyer,
            lab=order.lab,
            minutes=minutes,
            kind=EntryKind.PURCHASE,
            reference=line,
            author=by,
            memo=f"{order.reference} · {line.quantity} × {line.description}"[:255],
        )
        CreditLot.objects.create(
            order_line=line,
            account=entry.account,
            purchase_entry=entry,
            minutes=minutes,
            purchased_at=order.paid_at,
            expires_at=expiry_instant(order.paid_at, line.details.get("validity_days"), order.lab.tz),
        )

    def refunded(self, line, *, by=None):
        order = line.order
        lot = lock_rows(CreditLot.objects.filter(order_line=line)).first()
        if lot is None:  # never fulfilled: nothing to take back
            return
        if line.refunded_cents >= line.total_incl_tax_cents:
            owed_back = lot.minutes
        else:
            owed_back = lot.minutes * line.refunded_cents // line.total_incl_tax_cents
        withdraw = owed_back - lot.reversed_minutes
        if withdraw <= 0:
            return
        account = credit_account_locked(user=order.buyer, lab=order.lab)
        take = 0 if lot.expiry_processed_at else min(withdraw, max(account.balance_minutes, 0))
        lot.reversed_minutes = owed_back
        lot.save(update_fields=["reversed_minutes"])
        if take:
            ledger_write(
                user=order.buyer,
                lab=order.lab,
                minutes=-take,
                kind=EntryKind.ADJUSTMENT,
                reference=line,
                author=by,
                memo=_memo(order.buyer, gettext_noop("Refund of %(order)s"), order=order.reference),
            )


def credit_packs_expire(now=None) -> int:
    """Write the `expiry` entries of the lots expired by `now`; returns how many lots it closed.

    Idempotent: each lot is closed once (`expiry_processed_at`), under its row
    lock, so two runs at the same time do not expire it twice.
    """
    now = now or timezone.now()
    due = CreditLot.objects.filter(expires_at__lte=now, expiry_processed_at__isnull=True).order_by("expires_at", "pk")
    closed = 0
    for lot_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            lot = (
                lock_rows(CreditLot.objects.filter(pk=lot_id, expiry_processed_at__isnull=True))
                .select_related("account__user", "account__lab", "order_line__order")
                .first()
            )
            if lot is None:  # closed by a concurrent run
                continue
            _expire_lot(lot, now)
            closed += 1
    return closed


def _expire_lot(lot, now):
    account = credit_account_locked(user=lot.account.user, lab=lot.account.lab)
    used = -(
        LedgerEntry.objects.filter(account=account, pk__gt=lot.purchase_entry_id, kind__in=USE_KINDS).aggregate(
            total=Sum("minutes")
        )["total"]
        or 0
    )
    left = lot.minutes - lot.reversed_minutes - max(used, 0)
    expiring = max(0, min(left, account.balance_minutes))
    if expiring:
        ledger_write(
            user=account.user,
            lab=account.lab,
            minutes=-expiring,
            kind=EntryKind.EXPIRY,
            reference=lot.order_line,
            memo=_memo(
                account.user,
                gettext_noop("Expired: %(pack)s (%(order)s)"),
                pack=lot.order_line.description,
                order=lot.order_line.order.reference,
            ),
        )
    lot.expired_minutes = expiring
    lot.expiry_processed_at = now
    lot.save(update_fields=["expired_minutes", "expiry_processed_at"])


def _memo(user, message, **values):
    """A ledger memo, kept forever, in the member's language."""
    with translation.override(user.preferred_language):
        return (_(message) % values)[:255]
