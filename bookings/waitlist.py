"""The waiting list: members queue for a taken slot; a freed slot is held for the first in line.

Like pretix's waiting list, an offer holds the capacity: the slot becomes a
`held` booking of the member at the head of the queue, which nobody else can
take, until they accept it (credits are debited then) or the offer expires and
goes to the next in line. Every change happens with the machine row locked.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import rules
from bookings.ledger import booking_debit
from bookings.models import ACTIVE_STATUSES, Booking, BookingKind, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.notifications import notify_booking_confirmed, notify_waitlist_offer
from bookings.rules import BookingError
from fablab.audit.services import audit_record
from fablab.core.errors import ConflictError
from fablab.core.locking import lock_rows
from machines.models import MachineStatus, MaintenanceWindow
from machines.services import machine_locked


def offer_hold():
    return dt.timedelta(minutes=settings.WAITLIST_OFFER_MINUTES)


def waitlist_join(*, member, machine, start, end):
    """Queue `member` for the slot `start`–`end`, which must be taken right now."""
    rules.check_times(start, end)
    now = timezone.now()
    with transaction.atomic():
        machine = machine_locked(machine)
        rules.check_machine_bookable(machine)
        rules.check_window(machine, start, now, skip_notice=True)
        rules.check_grid_and_length(machine, start, end)
        rules.check_opening_hours(machine, start, end)
        rules.check_qualification(machine, member, start)
        blocked_until = end + dt.timedelta(minutes=machine.buffer_minutes)
        rules.check_no_maintenance(machine, start, blocked_until)
        if rules.slot_is_free(machine, start, blocked_until):
            raise BookingError(_("This slot is free: book it directly."), code="slot_free")
        if Booking.objects.filter(
            machine=machine,
            member=member,
            status__in=ACTIVE_STATUSES,
            start__lt=blocked_until,
            blocked_until__gt=start,
        ).exists():
            raise BookingError(_("You already hold this time."), code="own_slot")
        try:
            with transaction.atomic():
                return WaitlistEntry.objects.create(machine=machine, member=member, start=start, end=end)
        except IntegrityError as error:  # bookings_waitlist_once_per_slot
            raise ConflictError(
                _("You are already on the waiting list for this slot."), code="already_waiting"
            ) from error


def offer_freed_slots(machine, *, now):
    """Hold every slot that is free again for the first member waiting for it.

    Runs inside the caller's transaction, with the machine row locked.
    """
    if machine.status != MachineStatus.AVAILABLE:
        return []
    offers = []
    queue = WaitlistEntry.objects.filter(machine=machine, status=WaitlistStatus.WAITING, start__gt=now)
    for entry in queue.select_related("member").order_by("created_at", "id"):
        blocked_until = entry.end + dt.timedelta(minutes=machine.buffer_minutes)
        if not rules.slot_is_free(machine, entry.start, blocked_until):
            continue
        if MaintenanceWindow.objects.filter(machine=machine, start__lt=blocked_until, end__gt=entry.start).exists():
            continue
        entry.hold = Booking.objects.create(
            machine=machine,
            member=entry.member,
            kind=BookingKind.MEMBER,
            status=BookingStatus.HELD,
            start=entry.start,
            end=entry.end,
            blocked_until=blocked_until,
            hold_expires_at=min(now + offer_hold(), entry.start),
        )
        entry.status = WaitlistStatus.OFFERED
        entry.offered_at = now
        entry.save(update_fields=["hold", "status", "offered_at"])
        notify_waitlist_offer(entry)
        offers.append(entry)
    return offers


def _locked_offer(entry, member):
    entry = lock_rows(WaitlistEntry.objects.select_related("hold").filter(pk=entry.pk)).get()
    if entry.member_id != member.pk:
        raise ConflictError(_("This offer is not yours."), code="not_your_offer")
    if entry.status != WaitlistStatus.OFFERED or entry.hold is None or entry.hold.status != BookingStatus.HELD:
        raise ConflictError(_("This offer is no longer open."), code="offer_gone")
    return entry


def waitlist_offer_accept(*, entry, member):
    """Turn the held slot into the member's booking and debit the credits."""
    now = timezone.now()
    with transaction.atomic():
        machine = machine_locked(entry.machine)
        entry = _locked_offer(entry, member)
        hold = lock_rows(Booking.objects.filter(pk=entry.hold_id)).get()
        if hold.hold_expires_at <= now:
            raise ConflictError(_("This offer has expired."), code="offer_expired")
        duration, _blocked_until = rules.check_member_booking(
            machine, member, hold.start, hold.end, now, skip_notice=True, ignore=hold
        )
        from bookings.services import new_check_in_code  # the services module imports this one

        hold.machine = machine
        hold.status = BookingStatus.CONFIRMED
        hold.credits_minutes = machine.credits_for(duration)
        hold.check_in_code = new_check_in_code()
        hold.hold_expires_at = None
        hold.created_by = member
        hold.sequence += 1
        hold.save(
            update_fields=["status", "credits_minutes", "check_in_code", "hold_expires_at", "created_by", "sequence"]
        )
        booking_debit(hold, by=member)
        audit_record(
            actor=member,
            action="booking.created",
            target=hold,
            lab=machine.lab_id,
            changes={"credits_minutes": hold.credits_minutes},
        )
        entry.status = WaitlistStatus.BOOKED
        entry.save(update_fields=["status"])
        notify_booking_confirmed(hold)
    return hold


