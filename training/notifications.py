"""Who hears about trainings, and what they receive (sent after the commit, see fablab/notifications)."""

from fablab.labs.models import Membership, Role
from fablab.notifications.services import notify, notify_address


def _send(enrollment, kind, template, **context):
    notify(enrollment.member, kind, f"training/email/{template}", {"enrollment": enrollment, **context})


def notify_enrollment(enrollment):
    _send(enrollment, "enrollment", "enrollment")


def notify_enrollment_cancelled(enrollment, *, refundable):
    _send(enrollment, "enrollment", "enrollment_cancelled", refundable=refundable)


def notify_seat_offered(enrollment):
    _send(enrollment, "seat_offered", "seat_offered")


def notify_session_cancelled(enrollment, *, reason):
    _send(enrollment, "session_cancelled", "session_cancelled", reason=reason)


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
