"""Reads on bookings: a machine's free and busy time, its week calendar, a member's bookings."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from django.db.models import Prefetch, Q

from bookings.models import (
    ACTIVE_STATUSES,
    OPEN_WAITLIST_STATUSES,
    Booking,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.rules import merged
from fablab.accounts.models import User
from fablab.labs.models import Lab, Role
from fablab.labs.permissions import Action, labs_where
from fablab.labs.selectors import opening_intervals
from machines.models import Machine, MachineStatus, MaintenanceWindow


def subtract(intervals, holes):
    """Parts of sorted, disjoint `intervals` not covered by sorted, merged `holes`."""
    result = []
    for start, end in intervals:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def machine_busy_intervals(machine, start, end):
    """Merged (start, end) pairs when bookings, blocks (buffers included) or maintenance hold the machine."""
    bookings = Booking.objects.filter(
        machine=machine, status__in=ACTIVE_STATUSES, start__lt=end, blocked_until__gt=start
    ).values_list("start", "blocked_until")
    maintenance = MaintenanceWindow.objects.filter(machine=machine, start__lt=end, end__gt=start).values_list(
        "start", "end"
    )
    clipped = [(max(s, start), min(e, end)) for s, e in [*bookings, *maintenance]]
    return merged(clipped)


def machine_availability(machine, start, end):
    """{"free": [...], "busy": [...]} between aware instants `start` and `end`, in UTC.

    Free time is the lab's opening hours (closures removed, in its time zone)
    minus what is busy. A constant number of queries whatever the number of
    bookings: the two range scans use the (machine, start) indexes.
    """
    busy = machine_busy_intervals(machine, start, end)
    free = subtract(merged(opening_intervals(machine.lab, start, end)), busy)
    return {"free": free, "busy": busy}


def bookings_visible_to(user):
    """Bookings a user may see: their own, and every booking of the labs they staff."""
    if not user.is_authenticated:
        return Booking.objects.none()
    staffed = labs_where(user, Action.VIEW_MEMBERS, Lab.objects.all())
    return Booking.objects.filter(Q(member=user) | Q(machine__lab__in=staffed)).select_related("machine__lab", "member")


def upcoming_bookings_for_member(member, now):
    return (
        Booking.objects.filter(member=member, end__gte=now)
        .exclude(status=BookingStatus.NO_SHOW)
        .select_related("machine__lab")
        .order_by("start")
    )


def member_bookings(member):
    """Every booking of one member, with what the pages show about it."""
    return Booking.objects.filter(member=member).select_related("machine__lab")


def member_bookings_page(member, now, *, past_limit=50):
    """(upcoming, past) bookings of a member: all that have not ended, and the last `past_limit`."""
    bookings = member_bookings(member)
    # A held booking is a waiting-list offer: the page links it to its entry (same query).
    upcoming = bookings.filter(end__gt=now).select_related("waitlist_entry").order_by("start", "pk")
    past = bookings.filter(end__lte=now).order_by("-start", "-pk")[:past_limit]
    return upcoming, past


def bookings_managed_by(user):
    """Bookings and blocks of the labs where `user` manages bookings (check-in, no-show, cancel)."""
    if not user.is_authenticated:
        return Booking.objects.none()
    managed = labs_where(user, Action.MANAGE_BOOKINGS, Lab.objects.all())
    return Booking.objects.filter(machine__lab__in=managed).select_related("machine__lab", "member")


def bookings_cancellable_by(user):
    """What the cancel page may show to `user`: their own bookings, and those of the labs they manage."""
    if not user.is_authenticated:
        return Booking.objects.none()
    managed = labs_where(user, Action.MANAGE_BOOKINGS, Lab.objects.all())
    return Booking.objects.filter(Q(member=user) | Q(machine__lab__in=managed)).select_related("machine__lab", "member")


def member_waitlist_entries(member):
    """Every waiting-list entry of one member, with the machine, its lab and the held booking."""
    return WaitlistEntry.objects.filter(member=member).select_related("machine__lab", "hold")


def offer_is_open(entry, now):
    """Whether the member can still accept `entry`'s offer (the service decides; this is for display)."""
    hold = entry.hold
    return (
        entry.status == WaitlistStatus.OFFERED
        and hold is not None
        and hold.status == BookingStatus.HELD
        and hold.hold_expires_at is not None
        and hold.hold_expires_at > now
    )


@dataclass(frozen=True)
class MemberWaitlist:
    entries: list  # open entries (waiting or offered) whose slot has not ended, soonest first
    offers: list  # those of `entries` with an offer the member can still accept


def member_open_waitlist(member, now):
    """The member's open waiting-list entries and, among them, the offers still open; one query."""
    entries = list(
        member_waitlist_entries(member).filter(status__in=OPEN_WAITLIST_STATUSES, end__gt=now).order_by("start", "pk")
    )
    return MemberWaitlist(entries=entries, offers=[entry for entry in entries if offer_is_open(entry, now)])


def machines_of_lab(lab):
    """Every machine of `lab`, public or not, by name: what staff may block."""
    return list(Machine.objects.filter(lab=lab).order_by("name"))


