"""Who hears about trainings, and what they receive (sent after the commit, see fablab/notifications)."""

from fablab.labs.models import Membership, Role
from fablab.notifications.services import notify, notify_address
from training.calendar import enrollment_ics_attachment
from training.models import EnrollmentStatus


def _send(enrollment, kind, template, *, ics=None, **context):
    notify(
        enrollment.member,
        kind,
        f"training/email/{template}",
        {"enrollment": enrollment, **context},
        attachments=[enrollment_ics_attachment(enrollment, method=ics)] if ics else (),
    )


def notify_enrollment(enrollment):
    """A confirmed seat carries its .ics; a place on the waiting list does not (nothing to put in a calendar)."""
    seated = enrollment.status == EnrollmentStatus.CONFIRMED
    _send(enrollment, "enrollment", "enrollment", ics="REQUEST" if seated else None)


def notify_enrollment_cancelled(enrollment, *, refundable):
    _send(enrollment, "enrollment", "enrollment_cancelled", refundable=refundable, ics="CANCEL")


def notify_seat_offered(enrollment):
    _send(enrollment, "seat_offered", "seat_offered")


def notify_session_reminder(enrollment) -> bool:
    """The day-before reminder, once per seat and start time (a session moved is reminded again)."""
    return notify(
        enrollment.member,
        "session_reminder",
        "training/email/session_reminder",
        {"enrollment": enrollment},
        attachments=[enrollment_ics_attachment(enrollment, method="REQUEST")],
        once_key=f"enrollment:{enrollment.pk}:{enrollment.session.start.isoformat()}",
    )


def notify_session_cancelled(enrollment, *, reason):
    _send(enrollment, "session_cancelled", "session_cancelled", reason=reason, ics="CANCEL")


def notify_session_under_minimum(session, *, seats_taken):
    """The trainer and the lab's staff learn that the headcount check cancelled their session."""
    staff = Membership.objects.filter(lab_id=session.lab_id, role=Role.STAFF).select_related("user")
    recipients = {membership.user.pk: membership.user for membership in staff}
    if session.trainer_id:
        recipients.setdefault(session.trainer_id, session.trainer)
    for user in recipients.values():
        notify(
            user,
            "session_under_minimum",
            "training/email/session_under_minimum",
            {"session": session, "seats_taken": seats_taken},
        )


def notify_registration(registration):
    """Tell the teacher (who has no account) about each step, in the language of their request."""
    notify_address(
        registration.teacher_email,
        "school_request",
        "training/email/registration",
        {"registration": registration},
        language=registration.language,
    )
