"""The day-before reminder of a training seat, run by `manage.py run_periodic_jobs` (or a task worker)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from training.models import Enrollment, EnrollmentStatus, SessionStatus
from training.notifications import notify_session_reminder

# The reminder goes out once the session is less than this far away, as for bookings.
REMINDER_AHEAD = dt.timedelta(hours=24)


def enrollments_send_reminders(*, now=None) -> int:
    """Remind members with a confirmed seat of their sessions of the next 24 hours. Idempotent.

    A seat taken less than a day ahead gets no reminder: its confirmation is
    fresh. The sent-log of `fablab.notifications` keeps a second run (or a
    concurrent one) from sending the same reminder twice; a session moved to
    another day is reminded again.
    """
    now = now or timezone.now()
    due = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.CONFIRMED,
            session__status=SessionStatus.SCHEDULED,
            session__start__gt=now,
            session__start__lte=now + REMINDER_AHEAD,
        )
        .select_related("session__course", "session__lab", "member")
        .order_by("session__start", "pk")
    )
    sent = 0
    for enrollment in due:
        if enrollment.created_at > enrollment.session.start - REMINDER_AHEAD:
            continue
        with transaction.atomic():
            sent += notify_session_reminder(enrollment)
    return sent
