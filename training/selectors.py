import datetime as dt
import zoneinfo

from django.db.models import Case, CharField, Count, F, Min, Prefetch, Q, Sum, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from bookings.models import ACTIVE_STATUSES, Booking
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from machines.models import Machine, Qualification
from training.models import (
    OPEN_STATUSES,
    SEATED_STATUSES,
    Course,
    Enrollment,
    EnrollmentStatus,
    RegistrationStatus,
    SchoolLevel,
    SchoolRegistration,
    Session,
    SessionStatus,
    WorkshopOffer,
)


def sessions_upcoming(lab=None):
    """Scheduled sessions to come, with their course, lab, trainer and seats taken, in one query."""
    sessions = (
        Session.objects.filter(status=SessionStatus.SCHEDULED, start__gt=timezone.now(), course__is_published=True)
        .select_related("course", "lab", "trainer")
        .annotate(seats_taken=Count("enrollments", filter=Q(enrollments__status__in=SEATED_STATUSES)))
        .order_by("start")
    )
    return sessions.filter(lab=lab) if lab is not None else sessions


def courses_published():
    return Course.objects.filter(is_published=True).prefetch_related(
        "qualifies_for",
        "prerequisites",
        Prefetch("sessions", queryset=sessions_upcoming(), to_attr="upcoming_sessions"),
    )


def enrollments_for_member(member):
    return (
        Enrollment.objects.filter(member=member)
        .select_related("session__course", "session__lab")
        .order_by("-session__start")
    )


# ---------------------------------------------------------------------------
# What the HTML pages read (training/views.py), each in a fixed number of queries.


def catalogue_labs():
    """Active labs, for the catalogue's lab filter."""
    return Lab.objects.filter(is_active=True).order_by("name")


def course_catalogue(*, lab=None):
    """Published courses with the machines they qualify for, prerequisites and upcoming sessions.

    With `lab`: the courses that have an upcoming session there or qualify for
    one of its machines, and only that lab's sessions. Four queries whatever the
    number of courses and sessions.
    """
    sessions = sessions_upcoming(lab).annotate(seats_left=F("capacity") - F("seats_taken"))
    courses = Course.objects.filter(is_published=True)
    if lab is not None:
        planned_here = Session.objects.filter(lab=lab, status=SessionStatus.SCHEDULED, start__gt=timezone.now())
        courses = courses.filter(Q(pk__in=planned_here.values("course_id")) | Q(qualifies_for__lab=lab)).distinct()
    return courses.order_by("title").prefetch_related(
        Prefetch("qualifies_for", queryset=Machine.objects.select_related("lab").order_by("lab__name", "name")),
        Prefetch("prerequisites", queryset=Course.objects.order_by("title")),
        Prefetch("sessions", queryset=sessions, to_attr="upcoming_sessions"),
    )


def _with_seats_taken(sessions):
    return sessions.annotate(seats_taken=Count("enrollments", filter=Q(enrollments__status__in=SEATED_STATUSES)))


def session_for_page(pk, *, user=None):
    """A session of a published course (or one `user` is enrolled in), with what its page shows.

    Raises `Session.DoesNotExist`. Three queries: the session, its course's
    prerequisites and the machines it qualifies for.
    """
    visible = Q(course__is_published=True)
    if user is not None and user.is_authenticated:
        visible |= Q(pk__in=Enrollment.objects.filter(member=user).values("session_id"))
    return (
        _with_seats_taken(Session.objects.filter(visible))
        .select_related("course", "lab", "trainer")
        .prefetch_related(
            Prefetch("course__prerequisites", queryset=Course.objects.order_by("title")),
            Prefetch("course__qualifies_for", queryset=Machine.objects.order_by("name")),
        )
        .get(pk=pk)
    )


def enrollment_of_member(session, member):
    """The member's open enrollment in `session` (seated or waiting), or None."""
    if not member.is_authenticated:
        return None
    return session.enrollments.filter(member=member, status__in=OPEN_STATUSES).order_by("-created_at").first()


