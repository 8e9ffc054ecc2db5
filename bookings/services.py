"""Writes on bookings. The HTML views, the API, the admin and the tasks call these.

Lock order, everywhere: the machine row, then the booking row, then the
member's credit account. Keeping one order is what rules out deadlocks
between a booking being made and another being cancelled.
"""

import datetime as dt
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules, waitlist
from bookings.ledger import booking_debit, booking_refund
from bookings.models import ACTIVE_STATUSES, Booking, BookingKind, BookingStatus
from bookings.notifications import notify_booking_cancelled, notify_booking_confirmed
from bookings.rules import BookingError, SlotTaken
from fablab.audit.services import audit_record
from fablab.core.errors import ConflictError, NotAllowedError
from fablab.core.locking import lock_rows
from fablab.labs.permissions import Action, user_can
from machines.services import machine_locked

CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)

__all__ = [
    "BookingError",
    "SlotTaken",
    "block_create",
    "block_series_create",
    "booking_cancel",
    "booking_check_in",
    "booking_create",
    "booking_mark_no_show",
    "bookings_release_no_shows",
]


def new_check_in_code():
    return secrets.token_hex(5).upper()


def require_staff(user, machine):
    if not user_can(user, Action.MANAGE_BOOKINGS, machine.lab_id):
        raise NotAllowedError(_("Only the lab's staff can do this."))


def booking_create(*, member, machine, start, end, by=None, note=""):
    """Book `machine` for `member` from `start` to `end` and debit the credits, atomically.

    Raises `BookingError` when a rule refuses, `SlotTaken` (409) when the time
    is held by another booking. On PostgreSQL the exclusion constraint
    `bookings_no_overlap` is the last word; on SQLite the transaction holds the
    database's write lock from its first statement, so the check cannot be raced.
    """
    by = by or member
    by_staff = by != member and user_can(by, Action.MANAGE_BOOKINGS, machine.lab_id)
    rules.check_times(start, end)
    now = timezone.now()
    with transaction.atomic():
        # The machine row orders the bookings of one machine (quota, overlap).
        machine = machine_locked(machine)
        duration, blocked_until = rules.check_member_booking(machine, member, start, end, now, skip_notice=by_staff)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    machine=machine,
                    member=member,
                    kind=BookingKind.MEMBER,
                    start=start,
                    end=end,
                    blocked_until=blocked_until,
                    credits_minutes=machine.credits_for(duration),
                    check_in_code=new_check_in_code(),
                    created_by=by,
                    note=note,
                )
        except IntegrityError as error:  # bookings_no_overlap, raced past the check
            raise SlotTaken(_("This slot is no longer free. Pick another time.")) from error
        booking_debit(booking, by=by)
        audit_record(
            actor=by,
            action="booking.created",
            target=booking,
            lab=machine.lab_id,
            changes={"credits_minutes": booking.credits_minutes},
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


def _end_booking(booking, *, status, by, refund, now, reason=""):
    """Close an active booking, refund `refund` minutes, and offer its time to the waiting list."""
    booking.status = status
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.refunded_minutes = refund
    booking.sequence += 1
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "refunded_minutes", "sequence"])
    if refund and booking.member_id:
        booking_refund(booking, minutes=refund, by=by)
    if booking.kind == BookingKind.MEMBER and status == BookingStatus.CANCELLED:
        notify_booking_cancelled(booking, reason=reason)
    waitlist.offer_freed_slots(booking.machine, now=now)


def booking_cancel(*, booking, by, full_refund=False, reason=""):
    """Cancel an active booking or block and refund per policy. Staff cancellations refund in full."""
    now = timezone.now()
    with transaction.atomic():
        machine_locked(booking.machine)
        booking = lock_rows(Booking.objects.select_related("machine__lab", "member").filter(pk=booking.pk)).get()
        by_staff = full_refund or user_can(by, Action.MANAGE_BOOKINGS, booking.machine.lab_id)
        if not booking.is_active:
            raise ConflictError(_("This booking is already cancelled or over."), code="not_active")
        if booking.status == BookingStatus.HELD:
            if not by_staff:
                raise ConflictError(
                    _("This is a waiting-list offer: accept or decline it on its page."), code="offer_not_booking"
                )
            waitlist.hold_withdrawn(booking, now)
        if booking.start <= now and not by_staff:
            raise BookingError(_("This booking has already started; ask the lab's staff."), code="started")
        refund = refund_for_cancellation(booking, by_staff=by_staff, now=now)
        _end_booking(booking, status=BookingStatus.CANCELLED, by=by, refund=refund, now=now, reason=reason)
        audit_record(
            actor=by,
            action="booking.cancelled",
            target=booking,
            lab=booking.machine.lab_id,
            changes={"refund_minutes": refund},
            summary=reason,
        )
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


