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
from training.models import (
    OPEN_STATUSES,
    Course,
    RegistrationStatus,
    SchoolRegistration,
    Session,
    SessionStatus,
    WorkshopOffer,
)
from training.services import enrollment_create, session_schedule
from training.workshops import (
    registration_cancel,
    registration_confirm,
    registration_invoice,
    registration_send_quote,
    registration_submit,
)

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
        "session": ("rennes", ["trotec-speedy-400"], ["trotec-speedy-400", "training-room"], 10, "trainer@fablab.test"),
    },
    {
        "slug": "3d-printing-model-to-print",
        "title": "3D printing: from model to print",
        "description": (
            "Find or design a model, slice it, choose a filament and start a print; what to check when a print fails."
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


WORKSHOP_OFFERS = [
    {
        "slug": "build-a-little-robot",
        "theme": "Build a little robot",
        "description": (
            "In small teams, the pupils assemble a robot from a kit, wire its motors and sensors, "
            "and program it to follow a line. Each team leaves with a certificate and photos of its robot."
        ),
        "school_levels": ["primary", "middle"],
        "duration_minutes": 150,
        "max_pupils": 28,
        "price_per_class_cents": 25000,
        "vat_rate_bp": 2000,
        "labs": ["rennes", "champs-libres"],
    },
    {
        "slug": "design-and-laser-cut-a-lamp",
        "theme": "Design and laser-cut a lamp",
        "description": (
            "From a sketch to a vector drawing, then to the laser cutter: each pupil designs a lamp shade "
            "and takes it home. An introduction to digital fabrication and to safety in a workshop."
        ),
        "school_levels": ["middle", "high", "vocational"],
        "duration_minutes": 180,
        "max_pupils": 24,
        "price_per_class_cents": 32000,
        "vat_rate_bp": 2000,
        "labs": ["rennes"],
    },
]
DEMO_TEACHER = "teacher@ecole.test"


def seed_workshops(labs, users):
    """Two offers, and two requests from a demo teacher (the second one quoted). Idempotent."""
    offers = {}
    for spec in WORKSHOP_OFFERS:
        spec = dict(spec)
        lab_slugs = spec.pop("labs")
        offer, _created = WorkshopOffer.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        offer.labs.add(*(labs[slug] for slug in lab_slugs))
        offers[offer.slug] = offer
    if SchoolRegistration.objects.filter(teacher_email=DEMO_TEACHER).exists():
        return offers
    today = timezone.localdate()
    common = {
        "lab": labs["rennes"],
        "teacher_name": "Camille Professeure",
        "teacher_email": DEMO_TEACHER,
        "teacher_phone": "02 99 00 00 00",
        "accompanying_adults": 2,
        "language": "fr",
    }
    registration_submit(
        offer=offers["build-a-little-robot"],
        school_name="École élémentaire Jean Moulin",
        school_code="0350029S",
        address="12 rue Jean Moulin\n35000 Rennes",
        class_level="primary",
        pupils=24,
        preferred_dates=[today + dt.timedelta(days=15), today + dt.timedelta(days=22)],
        **common,
    )
    lamp_request = registration_submit(
        offer=offers["design-and-laser-cut-a-lamp"],
        school_name="Collège Anne de Bretagne",
        school_code="0351234B",
        address="3 place de Bretagne\n35000 Rennes",
        class_level="middle",
        pupils=22,
        purchase_order="BC-2026-042",
        preferred_dates=[today + dt.timedelta(days=20), today + dt.timedelta(days=27), today + dt.timedelta(days=34)],
        **common,
    )
    staff = users["staff@fablab.test"]
    registration_send_quote(registration=lamp_request, by=staff)
    confirmed = registration_submit(
        offer=offers["build-a-little-robot"],
        school_name="École Sainte-Anne",
        school_code="0750655E",
        address="5 rue des Écoles\n35000 Rennes",
        class_level="middle",
        pupils=26,
        preferred_dates=[today + dt.timedelta(days=9), today + dt.timedelta(days=16)],
        **common,
    )
    registration_confirm(
        registration=confirmed,
        by=staff,
        start=next(_candidate_starts(labs["rennes"], 10, confirmed.offer.duration_minutes))[0],
    )
    cancelled = registration_submit(
        offer=offers["build-a-little-robot"],
        school_name="École du Blosne",
        school_code="0750654D",
        address="2 boulevard de Yougoslavie\n35200 Rennes",
        class_level="primary",
        pupils=20,
        preferred_dates=[today + dt.timedelta(days=12), today + dt.timedelta(days=19)],
        **common,
    )
    registration_cancel(registration=cancelled, by=staff, reason="La classe part en voyage scolaire.")
    # Workshops of the past, held and invoiced: demo history, written as it would stand today.
    for school, code, invoice in (
        ("Lycée Bréquigny", "0350710G", False),
        ("Collège Les Hautes-Ourmes", "0350001L", True),
    ):
        past = registration_submit(
            offer=offers["design-and-laser-cut-a-lamp"],
            school_name=school,
            school_code=code,
            address="35000 Rennes",
            class_level="high" if invoice is False else "middle",
            pupils=18,
            preferred_dates=[today + dt.timedelta(days=30), today + dt.timedelta(days=37)],
            **common,
        )
        start = timezone.now() - dt.timedelta(days=14 if invoice else 3)
        SchoolRegistration.objects.filter(pk=past.pk).update(
            status=RegistrationStatus.HELD, start=start, end=start + dt.timedelta(hours=3)
        )
        if invoice:
            past.refresh_from_db()
            registration_invoice(registration=past, by=staff, payment_method="administrative_mandate")
    return offers
