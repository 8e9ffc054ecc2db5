from django.db.models import Sum

from fablab.credits.models import CreditAccount, LedgerEntry


def balance_minutes(*, user, lab):
    return (
        CreditAccount.objects.filter(user=user, lab=lab).values_list("balance_minutes", flat=True).first() or 0
    )


def balances_for_user(user):
    """The member's accounts with their lab, one query."""
    return CreditAccount.objects.filter(user=user).select_related("lab").order_by("lab__name")


def entries_for_user(user, lab=None):
    entries = LedgerEntry.objects.filter(account__user=user).select_related(
        "account__lab", "author", "reference_type"
    )
    if lab is not None:
        entries = entries.filter(account__lab=lab)
    return entries


def ledger_sum_minutes(account):
    """The balance recomputed from the entries (what `balance_minutes` must always equal)."""
    return LedgerEntry.objects.filter(account=account).aggregate(total=Sum("minutes"))["total"] or 0
