"""Who hears about trainings, and what they receive (sent after the commit)."""

from fablab.core.email import email_user


def _send(enrollment, template, **context):
    email_user(enrollment.member, f"training/email/{template}", {"enrollment": enrollment, **context})


def notify_enrollment(enrollment):
    _send(enrollment, "enrollment")


def notify_enrollment_cancelled(enrollment, *, refundable):
    _send(enrollment, "enrollment_cancelled", refundable=refundable)


def notify_seat_offered(enrollment):
    _send(enrollment, "seat_offered")


def notify_session_cancelled(enrollment, *, reason):
    _send(enrollment, "session_cancelled", reason=reason)