def hold_withdrawn(booking, now):
    """Staff cancelled a held slot (or its machine went out of service): its offer ends too."""
    entry = WaitlistEntry.objects.filter(hold=booking, status=WaitlistStatus.OFFERED).first()
    if entry is not None:
        entry.status = WaitlistStatus.CANCELLED
        entry.save(update_fields=["status"])


def _release(entry, status, now):
    hold = entry.hold
    if hold is not None and hold.status == BookingStatus.HELD:
        hold.status = BookingStatus.CANCELLED
        hold.cancelled_at = now
        hold.save(update_fields=["status", "cancelled_at"])
    entry.status = status
    entry.save(update_fields=["status"])


def waitlist_offer_decline(*, entry, member):
    """The member does not want the slot after all: it goes to the next in line."""
    now = timezone.now()
    with transaction.atomic():
        machine = machine_locked(entry.machine)
        entry = _locked_offer(entry, member)
        _release(entry, WaitlistStatus.CANCELLED, now)
        offer_freed_slots(machine, now=now)
    return entry


def waitlist_leave(*, entry, member):
    """Leave the queue (or decline a pending offer)."""
    with transaction.atomic():
        machine_locked(entry.machine)
        entry = lock_rows(WaitlistEntry.objects.filter(pk=entry.pk)).get()
        if entry.member_id != member.pk:
            raise ConflictError(_("This entry is not yours."), code="not_your_entry")
        if entry.status == WaitlistStatus.OFFERED:
            return waitlist_offer_decline(entry=entry, member=member)
        if entry.status != WaitlistStatus.WAITING:
            raise ConflictError(_("You are no longer on this waiting list."), code="not_waiting")
        entry.status = WaitlistStatus.CANCELLED
        entry.save(update_fields=["status"])
    return entry


def waitlist_expire_offers(*, now=None):
    """Release offers nobody accepted in time and offer the slots to the next in line.

    Idempotent: an expired offer is no longer `offered`, so a second run finds nothing.
    """
    now = now or timezone.now()
    machine_ids = set(
        Booking.objects.filter(status=BookingStatus.HELD, hold_expires_at__lte=now).values_list("machine_id", flat=True)
    )
    expired = 0
    for machine_id in sorted(machine_ids):
        with transaction.atomic():
            machine = machine_locked(machine_id)
            stale = WaitlistEntry.objects.filter(
                machine=machine, status=WaitlistStatus.OFFERED, hold__hold_expires_at__lte=now
            ).select_related("hold")
            for entry in lock_rows(stale):
                _release(entry, WaitlistStatus.EXPIRED, now)
                expired += 1
            offer_freed_slots(machine, now=now)
    WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, start__lte=now).update(status=WaitlistStatus.EXPIRED)
    return expired
