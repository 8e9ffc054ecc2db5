import datetime as dt
import zoneinfo

import pytest
import time_machine

from fablab.billing.credit_packs import credit_packs_expire, expiry_instant
from fablab.billing.models import CreditLot
from fablab.billing.refunds import order_refund_record
from fablab.core.periodic import jobs
from fablab.credits.models import CreditAccount, EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes, ledger_sum_minutes
from fablab.credits.services import credits_adjust, ledger_write
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk
from tests.concurrency import race

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def bought(world, *, minutes=600, validity_days=30, quantity=1):
    pack = CreditPackFactory(lab=world.lab, minutes=minutes, validity_days=validity_days)
    order = pay_at_desk(order_for(world.member, pack, quantity=quantity), world.staff)
    return CreditLot.objects.get(order_line__order=order)


def after_expiry(lot):
    return lot.expires_at + dt.timedelta(seconds=1)


def balance(world):
    return balance_minutes(user=world.member, lab=world.lab)


def expiries():
    return list(LedgerEntry.objects.filter(kind=EntryKind.EXPIRY).values_list("minutes", flat=True))


class TestExpiryInstant:
    def test_credits_last_until_the_end_of_the_labs_local_day(self):
        # Paid at 23:30 UTC on 30 January: already 31 January in Paris, so valid through 2 February, local.
        paid = dt.datetime(2026, 1, 30, 23, 30, tzinfo=dt.UTC)
        assert expiry_instant(paid, 2, PARIS) == dt.datetime(2026, 2, 3, 0, 0, tzinfo=PARIS)

    def test_the_end_of_a_day_after_a_clock_change_is_local_midnight(self):
        paid = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)  # summer time starts on 29 March
        assert expiry_instant(paid, 10, PARIS) == dt.datetime(2026, 3, 30, 22, 0, tzinfo=dt.UTC)

    def test_no_validity_means_no_expiry(self):
        assert expiry_instant(dt.datetime(2026, 3, 20, tzinfo=dt.UTC), None, PARIS) is None


class TestCreditPacksExpire:
    def test_unspent_minutes_expire_once_the_pack_is_over(self, world):
        lot = bought(world)
        assert lot.expires_at == expiry_instant(lot.purchased_at, 30, world.lab.tz)
        assert credit_packs_expire(now=lot.expires_at - dt.timedelta(seconds=1)) == 0
        assert balance(world) == 600
        assert credit_packs_expire(now=after_expiry(lot)) == 1
        assert balance(world) == 0
        entry = LedgerEntry.objects.get(kind=EntryKind.EXPIRY)
        assert (entry.minutes, entry.reference) == (-600, lot.order_line)
        lot.refresh_from_db()
        assert (lot.expired_minutes, lot.expiry_processed_at) == (600, after_expiry(lot))

    def test_running_it_again_changes_nothing(self, world):
        lot = bought(world)
        credit_packs_expire(now=after_expiry(lot))
        assert credit_packs_expire(now=after_expiry(lot) + dt.timedelta(days=1)) == 0
        assert expiries() == [-600]

    def test_minutes_booked_after_the_purchase_are_taken_from_the_pack(self, world):
        ledger_write(user=world.member, lab=world.lab, minutes=300, kind=EntryKind.CONTRIBUTION)
        lot = bought(world)
        ledger_write(user=world.member, lab=world.lab, minutes=-240, kind=EntryKind.BOOKING_DEBIT)
        ledger_write(user=world.member, lab=world.lab, minutes=-120, kind=EntryKind.BOOKING_DEBIT)
        ledger_write(user=world.member, lab=world.lab, minutes=120, kind=EntryKind.CANCELLATION_REFUND)
        credit_packs_expire(now=after_expiry(lot))
        assert expiries() == [-360]  # 600 bought − 240 used; the contribution is kept
        assert balance(world) == 300

    def test_expiry_never_takes_the_balance_below_zero(self, world):
        lot = bought(world)
        credits_adjust(member=world.member, lab=world.lab, minutes=-500, memo="Correction", by=world.staff)
        credit_packs_expire(now=after_expiry(lot))
        assert expiries() == [-100]
        assert balance(world) == 0

    def test_a_pack_used_up_expires_nothing(self, world):
        lot = bought(world)
        ledger_write(user=world.member, lab=world.lab, minutes=-600, kind=EntryKind.BOOKING_DEBIT)
        assert credit_packs_expire(now=after_expiry(lot)) == 1  # the lot is closed, with nothing to expire
        assert expiries() == []
        lot.refresh_from_db()
        assert lot.expired_minutes == 0 and lot.expiry_processed_at is not None

    def test_minutes_taken_back_by_a_refund_do_not_expire_twice(self, world):
        lot = bought(world, quantity=2)  # 1200 minutes for 200.00 €
        order = lot.order_line.order
        order_refund_record(order=order, amount_cents=10_000, method="cash", by=world.staff)
        assert balance(world) == 600
        credit_packs_expire(now=after_expiry(lot))
        assert expiries() == [-600]
        assert balance(world) == 0

    def test_packs_without_validity_never_expire(self, world):
        lot = bought(world, validity_days=None)
        assert lot.expires_at is None
        assert credit_packs_expire(now=lot.purchased_at + dt.timedelta(days=3650)) == 0
        assert balance(world) == 600

    def test_several_lots_expire_in_order(self, world):
        with time_machine.travel(dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)):
            first = bought(world, minutes=60, validity_days=10)
        with time_machine.travel(dt.datetime(2026, 1, 6, 10, tzinfo=dt.UTC)):
            second = bought(world, minutes=120, validity_days=10)
        assert credit_packs_expire(now=after_expiry(second)) == 2
        assert sorted(expiries()) == [-120, -60]
        account = CreditAccount.objects.get(user=world.member, lab=world.lab)
        assert account.balance_minutes == ledger_sum_minutes(account) == 0
        assert first.expires_at < second.expires_at

    def test_it_is_a_registered_periodic_job(self, world):
        bought(world)
        assert jobs()["billing.expire_credit_packs"]() == "0 credit lot(s) expired"


@pytest.mark.django_db(transaction=True)
class TestConcurrentRuns:
    def test_two_runs_at_once_expire_each_lot_once(self, world):
        lots = [bought(world, minutes=60) for _ in range(3)]
        now = max(after_expiry(lot) for lot in lots)

        results = race([lambda: credit_packs_expire(now=now)] * 4)

        assert sum(results) == 3, results
        assert sorted(expiries()) == [-60, -60, -60]
        assert balance(world) == 0
