import datetime as dt

from django.db.models import Case, Count, F, Prefetch, Q, When
from django.utils import timezone

from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from machines.models import Machine, Qualification
from training.models import (
    OPEN_STATUSES,
    SEATED_STATUSES,
    Course,
    Enrollment,
    EnrollmentStatus,
    Session,
    SessionStatus,
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
        "qualifies_for", Prefetch("sessions", queryset=sessions_upcoming(), to_attr="upcoming_sessions")
    )


def enrollments_for_member(member):
    return Enrollment.objects.filter(member=member).select_related("session__course", "session__lab").order_by(
        "-session__start"
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