def lab_members(lab):
    """Active members of `lab`, by name: whom staff may book for."""
    return (
        User.objects.filter(memberships__lab=lab, memberships__role=Role.MEMBER, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


def lab_day_schedule(lab, day):
    """The lab's machines, each with `day_bookings` and `day_maintenance` on local date `day`.

    Three queries whatever the number of machines or bookings.
    """
    tz = lab.tz
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    bookings = Booking.objects.filter(start__lt=end, end__gt=start).select_related("member").order_by("start", "pk")
    maintenance = MaintenanceWindow.objects.filter(start__lt=end, end__gt=start).order_by("start")
    return (
        Machine.objects.filter(lab=lab)
        .select_related("category")
        .prefetch_related(
            Prefetch("bookings", queryset=bookings, to_attr="day_bookings"),
            Prefetch("maintenance_windows", queryset=maintenance, to_attr="day_maintenance"),
        )
        .order_by("name")
    )


class CellState(StrEnum):
    FREE = "free"
    BUSY = "busy"
    CLOSED = "closed"
    PAST = "past"


@dataclass(frozen=True)
class CalendarCell:
    label: str  # local wall-clock time of the start, "09:30"
    local_start: dt.datetime  # aware, in the lab's zone
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    state: CellState
    bookable: bool  # free, inside the booking window, and room for the shortest booking
    book_end: dt.datetime  # end of the shortest booking from this cell, in the lab's zone
    waitlistable: bool = False  # busy, still to come, on a machine that can be booked: members may queue

    @property
    def book_query(self):
        """`start=…&end=…` (ISO 8601 with the lab's offset) for the booking confirmation page."""
        return urlencode({"start": self.local_start.isoformat(), "end": self.book_end.isoformat()})


@dataclass(frozen=True)
class WeekCalendar:
    monday: dt.date
    days: list
    rows: list  # [(label, [CalendarCell × 7]), ...]; empty when the lab is closed all week

    @property
    def sunday(self):
        return self.days[-1]


def _covered(intervals, start, end):
    return any(s <= start and end <= e for s, e in intervals)


def _overlaps(intervals, start, end):
    return any(s < end and start < e for s, e in intervals)


def _grid_bounds(opening, tz, slot):
    """(first, last) minutes after local midnight covering every opening of the week, on the slot grid."""
    opens, closes = [], []
    for start, end in opening:
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        opens.append(local_start.hour * 60 + local_start.minute)
        if local_end.date() > local_start.date():
            closes.append(24 * 60)
        else:
            seconds = local_end.second or local_end.microsecond
            closes.append(local_end.hour * 60 + local_end.minute + (1 if seconds else 0))
    first = min(opens) // slot * slot
    last = min(-(-max(closes) // slot) * slot, 24 * 60)
    return first, last


def machine_week_calendar(machine, monday, *, now):
    """The week from local Monday `monday` as a grid of slots: rows are local times, columns days.

    The grid is laid out in the lab's wall-clock time (so 09:00 is 09:00 on a
    daylight-saving change day too) and each cell is converted to UTC before it
    is compared with the free and busy time. A constant number of queries.
    """
    tz = machine.lab.tz
    slot = dt.timedelta(minutes=machine.slot_minutes)
    week_start = dt.datetime.combine(monday, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    week_end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    availability = machine_availability(machine, week_start, week_end)
    opening = merged(opening_intervals(machine.lab, week_start, week_end))
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    if not opening:
        return WeekCalendar(monday=monday, days=days, rows=[])

    shortest = dt.timedelta(minutes=max(machine.min_minutes, machine.slot_minutes))
    buffer = dt.timedelta(minutes=machine.buffer_minutes)
    window_start = now + dt.timedelta(minutes=machine.min_notice_minutes)
    window_end = now + dt.timedelta(days=machine.horizon_days)
    bookable_machine = machine.status == MachineStatus.AVAILABLE

    def cell(day, minutes):
        local_start = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(minutes=minutes)
        start = local_start.astimezone(dt.UTC)
        end = (local_start + slot).astimezone(dt.UTC)
        label = f"{minutes // 60:02d}:{minutes % 60:02d}"
        # A wall-clock time skipped when the clocks go forward does not exist: never open.
        exists = start.astimezone(tz).replace(tzinfo=None) == local_start.replace(tzinfo=None)
        if not exists or end <= start or not _covered(opening, start, end):
            state = CellState.CLOSED
        elif start < now:
            state = CellState.PAST
        elif _covered(availability["free"], start, end):
            state = CellState.FREE
        else:
            state = CellState.BUSY
        bookable = (
            state == CellState.FREE
            and bookable_machine
            and window_start <= start <= window_end
            and _covered(availability["free"], start, start + shortest)
            and not (buffer and _overlaps(availability["busy"], start + shortest, start + shortest + buffer))
        )
        return CalendarCell(
            label=label,
            local_start=start.astimezone(tz),
            start=start,
            end=end,
            state=state,
            bookable=bookable,
            book_end=(start + shortest).astimezone(tz),
            waitlistable=state == CellState.BUSY and bookable_machine,
        )

    first, last = _grid_bounds(opening, tz, machine.slot_minutes)
    rows = [
        (f"{minutes // 60:02d}:{minutes % 60:02d}", [cell(day, minutes) for day in days])
        for minutes in range(first, last, machine.slot_minutes)
    ]
    return WeekCalendar(monday=monday, days=days, rows=rows)
