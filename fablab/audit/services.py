"""The one writer of the audit log (pretix style: services call it inside their transaction)."""

from django.contrib.contenttypes.models import ContentType

from fablab.audit.actions import ACTION_LABELS
from fablab.audit.models import AuditEntry


def audit_record(*, actor, action, target, lab, changes=None, summary=""):
    """Append who (`actor`, None for the system) did `action` to `target` in `lab`.

    Call it inside the transaction of the change, so that both commit or neither.
    `changes` is a small JSON object of the values that changed (ids, minutes,
    statuses; no names or emails: see the model's docstring).
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"Unknown audit action {action!r}: add it to fablab/audit/actions.py.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        lab_id=getattr(lab, "pk", lab),
        changes=changes or {},
        summary=str(summary)[:255],
    )
