"""Years of activity: bookings on the slot grid, credit accounts and their ledgers, training sessions."""

import datetime as dt
import zoneinfo

from django.contrib.contenttypes.models import ContentType

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.credits.models import CreditAccount, EntryKind, LedgerEntry
from frontend.scale.writer import Ids, Writer
from training.models import Course, Enrollment, EnrollmentStatus, Session, SessionStatus

BOOKING_FIELDS = [
    "id",
    "machine",
    "member",
    "kind",
    "start",
    "end",
    "blocked_until",
    "status",
    "credits_minutes",
    "refunded_minutes",
    "note",
    "created_by",
    "created_at",
    "cancelled_at",
    "cancelled_by",
    "checked_in_at",
    "check_in_code",
    "sequence",
]
DEBITS_KEPT = 4  # bookings remembered per member and lab, for the ledger's debits to point at


def open_days(lab, period):
    """[(date, opens UTC, slots of one minute count)] for the days the lab opens within `period`."""
    first_day, last_day = period
    tz = zoneinfo.ZoneInfo(lab["tz"])
    closed = set()
    for first, last in lab["closures"]:
        closed.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    days = []
    day = first_day
    while day <= last_day:
        hours = lab["hours"].get(day.weekday())
        if hours and day not in closed:
            opens = dt.datetime.combine(day, hours[0], tzinfo=tz).astimezone(dt.UTC)
            minutes = (dt.datetime.combine(day, hours[1]) - dt.datetime.combine(day, hours[0])).seconds // 60
            days.append((day, opens, minutes))
        day += dt.timedelta(days=1)
    return days


