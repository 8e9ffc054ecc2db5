"""Who hears about trainings, and what they receive (sent after the commit)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from fablab.core.email import email_on_commit, email_user


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


def notify_registration(registration):
    """Tell the teacher (who has no account) about each step, in the language of their request."""
    context = {"registration": registration, "site_url": settings.SITE_URL}
    with translation.override(registration.language):
        subject = " ".join(render_to_string("training/email/registration_subject.txt", context).split())
        body = render_to_string("training/email/registration.txt", context)
        html = render_to_string("training/email/registration.html", context)
    email_on_commit(subject=subject, body=body, html=html, to=[registration.teacher_email])
