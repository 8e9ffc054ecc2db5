"""The booking rules of SPEC.md, each a small check that raises `BookingError`.

All of them reason in the lab's time zone: the slot grid, opening hours,
closures and the quota week are local notions, including on days when the
clocks change.
"""

import datetime as dt

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from bookings.models import ACTIVE_STATUSES, Booking
from fablab.core.errors import ConflictError, DomainError
from fablab.labs.selectors import opening_intervals
from machines.models import MachineStatus, MaintenanceWindow, Qualification


class BookingError(DomainError):
    default_code = "booking_invalid"


class SlotTaken(ConflictError, BookingError):
    default_code = "slot_taken"


def check_times(start, end):
    if start is None or end is None:
        raise BookingError(_("Give a start and an end."), code="times_missing")
    if start.tzinfo is None or end.tzinfo is None:
        raise BookingError(
            _("Times must carry a time zone offset (for example 2026-05-04T10:00:00+02:00)."), code="naive_time"
        )
    if end <= start:
        raise BookingError(_("The end must be after the start."), code="end_before_start", field="end")


def check_machine_bookable(machine):
    if machine.status != MachineStatus.AVAILABLE:
        raise BookingError(
            _("%(machine)s cannot be booked at the moment (%(status)s).")
            % {"machine": machine.name, "status": machine.get_status_display()},
            code="machine_unavailable",
        )


def check_window(machine, start, now, *, skip_notice):
    if start < now:
        raise BookingError(_("This time is in the past."), code="in_past", field="start")
    if skip_notice:
        return
    if start < now + dt.timedelta(minutes=machine.min_notice_minutes):
        raise BookingError(
            _("Book at least %(minutes)s minutes ahead.") % {"minutes": machine.min_notice_minutes},
            code="too_short_notice",
            field="start",
        )
    if start > now + dt.timedelta(days=machine.horizon_days):
        raise BookingError(
            _("You can book at most %(days)s days ahead.") % {"days": machine.horizon_days},
            code="beyond_horizon",
            field="start",
        )


def check_grid_and_length(machine, start, end):
    local_start = start.astimezone(machine.lab.tz)
    minutes_into_day = local_start.hour * 60 + local_start.minute
    duration = int((end - start).total_seconds() // 60)
    if local_start.second or local_start.microsecond or minutes_into_day % machine.slot_minutes:
        raise BookingError(
            _("Bookings start on the %(slot)s-minute grid (for example 10:00, 10:%(slot)02d).")
            % {"slot": machine.slot_minutes},
            code="off_grid",
            field="start",
        )
    if (end - start).total_seconds() % (machine.slot_minutes * 60):
        raise BookingError(
            _("The length must be a multiple of %(slot)s minutes.") % {"slot": machine.slot_minutes},
            code="off_grid",
            field="end",
        )
    if not machine.min_minutes <= duration <= machine.max_minutes:
        raise BookingError(
            _("A booking lasts between %(min)s and %(max)s minutes.")
            % {"min": machine.min_minutes, "max": machine.max_minutes},
            code="bad_length",
            field="end",
        )
    return duration


def merged(intervals):
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def check_opening_hours(machine, start, end):
    if merged(opening_intervals(machine.lab, start, end)) != [(start, end)]:
        raise BookingError(
            _("The lab is closed during part of this time. Pick a time within the opening hours."),
            code="lab_closed",
        )


def check_no_maintenance(machine, start, blocked_until):
    if MaintenanceWindow.objects.filter(machine=machine, start__lt=blocked_until, end__gt=start).exists():
        raise BookingError(_("The machine is in maintenance at this time."), code="maintenance")


def check_qualification(machine, member, at):
    if not machine.requires_qualification:
        return
    qualifications = Qualification.objects.filter(user=member, machine=machine, revoked_at__isnull=True)
    if not any(q.is_valid_at(at) for q in qualifications):
        raise BookingError(
            _("%(machine)s needs a qualification: follow its training first.") % {"machine": machine.name},
            code="qualification_required",
        )


def local_week_bounds(machine, start):
    """Monday 00:00 to next Monday 00:00 in the lab's zone, as aware instants."""
    tz = machine.lab.tz
    local_day = start.astimezone(tz).date()
    monday = local_day - dt.timedelta(days=local_day.weekday())
    week_start = dt.datetime.combine(monday, dt.time(), tzinfo=tz)
    week_end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), tzinfo=tz)
    return week_start, week_end


def check_weekly_quota(machine, member, start, duration, *, ignore=None):
    if machine.weekly_quota_minutes is None:
        return
    week_start, week_end = local_week_bounds(machine, start)
    booked = (
        Booking.objects.filter(
            machine=machine, member=member, status__in=ACTIVE_STATUSES, start__gte=week_start, start__lt=week_end
        )
        .exclude(pk=getattr(ignore, "pk", None))
        .annotate(length=F("end") - F("start"))
        .aggregate(total=Sum("length"))["total"]
    )
    booked_minutes = int(booked.total_seconds() // 60) if booked else 0
    if booked_minutes + duration > machine.weekly_quota_minutes:
        raise BookingError(
            _("This goes over your weekly quota on %(machine)s (%(quota)s minutes, %(left)s left).")
            % {
                "machine": machine.name,
                "quota": machine.weekly_quota_minutes,
                "left": max(machine.weekly_quota_minutes - booked_minutes, 0),
            },
            code="weekly_quota",
        )


def slot_is_free(machine, start, blocked_until, *, ignore=None):
    return not (
        Booking.objects.filter(
            machine=machine, status__in=ACTIVE_STATUSES, start__lt=blocked_until, blocked_until__gt=start
        )
        .exclude(pk=getattr(ignore, "pk", None))
        .exists()
    )


def check_slot_free(machine, start, blocked_until, *, ignore=None):
    if not slot_is_free(machine, start, blocked_until, ignore=ignore):
        raise SlotTaken(_("This slot is no longer free. Pick another time."))


def check_member_booking(machine, member, start, end, now, *, skip_notice=False, ignore=None):
    """Every rule a member's booking must pass; returns (duration in minutes, end of the held time).

    `ignore` is a booking to leave out of the overlap and quota checks: the
    waiting-list hold that is being turned into this booking.
    """
    blocked_until = end + dt.timedelta(minutes=machine.buffer_minutes)
    check_machine_bookable(machine)
    check_window(machine, start, now, skip_notice=skip_notice)
    duration = check_grid_and_length(machine, start, end)
    check_opening_hours(machine, start, end)
    check_no_maintenance(machine, start, blocked_until)
    check_qualification(machine, member, start)
    check_weekly_quota(machine, member, start, duration, ignore=ignore)
    check_slot_free(machine, start, blocked_until, ignore=ignore)
    return duration, blocked_until
