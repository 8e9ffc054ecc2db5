"""Writes on time credits. Every movement goes through `ledger_write`."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.audit.services import audit_record
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.core.locking import lock_rows
from fablab.credits.models import Contribution, ContributionStatus, CreditAccount, EntryKind, LedgerEntry
from fablab.credits.notifications import notify_contribution_reviewed
from fablab.labs.permissions import Action, user_can


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


def contribution_log(*, member, lab, day, minutes, description):
    """A member declares time given to the lab; it is credited once staff approve it."""
    _check_contribution(day, minutes, description)
    return Contribution.objects.create(member=member, lab=lab, day=day, minutes=minutes, description=description)


def contribution_record(*, member, lab, day, minutes, description, by):
    """Staff log a contribution themselves: approved and credited at once."""
    require_credit_manager(by, lab)
    _check_contribution(day, minutes, description)
    with transaction.atomic():
        contribution = Contribution.objects.create(
            member=member, lab=lab, day=day, minutes=minutes, description=description
        )
        return contribution_approve(contribution=contribution, by=by)


def contribution_approve(*, contribution, by):
    """Approve a pending contribution and credit its minutes, once."""
    require_credit_manager(by, contribution.lab_id)
    with transaction.atomic():
        contribution = lock_rows(Contribution.objects.select_related("lab", "member").filter(pk=contribution.pk)).get()
        if contribution.status != ContributionStatus.PENDING:
            raise ConflictError(_("This contribution was already reviewed."), code="already_reviewed")
        contribution.status = ContributionStatus.APPROVED
        contribution.reviewed_by = by
        contribution.reviewed_at = timezone.now()
        contribution.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        ledger_write(
            user=contribution.member,
            lab=contribution.lab,
            minutes=contribution.minutes,
            kind=EntryKind.CONTRIBUTION,
            reference=contribution,
            author=by,
            memo=contribution.description[:255],
        )
        audit_record(
            actor=by,
            action="contribution.approved",
            target=contribution,
            lab=contribution.lab_id,
            changes={"minutes": contribution.minutes},
        )
        notify_contribution_reviewed(contribution)
    return contribution


def contribution_refuse(*, contribution, by, reason):
    require_credit_manager(by, contribution.lab_id)
    if not reason.strip():
        raise CreditError(_("Say why the contribution is refused."), code="reason_required", field="reason")
    with transaction.atomic():
        contribution = lock_rows(Contribution.objects.select_related("lab", "member").filter(pk=contribution.pk)).get()
        if contribution.status != ContributionStatus.PENDING:
            raise ConflictError(_("This contribution was already reviewed."), code="already_reviewed")
        contribution.status = ContributionStatus.REFUSED
        contribution.reviewed_by = by
        contribution.reviewed_at = timezone.now()
        contribution.refusal_reason = reason.strip()
        contribution.save(update_fields=["status", "reviewed_by", "reviewed_at", "refusal_reason"])
        audit_record(actor=by, action="contribution.refused", target=contribution, lab=contribution.lab_id)
        notify_contribution_reviewed(contribution)
    return contribution


def credits_adjust(*, member, lab, minutes, memo, by):
    """Staff correct a balance (a grant when positive). The memo says why; it is kept forever."""
    require_credit_manager(by, lab)
    if not memo.strip():
        raise CreditError(
            _("Write a memo: it explains the adjustment to the member and the accountant."),
            code="memo_required",
            field="memo",
        )
    kind = EntryKind.GRANT if minutes > 0 else EntryKind.ADJUSTMENT
    with transaction.atomic():
        entry = ledger_write(user=member, lab=lab, minutes=minutes, kind=kind, author=by, memo=memo.strip())
        action = "credits.granted" if minutes > 0 else "credits.adjusted"
        audit_record(actor=by, action=action, target=entry.account, lab=lab, changes={"minutes": minutes})
    return entry


def credits_set_overdraft(*, member, lab, minutes, by):
    """Allow a member's balance to go `minutes` below zero in this lab (0 to forbid it again)."""
    require_credit_manager(by, lab)
    if not isinstance(minutes, int) or minutes < 0:
        raise CreditError(_("The overdraft is a number of minutes, zero or more."), field="minutes")
    with transaction.atomic():
        account = credit_account_locked(user=member, lab=lab)
        if account.balance_minutes < -minutes:
            raise CreditError(_("The balance is already below this overdraft."), code="below_overdraft")
        changes = {"from": account.overdraft_minutes, "to": minutes}
        account.overdraft_minutes = minutes
        account.save(update_fields=["overdraft_minutes", "updated_at"])
        audit_record(actor=by, action="credits.overdraft_set", target=account, lab=lab, changes=changes)
    return account


def require_credit_manager(user, lab):
    if not user_can(user, Action.MANAGE_CREDITS, lab):
        raise NotAllowedError(_("Only the lab's staff can do this."))


def _check_contribution(day, minutes, description):
    if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
        raise CreditError(_("Give between 1 minute and 24 hours."), code="bad_minutes", field="minutes")
    if day > timezone.localdate():
        raise CreditError(_("A contribution cannot be in the future."), code="future_day", field="day")
    if not description.strip():
        raise CreditError(_("Say what you did."), code="description_required", field="description")
