"""Qualifications lapse when their machine goes unused: a lab setting, with a reminder first.

A lab that sets `qualification_lapse_months` (N) withdraws a qualification
whose member has not booked its machine for N months. The clock starts at the
qualification's last activity: the latest of when it was granted and the start
of the member's last confirmed or checked-in booking of that machine (a booking
still to come counts: its holder keeps the qualification). The member is
reminded `qualification_reminder_days` before, once per period of inactivity
(`QualificationReminder`), and told when it lapses.

`qualifications_lapse` is a periodic job (training/apps.py): idempotent, it
sends no reminder twice and revokes nothing twice, through
`machines.services.qualification_revoke`.
"""

import dataclasses
import datetime as dt

from django.db import transaction
from django.db.models import DateTimeField, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import ngettext

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.core.locking import lock_rows
from fablab.labs.models import Lab
from fablab.notifications.services import notify
from machines.models import Qualification
from machines.services import MachineError, machine_locked, qualification_revoke
from training.models import QualificationReminder
from training.quotes import add_months

# Bookings that show the member uses the machine (a no-show or a cancellation does not).
ACTIVITY_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


@dataclasses.dataclass
class LapseRun:
    """What one run did: the ids of the qualifications reminded and of those withdrawn."""

    reminded: list = dataclasses.field(default_factory=list)
    lapsed: list = dataclasses.field(default_factory=list)

    def __str__(self):
        return f"{len(self.reminded)} reminder(s) sent, {len(self.lapsed)} qualification(s) lapsed"


def _activity_bookings(user_id, machine_id):
    """The member's bookings of the machine that count as activity, latest first."""
    return Booking.objects.filter(
        member_id=user_id, machine_id=machine_id, kind=BookingKind.MEMBER, status__in=ACTIVITY_STATUSES
    ).order_by("-start")


def qualifications_watched(now):
    """Live qualifications of the machines of labs that let them lapse, in one query.

    Each carries `last_booking_start` (a correlated subquery on the
    bookings' (member, start) index, not one query per qualification) and
    `reminder_sent_at`, with its machine, lab and member joined in.
    """
    last_booking = _activity_bookings(OuterRef("user_id"), OuterRef("machine_id")).values("start")[:1]
    return (
        Qualification.objects.filter(revoked_at__isnull=True, machine__lab__qualification_lapse_months__isnull=False)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .annotate(
            last_booking_start=Subquery(last_booking, output_field=DateTimeField()),
            reminder_sent_at=F("lapse_reminder__sent_at"),
        )
        .select_related("user", "machine__lab")
        .order_by("pk")
    )


def last_activity(qualification, last_booking_start):
    return max(qualification.granted_at, last_booking_start or qualification.granted_at)


def lapse_date(qualification, activity):
    """When the qualification lapses: N months after its last activity, on the lab's calendar."""
    lab = qualification.machine.lab
    local = timezone.localtime(activity, lab.tz)
    day = add_months(local.date(), lab.qualification_lapse_months)
    return dt.datetime.combine(day, local.time(), tzinfo=lab.tz)


def _lapses(qualification, lapses_at):
    """False when the qualification expires before it could lapse: there is nothing to warn about."""
    return qualification.expires_at is None or qualification.expires_at > lapses_at


def qualifications_lapse(*, now=None) -> LapseRun:
    """Remind the members whose qualification is about to lapse, withdraw the lapsed ones. Idempotent."""
    now = now or timezone.now()
    run = LapseRun()
    for qualification in qualifications_watched(now):
        activity = last_activity(qualification, qualification.last_booking_start)
        lapses_at = lapse_date(qualification, activity)
        if not _lapses(qualification, lapses_at):
            continue
        if lapses_at <= now:
            if _lapse(qualification, now=now):
                run.lapsed.append(qualification.pk)
            continue
        lab = qualification.machine.lab
        remind_from = lapses_at - dt.timedelta(days=lab.qualification_reminder_days)
        in_window = lab.qualification_reminder_days > 0 and remind_from <= now
        already_told = qualification.reminder_sent_at is not None and qualification.reminder_sent_at >= activity
        if in_window and not already_told and _remind(qualification, activity=activity, lapses_at=lapses_at, now=now):
            run.reminded.append(qualification.pk)
    return run


def _context(qualification, **extra):
    machine = qualification.machine
    return {"qualification": qualification, "machine": machine, "lab": machine.lab, **extra}


def _remind(qualification, *, activity, lapses_at, now):
    with transaction.atomic():
        # The qualification row serialises two runs of the job: the second sees the first's reminder.
        live = lock_rows(Qualification.objects.filter(pk=qualification.pk, revoked_at__isnull=True)).first()
        if live is None:
            return False
        if QualificationReminder.objects.filter(qualification=live, sent_at__gte=activity).exists():
            return False
        QualificationReminder.objects.update_or_create(qualification=live, defaults={"sent_at": now})
        notify(
            qualification.user,
            "qualification_lapse_reminder",
            "training/email/qualification_reminder",
            _context(qualification, lapses_at=lapses_at, months=qualification.machine.lab.qualification_lapse_months),
        )
    return True


def _lapse(qualification, *, now):
    machine = qualification.machine
    months = machine.lab.qualification_lapse_months
    with transaction.atomic():
        # The machine row orders its bookings (booking_create locks it too): a booking made while we
        # decide is either seen below or made after the qualification is gone, and refused.
        machine_locked(machine)
        last_start = (
            _activity_bookings(qualification.user_id, qualification.machine_id).values_list("start", flat=True).first()
        )
        if lapse_date(qualification, last_activity(qualification, last_start)) > now:
            return False
        reason = ngettext(
            "Lapsed: the machine was not booked for %(months)s month.",
            "Lapsed: the machine was not booked for %(months)s months.",
            months,
        ) % {"months": months}
        try:
            qualification_revoke(qualification=qualification, by=None, reason=reason)
        except MachineError:  # withdrawn meanwhile, by staff or another run
            return False
        notify(
            qualification.user,
            "qualification_lapsed",
            "training/email/qualification_lapsed",
            _context(qualification, months=months),
        )
    return True


def qualifications_expiry_remind(*, now=None) -> int:
    """Tell members whose qualification reaches its expiry date soon. Idempotent.

    The notice comes the lab's `qualification_reminder_days` before the date
    (the same setting as the lapse reminder: one "warn me this long before"
    per lab), once per expiry date: the sent-log of `fablab.notifications`
    keeps a second run from sending it again, and a renewed qualification
    (a new date) is announced again.
    """
    now = now or timezone.now()
    longest = Lab.objects.aggregate(days=Max("qualification_reminder_days"))["days"] or 0
    expiring = (
        Qualification.objects.filter(
            revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=longest)
        )
        .select_related("user", "machine__lab")
        .order_by("expires_at", "pk")
    )
    sent = 0
    for qualification in expiring:
        days = qualification.machine.lab.qualification_reminder_days
        if not days or qualification.expires_at - dt.timedelta(days=days) > now:
            continue
        with transaction.atomic():
            sent += notify(
                qualification.user,
                "qualification_expiring",
                "training/email/qualification_expiring",
                _context(qualification),
                once_key=f"qualification:{qualification.pk}:{qualification.expires_at.isoformat()}",
            )
    return sent
