from django.db.models import Q, Sum

from fablab.credits.models import Contribution, CreditAccount, LedgerEntry
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where


def balance_minutes(*, user, lab):
    return CreditAccount.objects.filter(user=user, lab=lab).values_list("balance_minutes", flat=True).first() or 0


def balances_for_user(user):
    """The member's accounts with their lab, one query."""
    return CreditAccount.objects.filter(user=user).select_related("lab").order_by("lab__name")


def entries_for_user(user, lab=None):
    entries = LedgerEntry.objects.filter(account__user=user).select_related("account__lab", "author", "reference_type")
    if lab is not None:
        entries = entries.filter(account__lab=lab)
    return entries


def ledger_sum_minutes(account):
    """The balance recomputed from the entries (what `balance_minutes` must always equal)."""
    return LedgerEntry.objects.filter(account=account).aggregate(total=Sum("minutes"))["total"] or 0


def contributions_visible_to(user):
    """A member's own contributions, and all those of the labs where the user manages credits."""
    managed = labs_where(user, Action.MANAGE_CREDITS, Lab.objects.all())
    return (
        Contribution.objects.filter(Q(member=user) | Q(lab__in=managed))
        .select_related("lab", "member")
        .order_by("-day", "-id")
    )
