"""Reads on bookings: a machine's free and busy time, a member's bookings."""

from django.db.models import Q

from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from bookings.rules import merged
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from fablab.labs.selectors import opening_intervals
from machines.models import MaintenanceWindow


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
    return Booking.objects.filter(Q(member=user) | Q(machine__lab__in=staffed)).select_related(
        "machine__lab", "member"
    )


def upcoming_bookings_for_member(member, now):
    return (
        Booking.objects.filter(member=member, end__gte=now)
        .exclude(status=BookingStatus.NO_SHOW)
        .select_related("machine__lab")
        .order_by("start")
    )