def member_enrollments_page(member, now, *, past_limit=50):
    """(upcoming, past) enrollments of `member` with their session, course and lab; two queries.

    Upcoming: sessions not over yet, soonest first. Past: the last `past_limit`, latest first.
    """
    enrollments = enrollments_for_member(member).select_related("session__trainer")
    upcoming = enrollments.filter(session__end__gt=now).order_by("session__start", "pk")
    past = enrollments.filter(session__end__lte=now).order_by("-session__start", "-pk")[:past_limit]
    return list(upcoming), list(past)


def qualifications_live(member, now):
    """The member's qualifications in force (not revoked, not expired), with their machine and lab."""
    return (
        Qualification.objects.filter(user=member, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("machine__lab", "granted_by")
        .order_by("machine__lab__name", "machine__name")
    )


def sessions_trained_by(user):
    """Sessions `user` may run the roster of: the ones they train in a lab where they teach,
    and every session of the labs where they manage trainings (the same rule as attendance_record).
    """
    if not user.is_authenticated:
        return Session.objects.none()
    labs = Lab.objects.all()
    teaching = labs_where(user, Action.TEACH, labs).values("pk")
    managing = labs_where(user, Action.MANAGE_TRAININGS, labs).values("pk")
    return _with_seats_taken(
        Session.objects.filter(Q(trainer=user, lab__in=teaching) | Q(lab__in=managing))
    ).select_related("course", "lab", "trainer")


def sessions_to_teach(user, now, *, recent=dt.timedelta(days=30)):
    """(coming, recent) sessions for the trainer's page: recent ones still take attendance."""
    sessions = sessions_trained_by(user)
    coming = sessions.filter(end__gt=now).order_by("start", "pk")
    past = sessions.filter(end__lte=now, end__gt=now - recent).order_by("-start", "-pk")
    return list(coming), list(past)


def session_roster(session):
    """The people of a session, seats first then the waiting list, cancelled ones left out."""
    order = Case(
        *(When(status=status, then=rank) for rank, status in enumerate(ROSTER_ORDER)),
        default=len(ROSTER_ORDER),
    )
    return list(
        session.enrollments.exclude(status=EnrollmentStatus.CANCELLED)
        .select_related("member")
        .order_by(order, "member__full_name", "member__email", "pk")
    )


ROSTER_ORDER = (
    EnrollmentStatus.CONFIRMED,
    EnrollmentStatus.ATTENDED,
    EnrollmentStatus.ABSENT,
    EnrollmentStatus.OFFERED,
    EnrollmentStatus.WAITLISTED,
)
# The seats attendance is taken for (attendance_record refuses the others).
MARKABLE_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.ATTENDED, EnrollmentStatus.ABSENT)


# ---------------------------------------------------------------------------
# School workshops (training/workshop_views.py).


def workshop_offers_published():
    """Published offers that at least one active lab runs, with those labs (`offered_at`); two queries."""
    return (
        WorkshopOffer.objects.filter(is_published=True, labs__is_active=True)
        .distinct()
        .prefetch_related(
            Prefetch("labs", queryset=Lab.objects.filter(is_active=True).order_by("name"), to_attr="offered_at")
        )
        .order_by("theme")
    )


def registrations_managed_by(user):
    """The requests of the labs where `user` manages trainings, with their offer, lab and invoice."""
    labs = labs_where(user, Action.MANAGE_TRAININGS, Lab.objects.all())
    return SchoolRegistration.objects.filter(lab__in=labs).select_related("offer", "lab", "invoice")


def _local_days(field, labs, day_from=None, day_to=None):
    """Q: the instant `field` falls between two local days (both included), in each lab's own zone."""
    zones = {}
    for lab in labs:
        zones.setdefault(lab.time_zone, []).append(lab.pk)
    condition = Q(pk__in=[])
    for zone, lab_ids in zones.items():
        tz = zoneinfo.ZoneInfo(zone)
        here = Q(lab_id__in=lab_ids)
        if day_from:
            here &= Q(**{f"{field}__gte": dt.datetime.combine(day_from, dt.time(), tzinfo=tz)})
        if day_to:
            here &= Q(**{f"{field}__lt": dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), tzinfo=tz)})
        condition |= here
    return condition


