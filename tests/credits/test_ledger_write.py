import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from fablab.core.errors import DomainError
from fablab.core.locking import LockOutsideTransaction, lock_rows
from fablab.credits.models import CreditAccount, EntryKind, LedgerEntry
from fablab.credits.selectors import ledger_sum_minutes
from fablab.credits.services import InsufficientCredits, ledger_write
from tests.concurrency import race
from tests.factories import LabFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(db):
    return LabFactory()


@pytest.fixture
def member(db):
    return UserFactory()


class TestLedgerWrite:
    def test_it_appends_an_entry_and_moves_the_balance(self, lab, member):
        ledger_write(user=member, lab=lab, minutes=120, kind=EntryKind.GRANT, memo="welcome")
        ledger_write(user=member, lab=lab, minutes=-30, kind=EntryKind.ADJUSTMENT)
        account = CreditAccount.objects.get(user=member, lab=lab)
        assert account.balance_minutes == 90
        assert ledger_sum_minutes(account) == 90

    def test_it_refuses_to_go_below_zero_and_writes_nothing(self, lab, member):
        ledger_write(user=member, lab=lab, minutes=30, kind=EntryKind.GRANT)
        with pytest.raises(InsufficientCredits) as error:
            ledger_write(user=member, lab=lab, minutes=-31, kind=EntryKind.ADJUSTMENT)
        assert error.value.code == "insufficient_credits"
        assert LedgerEntry.objects.count() == 1
        assert CreditAccount.objects.get().balance_minutes == 30

    def test_it_allows_the_overdraft_staff_granted(self, lab, member):
        CreditAccount.objects.create(user=member, lab=lab, overdraft_minutes=60)
        ledger_write(user=member, lab=lab, minutes=-60, kind=EntryKind.ADJUSTMENT)
        with pytest.raises(InsufficientCredits):
            ledger_write(user=member, lab=lab, minutes=-1, kind=EntryKind.ADJUSTMENT)
        assert CreditAccount.objects.get().balance_minutes == -60

    def test_balances_are_per_lab(self, lab, member):
        other_lab = LabFactory()
        ledger_write(user=member, lab=lab, minutes=60, kind=EntryKind.GRANT)
        with pytest.raises(InsufficientCredits):
            ledger_write(user=member, lab=other_lab, minutes=-60, kind=EntryKind.ADJUSTMENT)

    @pytest.mark.parametrize("minutes, kind", [(0, EntryKind.GRANT), (1.5, EntryKind.GRANT), (10, "gift")])
    def test_it_refuses_bad_movements(self, lab, member, minutes, kind):
        with pytest.raises(DomainError):
            ledger_write(user=member, lab=lab, minutes=minutes, kind=kind)
        assert LedgerEntry.objects.count() == 0


class TestLedgerIsAppendOnly:
    def test_the_model_refuses_updates_and_deletes(self, lab, member):
        entry = ledger_write(user=member, lab=lab, minutes=60, kind=EntryKind.GRANT)
        entry.minutes = 6000
        with pytest.raises(ValueError):
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()

    def test_the_database_refuses_an_update_behind_the_models_back(self, lab, member):
        ledger_write(user=member, lab=lab, minutes=60, kind=EntryKind.GRANT)
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.update(minutes=6000)
        assert LedgerEntry.objects.get().minutes == 60

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
    def test_postgresql_refuses_a_delete_behind_the_models_back(self, lab, member):
        ledger_write(user=member, lab=lab, minutes=60, kind=EntryKind.GRANT)
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.all().delete()
        assert LedgerEntry.objects.count() == 1

    def test_the_database_refuses_a_balance_below_the_overdraft(self, lab, member):
        ledger_write(user=member, lab=lab, minutes=60, kind=EntryKind.GRANT)
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditAccount.objects.update(balance_minutes=-1)


@pytest.mark.django_db(transaction=True)
class TestLocking:
    def test_lock_rows_refuses_to_run_outside_a_transaction(self):
        with pytest.raises(LockOutsideTransaction):
            lock_rows(CreditAccount.objects.all())


@pytest.mark.django_db(transaction=True)
class TestConcurrentDebits:
    def test_twenty_concurrent_debits_spend_exactly_what_there_is(self):
        lab, member = LabFactory(), UserFactory()
        ledger_write(user=member, lab=lab, minutes=100, kind=EntryKind.GRANT)

        def debit():
            return ledger_write(user=member, lab=lab, minutes=-10, kind=EntryKind.ADJUSTMENT)

        results = race([debit] * 20)

        assert sum(isinstance(result, LedgerEntry) for result in results) == 10
        assert sum(isinstance(result, InsufficientCredits) for result in results) == 10
        account = CreditAccount.objects.get()
        assert account.balance_minutes == 0
        assert ledger_sum_minutes(account) == 0

    def test_concurrent_first_movements_create_one_account(self):
        lab, member = LabFactory(), UserFactory()

        def grant():
            return ledger_write(user=member, lab=lab, minutes=10, kind=EntryKind.GRANT)

        results = race([grant] * 12)

        assert all(isinstance(result, LedgerEntry) for result in results), results
        account = CreditAccount.objects.get()
        assert account.balance_minutes == 120 == ledger_sum_minutes(account)
