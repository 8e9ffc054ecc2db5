"""Demo bookings (seed_demo): the member's coming sessions, so that calendars have something to show."""

import datetime as dt

from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_create
from fablab.credits.models import EntryKind
from fablab.credits.selectors import balance_minutes
from fablab.credits.services import ledger_write

MEMBER_CREDIT_MINUTES = 600  # SPEC: the demo member holds 10 credit hours in rennes


def next_open_weekday(lab, days_ahead):
    """A weekday at least `days_ahead` days from now, in the lab's zone (the demo labs open on weekdays)."""
    day = timezone.now().astimezone(lab.tz).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def seed_bookings(labs, users, machines):
    member, staff = users["member@fablab.test"], users["staff@fablab.test"]
    rennes = labs["rennes"]
    if not Booking.objects.filter(member=member).exists():
        # The member holds 10 credit hours once the demo bookings are paid for.
        top_up = MEMBER_CREDIT_MINUTES - balance_minutes(user=member, lab=rennes)
        ledger_write(user=member, lab=rennes, minutes=top_up, kind=EntryKind.GRANT, author=staff, memo="Demo credit")
        plans = [("trotec-speedy-400", 2, 14, 60), ("prusa-mk4", 3, 10, 120), ("trotec-speedy-400", 9, 16, 60)]
        for slug, days_ahead, hour, minutes in plans:
            day = next_open_weekday(rennes, days_ahead)
            start = dt.datetime.combine(day, dt.time(hour), tzinfo=rennes.tz)
            booking = booking_create(
                member=member,
                machine=machines[slug],
                start=start,
                end=start + dt.timedelta(minutes=minutes),
                by=staff,
            )
            ledger_write(
                user=member,
                lab=rennes,
                minutes=booking.credits_minutes,
                kind=EntryKind.GRANT,
                author=staff,
                memo="Demo credit",
            )