# A request holds two or three preferred dates (ISO strings, sorted): enough to filter on each.
PREFERRED_DATE_SLOTS = 3


def registrations_for_staff(user, *, labs, status=None, lab=None, day_from=None, day_to=None, school=""):
    """The requests staff see on their list, newest first, filtered; one query (plus the page's count).

    `labs` are the labs the user manages (their zones place the days). A date
    range matches the confirmed date, or for a request without one, any of its
    preferred dates.
    """
    registrations = registrations_managed_by(user).order_by("-created_at", "-pk")
    if status:
        registrations = registrations.filter(status=status)
    if lab is not None:
        registrations = registrations.filter(lab=lab)
    if school:
        registrations = registrations.filter(Q(school_name__icontains=school) | Q(school_code__iexact=school))
    if day_from or day_to:
        # As plain text (ISO dates compare as strings), not JSON: the JSON lookups would parse the bounds.
        slots = {
            f"preferred_{slot}": Cast(KeyTextTransform(str(slot), "preferred_dates"), CharField())
            for slot in range(PREFERRED_DATE_SLOTS)
        }
        registrations = registrations.annotate(**slots)
        wished = Q(pk__in=[])
        for name in slots:
            here = Q(**{f"{name}__isnull": False})
            if day_from:
                here &= Q(**{f"{name}__gte": day_from.isoformat()})
            if day_to:
                here &= Q(**{f"{name}__lte": day_to.isoformat()})
            wished |= here
        registrations = registrations.filter(
            (Q(start__isnull=False) & _local_days("start", labs, day_from, day_to)) | (Q(start__isnull=True) & wished)
        )
    return registrations


def registration_blocks(registration):
    """The machine blocks a confirmed workshop holds in the booking calendar."""
    if not registration.blocks_series:
        return []
    return list(
        Booking.objects.filter(series=registration.blocks_series, status__in=ACTIVE_STATUSES)
        .select_related("machine")
        .order_by("machine__name")
    )


# Registrations that count as classes reached: the workshop took place.
REACHED_STATUSES = (RegistrationStatus.HELD, RegistrationStatus.INVOICED)


def school_year_of(day):
    """The school year (named by the year its September falls in) of a date."""
    return day.year if day.month >= 9 else day.year - 1


def workshop_report_years(labs, today):
    """School years to offer in the report: from the first class reached in `labs` to the current one."""
    current = school_year_of(today)
    first = SchoolRegistration.objects.filter(
        lab__in=[lab.pk for lab in labs], status__in=REACHED_STATUSES, start__isnull=False
    ).aggregate(first=Min("start"))["first"]
    oldest = min(school_year_of(timezone.localdate(first)), current) if first else current
    return list(range(current, oldest - 1, -1))


def workshop_reach(*, labs, year):
    """Classes and pupils reached in the school year from September `year` to August `year + 1`.

    One grouped query per lab and class level (Count and Sum); the per-lab and
    per-level tables and the total add its rows up. Dates are read in each
    lab's zone.
    """
    period = _local_days("start", labs, dt.date(year, 9, 1), dt.date(year + 1, 8, 31))
    rows = (
        SchoolRegistration.objects.filter(period, status__in=REACHED_STATUSES)
        .values("lab_id", "class_level")
        .annotate(classes=Count("pk"), pupils=Sum("pupils"))
        .order_by()
    )
    cells = {(row["lab_id"], row["class_level"]): (row["classes"], row["pupils"]) for row in rows}

    def total(pairs):
        pairs = list(pairs)
        return sum(classes for classes, _pupils in pairs), sum(pupils for _classes, pupils in pairs)

    by_lab = [(lab, *total(v for (lab_id, _level), v in cells.items() if lab_id == lab.pk)) for lab in labs]
    by_level = [
        (label, *total(v for (_lab, level), v in cells.items() if level == code)) for code, label in SchoolLevel.choices
    ]
    details = [
        (lab, label, *cells[(lab.pk, code)])
        for lab in labs
        for code, label in SchoolLevel.choices
        if (lab.pk, code) in cells
    ]
    return {"by_lab": by_lab, "by_level": by_level, "details": details, "total": total(cells.values())}
