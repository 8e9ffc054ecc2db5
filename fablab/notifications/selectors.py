"""Reads: which optional messages a member receives."""

from fablab.notifications.kinds import optional_kinds
from fablab.notifications.models import NotificationOptOut


def opted_out_kinds(user) -> set[str]:
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


def is_opted_out(user, kind_code) -> bool:
    return NotificationOptOut.objects.filter(user=user, kind=kind_code).exists()


def preferences_for_personal_data(user):
    """GDPR export: each optional kind and whether the member receives it."""
    off = opted_out_kinds(user)
    return [
        {"kind": item.code, "label": str(item.label), "receive": item.code not in off} for item in optional_kinds(user)
    ]
