"""Reads of the audit log: one query per history, whatever its length."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from fablab.audit.models import AuditEntry

HISTORY_LIMIT = 50


def audit_history(*targets, extra=None, limit=HISTORY_LIMIT):
    """The latest entries about any of `targets` (model instances), newest first, actors joined.

    `extra` is an optional Q added with OR (for instance a member's contributions
    next to their credit account). Content types come from Django's cache.
    """
    condition = Q(pk__in=[])
    for target in targets:
        if target is None or target.pk is None:
            continue
        condition |= Q(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
    if extra is not None:
        condition |= extra
    return list(AuditEntry.objects.filter(condition).select_related("actor").order_by("-at", "-id")[:limit])


def audit_target_q(model, ids):
    """Q matching entries about the rows of `model` whose pk is in `ids` (a list or a subquery)."""
    return Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
