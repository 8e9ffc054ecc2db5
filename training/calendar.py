"""Training sessions as public events of their lab's iCal feed (bookings/calendar.py).

The bookings app may not import this one, so it calls the source registered
from `TrainingConfig.ready()`: `register_lab_event_source(sessions_as_lab_events)`.
"""

from django.conf import settings
from django.urls import reverse

from bookings.calendar import LabEvent, calendar_uid, event_ics_attachment
from training.models import Session, SessionStatus


def session_url(session) -> str:
    """The session page's absolute address, for calendar apps that link events."""
    return settings.SITE_URL.rstrip("/") + reverse("training:session", args=[session.pk])


def sessions_as_lab_events(lab, *, since, until):
    """The published sessions of `lab` overlapping [since, until), one query.

    Cancelled sessions stay in the feed as STATUS:CANCELLED (with SEQUENCE 1, as
    their cancellation is the one change a session goes through) so that
    subscribed calendars remove them instead of keeping a stale copy.
    """
    sessions = (
        Session.objects.filter(lab=lab, course__is_published=True, start__lt=until, end__gt=since)
        .select_related("course")
        .order_by("start", "pk")
    )
    for session in sessions:
        cancelled = session.status == SessionStatus.CANCELLED
        yield LabEvent(
            uid=calendar_uid("training-session", session.pk),
            summary=session.course.title,
            start=session.start,
            end=session.end,
            description=session.course.description,
            url=session_url(session),
            cancelled=cancelled,
            sequence=1 if cancelled else 0,
            # The model keeps no time of cancellation: the feed's daily stamp stands in for it.
            last_modified=None if cancelled else session.created_at,
        )


def enrollment_ics_attachment(enrollment, *, method: str) -> tuple[str, str, str]:
    """The seat as an event in the member's calendar: REQUEST on enrollment, CANCEL when it ends.

    The UID is the enrollment's (not the session's, which the lab feed uses), so
    a member subscribed to both sees the seat and the public event apart.
    """
    session = enrollment.session
    return event_ics_attachment(
        uid=calendar_uid("training-enrollment", enrollment.pk),
        summary=f"{session.course.title} — {session.lab.name}",
        start=session.start,
        end=session.end,
        lab=session.lab,
        attendee=enrollment.member,
        method=method,
        sequence=0 if method == "REQUEST" else 1,
        url=session_url(session),
    )