def block_create(*, machine, start, end, by, note="", series=None):
    """Staff keep a machine's time for the lab (cleaning, a class, a repair); no credits move."""
    require_staff(by, machine)
    rules.check_times(start, end)
    if end <= timezone.now():
        raise BookingError(_("This time is in the past."), code="in_past", field="end")
    with transaction.atomic():
        machine = machine_locked(machine)
        rules.check_slot_free(machine, start, end)
        try:
            with transaction.atomic():
                block = Booking.objects.create(
                    machine=machine,
                    kind=BookingKind.BLOCK,
                    start=start,
                    end=end,
                    blocked_until=end,
                    created_by=by,
                    note=note,
                    series=series,
                )
        except IntegrityError as error:
            raise SlotTaken(_("This time is no longer free.")) from error
        audit_record(actor=by, action="booking.block_created", target=block, lab=machine.lab_id, summary=note)
    return block


def block_series_create(*, machine, start, end, until, by, note=""):
    """A weekly block at the same local time until the date `until` (included).

    Dates that clash with a booking are skipped and returned, so that staff can
    deal with them, instead of failing the whole series. Returns (blocks, skipped).
    """
    require_staff(by, machine)
    rules.check_times(start, end)
    tz = machine.lab.tz
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if until < local_start.date():
        raise BookingError(_("The series must end after its first date."), code="bad_series", field="until")
    if (until - local_start.date()).days > 366:
        raise BookingError(_("A series lasts one year at most."), code="bad_series", field="until")
    series, blocks, skipped = uuid.uuid4(), [], []
    # All or nothing, except the dates already taken, which are skipped and reported.
    with transaction.atomic():
        week = 0
        while (day := local_start.date() + dt.timedelta(weeks=week)) <= until:
            # The same wall-clock time every week, whatever the daylight-saving offset.
            occurrence_start = dt.datetime.combine(day, local_start.time(), tzinfo=tz)
            occurrence_end = occurrence_start + (local_end - local_start)
            occurrence_end = dt.datetime.combine(occurrence_end.date(), local_end.time(), tzinfo=tz)
            try:
                blocks.append(
                    block_create(
                        machine=machine, start=occurrence_start, end=occurrence_end, by=by, note=note, series=series
                    )
                )
            except SlotTaken:
                skipped.append((occurrence_start, occurrence_end))
            week += 1
    return blocks, skipped


def booking_check_in(*, booking, by):
    """Staff mark the member as arrived (from the QR code or the typed code)."""
    require_staff(by, booking.machine)
    now = timezone.now()
    with transaction.atomic():
        booking = lock_rows(Booking.objects.select_related("machine").filter(pk=booking.pk)).get()
        if booking.status == BookingStatus.CHECKED_IN:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise ConflictError(_("Only a confirmed booking can be checked in."), code="not_confirmed")
        if not booking.start - CHECK_IN_OPENS_BEFORE <= now < booking.end:
            raise BookingError(
                _("Check-in opens 30 minutes before the start and closes at the end."), code="check_in_closed"
            )
        booking.status = BookingStatus.CHECKED_IN
        booking.checked_in_at = now
        booking.save(update_fields=["status", "checked_in_at"])
        audit_record(actor=by, action="booking.checked_in", target=booking, lab=booking.machine.lab_id)
    return booking


def booking_mark_no_show(*, booking, by=None):
    """The member did not come: the rest of the slot is freed and the lab's late policy refunds."""
    if by is not None:
        require_staff(by, booking.machine)
    now = timezone.now()
    with transaction.atomic():
        machine_locked(booking.machine)
        booking = lock_rows(Booking.objects.select_related("machine__lab", "member").filter(pk=booking.pk)).get()
        if booking.status != BookingStatus.CONFIRMED:
            raise ConflictError(_("Only a confirmed booking can be marked as a no-show."), code="not_confirmed")
        if booking.start > now:
            raise BookingError(_("The booking has not started yet."), code="not_started")
        refund = booking.credits_minutes * booking.machine.lab.late_cancellation_refund_percent // 100
        _end_booking(booking, status=BookingStatus.NO_SHOW, by=by, refund=refund, now=now)
        audit_record(
            actor=by,
            action="booking.no_show",
            target=booking,
            lab=booking.machine.lab_id,
            changes={"refund_minutes": refund},
        )
    return booking


def bookings_release_no_shows(*, now=None):
    """Release bookings not checked in N minutes after their start (machines that ask for it).

    Idempotent: a released booking is no longer confirmed, so a second run skips it.
    """
    now = now or timezone.now()
    late = Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        kind=BookingKind.MEMBER,
        machine__no_show_release_minutes__isnull=False,
        start__lte=now,
        end__gt=now,
    ).select_related("machine")
    released = []
    for booking in late:
        if booking.start + dt.timedelta(minutes=booking.machine.no_show_release_minutes) <= now:
            try:
                released.append(booking_mark_no_show(booking=booking))
            except ConflictError:
                continue  # checked in or cancelled meanwhile
    return released