def _day_layout(rng, machine, count, day_minutes):
    """`count` bookings (start offset, length) in slots on one day, none overlapping with buffers."""
    slot = machine["slot_minutes"]
    day_slots = day_minutes // slot
    shortest, longest = machine["min_minutes"] // slot, machine["max_minutes"] // slot
    buffer = -(-machine["buffer_minutes"] // slot)
    count = min(count, (day_slots + buffer) // (shortest + buffer))
    spare = day_slots + buffer - count * (shortest + buffer)
    lengths = []
    for _n in range(count):
        extra = rng.randint(0, min(longest - shortest, spare // 2)) if spare > 1 else 0
        spare -= extra
        lengths.append(shortest + extra)
    cuts = sorted(rng.randint(0, spare) for _n in range(count))
    layout, position, previous = [], 0, 0
    for length, cut in zip(lengths, cuts, strict=True):
        position += cut - previous
        previous = cut
        layout.append((position, length))
        position += length + buffer
    return layout


def _past_status(roll):
    if roll < 0.74:
        return BookingStatus.CHECKED_IN
    if roll < 0.83:
        return BookingStatus.CONFIRMED
    if roll < 0.87:
        return BookingStatus.NO_SHOW
    return BookingStatus.CANCELLED


def build_bookings(sizes, rng, labs, machines, period, now, progress):
    """Exactly `sizes.bookings` bookings when the opening hours leave room (else as many as fit).

    Returns {(member id, lab id): [(booking id, credits, start)]}, a few per member, for the ledger.
    """
    ids = Ids(Booking)
    kept = {}
    days_of_lab = {lab["id"]: open_days(lab, period) for lab in labs}
    written = 0
    carry = 0  # bookings a full machine could not take, handed to the next one
    with Writer(Booking, BOOKING_FIELDS, progress=progress) as write:
        for number, machine in enumerate(machines):
            lab = machine["lab"]
            days = days_of_lab[lab["id"]]
            members = lab["members"] or lab["staff"]
            wanted = sizes.bookings // len(machines) + (number < sizes.bookings % len(machines)) + carry
            carry = wanted
            if not days or not wanted:
                continue
            base, extra = divmod(wanted, len(days))
            extra_days = set(rng.sample(range(len(days)), min(extra, len(days))))
            carry = 0
            slot = dt.timedelta(minutes=machine["slot_minutes"])
            buffer = dt.timedelta(minutes=machine["buffer_minutes"])
            for index, (_day, opens, day_minutes) in enumerate(days):
                layout = _day_layout(rng, machine, base + (index in extra_days) + carry, day_minutes)
                carry = base + (index in extra_days) + carry - len(layout)
                for offset, length in layout:
                    start = opens + offset * slot
                    end = start + length * slot
                    write(_booking_row(rng, ids.one(), machine, members, start, end, end + buffer, length, now, kept))
                    written += 1
    return kept, written


def _booking_row(rng, booking_id, machine, members, start, end, blocked_until, length, now, kept):
    roll = rng.random()
    created_at = min(start - dt.timedelta(hours=rng.randint(2, 24 * 14)), now)
    if roll < 0.03:  # staff keep the machine for a course or a repair
        return (
            booking_id,
            machine["id"],
            None,
            BookingKind.BLOCK,
            start,
            end,
            blocked_until,
            BookingStatus.CONFIRMED,
            0,
            0,
            "Reserved for a course",
            None,
            created_at,
            None,
            None,
            None,
            None,
            0,
        )
    member = members[int(rng.random() * len(members))]
    credits = -(-length * machine["slot_minutes"] * machine["credits_per_hour"] // 60)
    if start < now:
        status = _past_status(rng.random())
    else:
        status = BookingStatus.CANCELLED if rng.random() < 0.08 else BookingStatus.CONFIRMED
    cancelled_at = checked_in_at = code = None
    refunded = 0
    if status == BookingStatus.CANCELLED:
        cancelled_at = created_at + (start - created_at) / 2
        refunded = credits
    elif status == BookingStatus.CHECKED_IN:
        checked_in_at = start - dt.timedelta(minutes=rng.randint(0, 10))
    elif status == BookingStatus.NO_SHOW:
        cancelled_at = start + dt.timedelta(minutes=30)
    if start >= now and status == BookingStatus.CONFIRMED:
        code = f"{booking_id:010X}"
    if status != BookingStatus.CANCELLED:
        entries = kept.setdefault((member, machine["lab"]["id"]), [])
        if len(entries) < DEBITS_KEPT:
            entries.append((booking_id, credits, created_at))
    return (
        booking_id,
        machine["id"],
        member,
        BookingKind.MEMBER,
        start,
        end,
        blocked_until,
        status,
        credits,
        refunded,
        "",
        member,
        created_at,
        cancelled_at,
        member if cancelled_at else None,
        checked_in_at,
        code,
        1 if cancelled_at else 0,
    )


def build_credits(sizes, rng, labs, memberships, bench_users, kept, now, progress):
    """One account per member and lab; entries whose running sum never goes below zero; balance = sum.

    Every account opens with the lab's welcome credit while entries last; the rest
    are spread at random: purchases of ten hours when the balance runs low, the
    debits of the member's bookings, a few adjustments.
    """
    booking_type = ContentType.objects.get_for_model(Booking).pk
    account_ids = Ids(CreditAccount)
    entry_ids = Ids(LedgerEntry)
    accounts = [
        (account_ids.one(), user_id, lab, joined) for user_id, lab, role, joined in memberships if role == "member"
    ]
    bench = set(bench_users)
    budget = max(sizes.ledger_entries - len(accounts), 0)
    extra = [0] * len(accounts)
    for _n in range(budget):
        extra[int(rng.random() * len(accounts))] += 1
    balances = {}
    fields = ["id", "account", "minutes", "kind", "reference_type", "reference_id", "author", "memo", "created_at"]
    with Writer(LedgerEntry, fields, progress=progress) as write:
        for position, (account_id, user_id, lab, joined) in enumerate(accounts):
            if position >= sizes.ledger_entries and user_id not in bench:
                balances[account_id] = 0
                continue
            welcome = 1_000_000 if user_id in bench else 60
            write((entry_ids.one(), account_id, welcome, EntryKind.GRANT, None, None, None, "Welcome credit", joined))
            balance = welcome
            debits = list(kept.get((user_id, lab["id"]), ()))
            when = joined
            for _n in range(extra[position]):
                when = min(when + dt.timedelta(days=rng.randint(1, 40)), now)
                if debits and debits[0][1] <= balance:
                    booking_id, credits, created_at = debits.pop(0)
                    minutes, kind, reference, memo = -credits, EntryKind.BOOKING_DEBIT, booking_id, "Booking"
                    when = max(when, created_at)
                elif balance < 120 or rng.random() < 0.6:
                    minutes, kind, reference, memo = 600, EntryKind.PURCHASE, None, "Pack of 10 hours"
                else:
                    minutes, kind, reference, memo = -30, EntryKind.ADJUSTMENT, None, "Material used"
                balance += minutes
                write(
                    (
                        entry_ids.one(),
                        account_id,
                        minutes,
                        kind,
                        booking_type if reference else None,
                        reference,
                        lab["staff"][0] if kind == EntryKind.ADJUSTMENT else None,
                        memo,
                        when,
                    )
                )
            balances[account_id] = balance
    with Writer(CreditAccount, ["id", "user", "lab", "balance_minutes", "overdraft_minutes", "updated_at"]) as write:
        for account_id, user_id, lab, _joined in accounts:
            write((account_id, user_id, lab["id"], balances[account_id], 0, now))
    return len(accounts)


COURSES = [
    ("Laser cutter: first steps", 180, 8, 2),
    ("3D printing for beginners", 120, 10, 3),
    ("CNC milling safety", 240, 6, 2),
    ("Arduino in an afternoon", 180, 12, 4),
    ("Vinyl cutting and heat press", 120, 8, 2),
    ("Embroidery machine basics", 120, 6, 2),
    ("Soldering workshop", 120, 10, 3),
    ("Design for the laser in Inkscape", 180, 10, 3),
]


def build_sessions(sizes, rng, labs, period, now, progress):
    """Training sessions spread over the period, with seats taken: attended or absent in the past."""
    courses = []
    for title, minutes, capacity, minimum in COURSES:
        course, _created = Course.objects.get_or_create(
            slug=f"scale-{len(courses) + 1}",
            defaults={
                "title": title,
                "duration_minutes": minutes,
                "capacity": capacity,
                "min_headcount": minimum,
                "price_cents": 3000,
                "member_price_cents": 1500,
            },
        )
        courses.append((course.pk, minutes, capacity))
    session_ids, enrollment_ids = Ids(Session), Ids(Enrollment)
    first_day, last_day = period
    span = (last_day - first_day).days
    sessions = []
    enrollments = []
    for _n in range(sizes.sessions):
        lab = labs[0] if rng.random() < 0.4 else rng.choice(labs)
        course_id, minutes, capacity = rng.choice(courses)
        day = first_day + dt.timedelta(days=rng.randrange(span))
        start = dt.datetime.combine(day, dt.time(14), tzinfo=zoneinfo.ZoneInfo(lab["tz"])).astimezone(dt.UTC)
        past = start < now
        roll = rng.random()
        status = SessionStatus.CANCELLED if roll < 0.08 else SessionStatus.HELD if past else SessionStatus.SCHEDULED
        session_id = session_ids.one()
        trainer = lab["trainers"][0]
        sessions.append(
            (
                session_id,
                course_id,
                lab["id"],
                start,
                start + dt.timedelta(minutes=minutes),
                trainer,
                capacity,
                status,
                "Not enough participants" if status == "cancelled" else "",
                start - dt.timedelta(days=30),
            )
        )
        seats = rng.randint(0, capacity) if status != SessionStatus.CANCELLED else 0
        for member in rng.sample(lab["members"], min(seats, len(lab["members"]))):
            if status == SessionStatus.HELD:
                seat = EnrollmentStatus.ATTENDED if rng.random() < 0.9 else EnrollmentStatus.ABSENT
            else:
                seat = EnrollmentStatus.CONFIRMED
            enrollments.append(
                (
                    enrollment_ids.one(),
                    session_id,
                    member,
                    seat,
                    1500,
                    "on_site",
                    seat != EnrollmentStatus.CONFIRMED,
                    start - dt.timedelta(days=rng.randint(1, 25)),
                )
            )
    fields = [
        "id",
        "course",
        "lab",
        "start",
        "end",
        "trainer",
        "capacity",
        "status",
        "cancellation_reason",
        "created_at",
    ]
    with Writer(Session, fields, progress=progress) as write:
        for row in sessions:
            write(row)
    fields = ["id", "session", "member", "status", "price_cents", "payment_mode", "is_paid", "created_at"]
    with Writer(Enrollment, fields) as write:
        for row in enrollments:
            write(row)
    return len(enrollments)
