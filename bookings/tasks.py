"""Background work of bookings, run by `manage.py run_periodic_jobs` (or a task worker)."""

import datetime as dt

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.notifications import notify_booking_reminder
from bookings.services import bookings_release_no_shows
from bookings.waitlist import waitlist_expire_offers


def release_no_shows():
    return f"{len(bookings_release_no_shows())} booking(s) released"


def expire_waitlist_offers():
    return f"{waitlist_expire_offers()} offer(s) expired"


# The reminder goes out once the booking is less than this far away.
REMINDER_AHEAD = dt.timedelta(hours=24)


def bookings_send_reminders(*, now=None) -> int:
    """Remind members of their confirmed bookings of the next 24 hours. Idempotent.

    A booking made less than a day ahead gets no reminder: its confirmation is
    fresh. The sent-log of `fablab.notifications` keeps a second run (or a
    concurrent one) from sending the same reminder twice.
    """
    now = now or timezone.now()
    due = (
        Booking.objects.filter(
            kind=BookingKind.MEMBER,
            status=BookingStatus.CONFIRMED,
            start__gt=now,
            start__lte=now + REMINDER_AHEAD,
        )
        .select_related("machine__lab", "member")
        .order_by("start", "pk")
    )
    sent = 0
    for booking in due:
        if booking.created_at > booking.start - REMINDER_AHEAD:
            continue
        with transaction.atomic():
            sent += notify_booking_reminder(booking)
    return sent


def send_booking_reminders():
    return f"{bookings_send_reminders()} reminder(s) sent"


@task()
def send_booking_reminders_task():
    return send_booking_reminders()


@task()
def release_no_shows_task():
    return release_no_shows()


@task()
def expire_waitlist_offers_task():
    return expire_waitlist_offers()
