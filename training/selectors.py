from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from training.models import SEATED_STATUSES, Course, Enrollment, Session, SessionStatus


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
