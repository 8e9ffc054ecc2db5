"""Writes on machines: status changes and maintenance windows.

Taking a machine out of service must cancel the bookings it affects, but
bookings sit above machines in the layers: this module announces the change
with `machine_withdrawn`, inside its transaction, and the bookings app answers.
"""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from fablab.audit.services import audit_record
from fablab.core.errors import DomainError
from fablab.core.locking import lock_rows
from machines.models import Machine, MachineStatus, MaintenanceWindow, Qualification

# Sent inside the transaction with machine, start, end (None: open-ended), reason, by.
machine_withdrawn = Signal()


class MachineError(DomainError):
    default_code = "machine_invalid"


def machine_locked(machine):
    """The machine (or machine id) row, locked until the transaction ends: it orders every change of its calendar."""
    return lock_rows(Machine.objects.select_related("lab").filter(pk=getattr(machine, "pk", machine))).get()


def machine_set_status(*, machine, status, by, reason=""):
    """Change the status; leaving "available" cancels every future booking, refunded in full."""
    if status not in MachineStatus.values:
        raise MachineError(_("Unknown machine status."), field="status")
    with transaction.atomic():
        machine = machine_locked(machine)
        if machine.status == status:
            return machine
        changes = {"from": machine.status, "to": status}
        machine.status = status
        machine.save(update_fields=["status"])
        audit_record(
            actor=by,
            action="machine.status_changed",
            target=machine,
            lab=machine.lab_id,
            changes=changes,
            summary=reason,
        )
        if status != MachineStatus.AVAILABLE:
            machine_withdrawn.send(
                sender=Machine, machine=machine, start=timezone.now(), end=None, reason=reason, by=by
            )
    return machine


def maintenance_schedule(*, machine, start, end, by, reason=""):
    """Block the machine from `start` to `end`; bookings in that time are cancelled and refunded."""
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        raise MachineError(_("Give a start and an end with their time zone."), code="naive_time")
    if end <= start:
        raise MachineError(_("The end must be after the start."), code="end_before_start", field="end")
    with transaction.atomic():
        machine = machine_locked(machine)
        window = MaintenanceWindow.objects.create(machine=machine, start=start, end=end, reason=reason, created_by=by)
        audit_record(
            actor=by,
            action="machine.maintenance_scheduled",
            target=machine,
            lab=machine.lab_id,
            changes={"start": start, "end": end},
            summary=reason,
        )
        machine_withdrawn.send(sender=Machine, machine=machine, start=start, end=end, reason=reason, by=by)
    return window


def qualification_grant(*, user, machine, by=None, expires_at=None, reason=""):
    """Give `user` the right to use `machine` (from a training, or by hand by staff).

    Granting again while a live qualification exists renews it: the old one is
    closed and a new one starts now, so the history keeps who granted what when.
    """
    now = timezone.now()
    with transaction.atomic():
        live = lock_rows(Qualification.objects.filter(user=user, machine=machine, revoked_at__isnull=True))
        for qualification in live:
            qualification.revoked_at = now
            qualification.reason = (qualification.reason + " " + _("Renewed.")).strip()
            qualification.save(update_fields=["revoked_at", "reason"])
        qualification = Qualification.objects.create(
            user=user, machine=machine, granted_by=by, granted_at=now, expires_at=expires_at, reason=reason
        )
        audit_record(
            actor=by,
            action="qualification.granted",
            target=qualification,
            lab=machine.lab_id,
            changes={"expires_at": expires_at} if expires_at else None,
            summary=reason,
        )
    return qualification


def qualification_revoke(*, qualification, by, reason):
    """Staff withdraw a qualification; the reason is kept."""
    if not reason.strip():
        raise MachineError(_("Say why the qualification is withdrawn."), code="reason_required", field="reason")
    with transaction.atomic():
        qualification = lock_rows(Qualification.objects.select_related("machine").filter(pk=qualification.pk)).get()
        if qualification.revoked_at is not None:
            raise MachineError(_("This qualification is already withdrawn."), code="already_revoked")
        qualification.revoked_at = timezone.now()
        qualification.reason = reason.strip()
        qualification.save(update_fields=["revoked_at", "reason"])
        audit_record(
            # Only the lapse job withdraws without a person (training/lapse.py).
            actor=by,
            action="qualification.revoked" if by else "qualification.lapsed",
            target=qualification,
            lab=qualification.machine.lab_id,
            summary=qualification.reason,
        )
    return qualification
