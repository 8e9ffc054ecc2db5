"""Reads about labs: the network list, a lab's page, and opening intervals in UTC."""

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from fablab.labs.models import Closure, Lab, OpeningHours, Weekday


def labs_for_public():
    """Active labs with their hours and coming closures, in three queries."""
    today = timezone.localdate()
    return (
        Lab.objects.filter(is_active=True)
        .select_related("main_lab")
        .prefetch_related(
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
            Prefetch(
                "closures",
                queryset=Closure.objects.filter(last_day__gte=today).order_by("first_day"),
                to_attr="coming_closures",
            ),
        )
        .order_by("main_lab_id", "name")
    )


def lab_for_public(slug):
    return labs_for_public().get(slug=slug)


def weekly_hours(lab):
    """[(weekday label, [(opens, closes), ...]), ...] Monday first, from prefetched hours."""
    by_day = {day: [] for day in Weekday}
    for hours in lab.opening_hours.all():
        by_day[Weekday(hours.weekday)].append((hours.opens, hours.closes))
    return [(day.label, intervals) for day, intervals in by_day.items()]


def lab_local_now(lab):
    return timezone.now().astimezone(lab.tz)


def closure_on(lab, day):
    """The closure covering local date `day`, from prefetched `coming_closures` when present."""
    closures = getattr(lab, "coming_closures", None)
    if closures is None:
        closures = lab.closures.filter(first_day__lte=day, last_day__gte=day)
    return next((c for c in closures if c.first_day <= day <= c.last_day), None)


def is_open_now(lab):
    now = lab_local_now(lab)
    if closure_on(lab, now.date()):
        return False
    return any(
        hours.weekday == now.weekday() and hours.opens <= now.time() < hours.closes for hours in lab.opening_hours.all()
    )


def opening_intervals(lab, start, end):
    """UTC (start, end) pairs when `lab` is open between aware instants `start` and `end`.

    Hours are wall-clock times in the lab's zone, so a 09:00–18:00 day lasts nine
    hours on a daylight-saving change day too; closures remove whole local days.
    """
    tz = lab.tz
    hours_by_weekday = {}
    for hours in OpeningHours.objects.filter(lab=lab):
        hours_by_weekday.setdefault(hours.weekday, []).append((hours.opens, hours.closes))
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    closed_days = set()
    for closure in Closure.objects.filter(lab=lab, first_day__lte=last_day, last_day__gte=first_day):
        day = max(closure.first_day, first_day)
        while day <= min(closure.last_day, last_day):
            closed_days.add(day)
            day += dt.timedelta(days=1)

    intervals = []
    day = first_day
    while day <= last_day:
        if day not in closed_days:
            for opens, closes in sorted(hours_by_weekday.get(day.weekday(), [])):
                local_open = dt.datetime.combine(day, opens, tzinfo=tz).astimezone(dt.UTC)
                local_close = dt.datetime.combine(day, closes, tzinfo=tz).astimezone(dt.UTC)
                clipped = (max(local_open, start), min(local_close, end))
                if clipped[0] < clipped[1]:
                    intervals.append(clipped)
        day += dt.timedelta(days=1)
    return intervals
