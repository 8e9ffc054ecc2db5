"""Writes on time credits. Every movement goes through `ledger_write`."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fablab.core.errors import DomainError
from fablab.core.locking import lock_rows
from fablab.credits.models import CreditAccount, EntryKind, LedgerEntry


class CreditError(DomainError):
    default_code = "credits_invalid"


class InsufficientCredits(CreditError):
    default_code = "insufficient_credits"


def credit_account_locked(*, user, lab):
    """The member's account in `lab`, created if needed and locked until the transaction ends."""
    account, _created = CreditAccount.objects.get_or_create(user=user, lab=lab)
    return lock_rows(CreditAccount.objects.filter(pk=account.pk)).get()


def ledger_write(*, user, lab, minutes, kind, reference=None, author=None, memo=""):
    """Append one entry and move the balance with it, atomically.

    A debit that would take the balance below the allowed overdraft raises
    `InsufficientCredits`; the account row is locked first so that two
    concurrent debits are applied one after the other, never both on the
    same old balance.
    """
    if not isinstance(minutes, int) or minutes == 0:
        raise CreditError(_("A credit movement needs a non-zero whole number of minutes."), field="minutes")
    if kind not in EntryKind.values:
        raise CreditError(_("Unknown kind of credit movement."), field="kind")
    with transaction.atomic():
        account = credit_account_locked(user=user, lab=lab)
        new_balance = account.balance_minutes + minutes
        if minutes < 0 and new_balance < -account.overdraft_minutes:
            raise InsufficientCredits(
                _("Not enough credits: %(needed)s min needed, %(available)s min available.")
                % {"needed": -minutes, "available": max(account.balance_minutes + account.overdraft_minutes, 0)}
            )
        entry = LedgerEntry.objects.create(
            account=account,
            minutes=minutes,
            kind=kind,
            reference_type=ContentType.objects.get_for_model(reference) if reference is not None else None,
            reference_id=reference.pk if reference is not None else None,
            author=author,
            memo=memo,
        )
        account.balance_minutes = new_balance
        try:
            with transaction.atomic():
                account.save(update_fields=["balance_minutes", "updated_at"])
        except IntegrityError as error:  # the check constraint: the database's last word
            raise InsufficientCredits(_("Not enough credits.")) from error
    return entry
