"""Demo trainings (seed_demo): four courses, one coming session each, and the newcomer's seat.

Idempotent: courses are found by slug, a course that already has a coming
session at its lab gets no other, and the newcomer is enrolled once.
Sessions are planned through `session_schedule`, so their machines are blocked
in the booking calendar like any other session's.
"""

import datetime as dt

from django.utils import timezone

from bookings.services import SlotTaken
from fablab.labs.selectors import opening_intervals
from training.models import OPEN_STATUSES, Course, Session, SessionStatus
from training.services import enrollment_create, session_schedule

COURSES = [
    {
        "slug": "laser-cutter-safety",
        "title": "Laser cutter: safety and first cut",
        "description": (
            "How the laser cutter works, which materials are allowed and which are dangerous, "
            "focusing, settings, and your first cut from a vector file. Attending it qualifies you "
            "to book the laser cutter."
        ),
        "audience": "Everyone aged 15 and over, no experience needed",
        "duration_minutes": 120,
        "price_cents": 4000,
        "member_price_cents": 2000,
        "capacity": 6,
        "qualification_valid_days": 730,
        # lab, machines qualified for, machines used, local hour, trainer
        "session": ("rennes", ["trotec-speedy-400"], ["trotec-speedy-400"], 10, "trainer@fablab.test"),
    },
    {
        "slug": "3d-printing-model-to-print",
        "title": "3D printing: from model to print",
        "description": (
            "Find or design a model, slice it, choose a filament and start a print; "
            "what to check when a print fails."
        ),
        "audience": "Everyone aged 12 and over",
        "duration_minutes": 120,
        "price_cents": 3000,
        "member_price_cents": 1500,
        "capacity": 8,
        "session": ("champs-libres", [], ["bambu-a1"], 14, None),
    },
    {
        "slug": "embroidery-machine-basics",
        "title": "Embroidery machine basics",
        "description": "Threading, hooping, digitising a simple design and embroidering it on fabric.",
        "audience": "Everyone, no experience needed",
        "duration_minutes": 120,
        "price_cents": 3000,
        "member_price_cents": 1500,
        "capacity": 4,
        "session": ("maurepas", ["brother-pr680w"], ["brother-pr680w"], 16, None),
    },
    {
        "slug": "arduino-for-beginners",
        "title": "Arduino for beginners",
        "description": "Blink a LED, read a sensor and drive a motor: your first programs on an Arduino board.",
        "audience": "Teenagers and adults, no programming needed",
        "duration_minutes": 180,
        "price_cents": 3500,
        "member_price_cents": 2000,
        "capacity": 8,
        "session": ("rennes", [], ["electronics-bench"], 14, "staff@fablab.test"),
    },
]

NEWCOMER = "newcomer@fablab.test"
SEARCH_DAYS = 28


def _candidate_starts(lab, hour, minutes):
    """Weekday starts at `hour` (lab time) from tomorrow on, when the lab is open for the whole session."""
    today = timezone.now().astimezone(lab.tz).date()
    for offset in range(1, SEARCH_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=lab.tz)
        end = start + dt.timedelta(minutes=minutes)
        if any(opens <= start and end <= closes for opens, closes in opening_intervals(lab, start, end)):
            yield start, end


def _schedule(course, lab, *, hour, machines, trainer, by):
    """The first free candidate time; a time whose machine is taken (a demo booking) is skipped."""
    for start, end in _candidate_starts(lab, hour, course.duration_minutes):
        try:
            return session_schedule(
                course=course, lab=lab, start=start, end=end, by=by, trainer=trainer, machines=machines
            )
        except SlotTaken:
            continue
    return None


def seed_trainings(labs, users, machines):
    """Courses, one coming session per course at its lab, and the newcomer enrolled in the laser session."""
    sessions = {}
    for spec in COURSES:
        spec = dict(spec)
        lab_slug, qualifies_for, used, hour, trainer_email = spec.pop("session")
        course, _created = Course.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        course.qualifies_for.add(*(machines[slug] for slug in qualifies_for))
        lab = labs[lab_slug]
        session = (
            Session.objects.filter(course=course, lab=lab, status=SessionStatus.SCHEDULED, start__gt=timezone.now())
            .order_by("start")
            .first()
        )
        if session is None:
            # Staff of rennes plan its sessions; the satellites have no staff yet, the superuser does it.
            by = users["staff@fablab.test"] if lab_slug == "rennes" else users["admin@fablab.test"]
            session = _schedule(
                course,
                lab,
                hour=hour,
                machines=[machines[slug] for slug in used],
                trainer=users[trainer_email] if trainer_email else None,
                by=by,
            )
        sessions[course.slug] = session
    laser = sessions["laser-cutter-safety"]
    newcomer = users[NEWCOMER]
    if laser is not None and not laser.enrollments.filter(member=newcomer, status__in=OPEN_STATUSES).exists():
        enrollment_create(session=laser, member=newcomer)
    return sessions
