"""Writes on bookings: create, cancel. The HTML views, the API and the admin call these."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules
from bookings.models import ACTIVE_STATUSES, Booking, BookingKind, BookingStatus
from bookings.notifications import notify_booking_cancelled, notify_booking_confirmed
from bookings.rules import BookingError, SlotTaken
from fablab.core.errors import ConflictError
from fablab.core.locking import lock_rows
from fablab.credits.models import EntryKind
from fablab.credits.services import ledger_write
from fablab.labs.permissions import Action, user_can
from machines.models import Machine



def booking_create(*, member, machine, start, end, by=None, note=""):
    """Book `machine` for `member` from `start` to `end` and debit the credits, atomically.

    Raises `BookingError` when a rule refuses, `SlotTaken` (409) when the time
    is held by another booking. On PostgreSQL the exclusion constraint
    `bookings_no_overlap` is the last word; on SQLite the transaction holds the
    database's write lock from its first statement, so the check below cannot
    be raced.
    """
    by = by or member
    by_staff = by != member and user_can(by, Action.MANAGE_BOOKINGS, machine.lab_id)
    rules.check_times(start, end)
    now = timezone.now()
    with transaction.atomic():
        # The machine row is the lock that orders bookings on one machine (quota, overlap).
        machine = lock_rows(Machine.objects.select_related("lab").filter(pk=machine.pk)).get()
        blocked_until = end + dt.timedelta(minutes=machine.buffer_minutes)
        rules.check_machine_bookable(machine)
        rules.check_window(machine, start, now, by_staff=by_staff)
        duration = rules.check_grid_and_length(machine, start, end)
        rules.check_opening_hours(machine, start, end)
        rules.check_no_maintenance(machine, start, blocked_until)
        rules.check_qualification(machine, member, start)
        rules.check_weekly_quota(machine, member, start, duration)
        rules.check_slot_free(machine, start, blocked_until)
        credits = machine.credits_for(duration)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    machine=machine,
                    member=member,
                    kind=BookingKind.MEMBER,
                    start=start,
                    end=end,
                    blocked_until=blocked_until,
                    credits_minutes=credits,
                    created_by=by,
                    note=note,
                )
        except IntegrityError as error:  # bookings_no_overlap, raced past the check
            raise SlotTaken(_("This slot is no longer free. Pick another time.")) from error
        if credits:
            ledger_write(
                user=member,
                lab=machine.lab,
                minutes=-credits,
                kind=EntryKind.BOOKING_DEBIT,
                reference=booking,
                author=by,
                memo=f"{machine.name} {start.astimezone(machine.lab.tz):%Y-%m-%d %H:%M}",
            )
        notify_booking_confirmed(booking)
    return booking


def refund_for_cancellation(booking, *, by_staff, now):
    """Credit minutes given back: all before the deadline or by staff, else the lab's policy."""
    if by_staff:
        return booking.credits_minutes
    deadline = booking.start - dt.timedelta(hours=booking.machine.cancellation_deadline_hours)
    if now <= deadline:
        return booking.credits_minutes
    return booking.credits_minutes * booking.machine.lab.late_cancellation_refund_percent // 100


def booking_cancel(*, booking, by, full_refund=False, reason=""):
    """Cancel an active booking and refund per policy. Staff cancellations refund in full."""
    now = timezone.now()
    with transaction.atomic():
        booking = lock_rows(
            Booking.objects.select_related("machine__lab", "member").filter(pk=booking.pk)
        ).get()
        by_staff = full_refund or user_can(by, Action.MANAGE_BOOKINGS, booking.machine.lab_id)
        if not booking.is_active:
            raise ConflictError(_("This booking is already cancelled or over."), code="not_active")
        if booking.start <= now and not by_staff:
            raise BookingError(_("This booking has already started; ask the lab's staff."), code="started")
        refund = refund_for_cancellation(booking, by_staff=by_staff, now=now)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.refunded_minutes = refund
        booking.sequence += 1
        booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "refunded_minutes", "sequence"])
        if refund and booking.member_id:
            ledger_write(
                user=booking.member,
                lab=booking.machine.lab,
                minutes=refund,
                kind=EntryKind.CANCELLATION_REFUND,
                reference=booking,
                author=by,
                memo=f"{booking.machine.name} {booking.start.astimezone(booking.machine.lab.tz):%Y-%m-%d %H:%M}",
            )
        notify_booking_cancelled(booking, reason=reason)
    return booking


def bookings_cancel_for_withdrawn_machine(*, machine, start, end, reason, by):
    """Cancel and fully refund the future bookings a maintenance or an outage hits."""
    now = timezone.now()
    affected = Booking.objects.filter(
        machine=machine, status__in=ACTIVE_STATUSES, start__gte=now, blocked_until__gt=start
    )
    if end is not None:
        affected = affected.filter(start__lt=end)
    return [
        booking_cancel(booking=booking, by=by, full_refund=True, reason=reason)
        for booking in affected.order_by("start")
    ]
