"""Attendance certificates: a PDF a member downloads once they attended a session.

Like a quote, a certificate is rendered on demand (WeasyPrint), not stored:
everything it prints is already kept (the enrollment, its session and the
qualifications attending granted). It is written in the member's preferred
language and carries a verification code, an HMAC of the enrollment id with
the SECRET_KEY, that the lab can recompute to tell a genuine certificate from
an edited one.
"""

import hashlib
import hmac

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from machines.models import Qualification
from machines.views import duration_text

# Names what the code signs, so that no other HMAC of an id made with the same key can pass for it.
CODE_PURPOSE = "training.certificate"
CODE_LENGTH = 12


def verification_code(enrollment) -> str:
    """The first 12 hex digits of HMAC-SHA256(SECRET_KEY, purpose + enrollment id), as "ABCD-EF01-2345"."""
    message = f"{CODE_PURPOSE}:{enrollment.pk}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:CODE_LENGTH].upper()
    return "-".join(digest[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def certificate_filename(enrollment) -> str:
    session = enrollment.session
    day = timezone.localtime(session.start, session.lab.tz).date().isoformat()
    return f"certificate-{slugify(session.course.title)[:60]}-{day}.pdf"


def qualifications_from(enrollment):
    """The qualifications attending granted: for each machine of the course, the member's first one
    granted once the session had started (attendance is recorded from then on). One query.
    """
    session = enrollment.session
    machines = session.course.qualifies_for.all()
    granted = (
        Qualification.objects.filter(user_id=enrollment.member_id, machine__in=machines, granted_at__gte=session.start)
        .select_related("machine")
        .order_by("granted_at", "pk")
    )
    first = {}
    for qualification in granted:
        first.setdefault(qualification.machine_id, qualification)
    return sorted(first.values(), key=lambda qualification: qualification.machine.name)


def _context(enrollment):
    session = enrollment.session
    lab, trainer = session.lab, session.trainer
    return {
        "enrollment": enrollment,
        "session": session,
        "course": session.course,
        "lab": lab,
        "legal_name": lab.legal_name or lab.name,
        "member_name": enrollment.member.full_name or enrollment.member.email,
        "trainer_name": (trainer.full_name or trainer.email) if trainer else "",
        "duration": duration_text((session.end - session.start).total_seconds() // 60),
        "qualifications": qualifications_from(enrollment),
        "issued_on": timezone.now(),
        "code": verification_code(enrollment),
        "language": enrollment.member.preferred_language,
    }


def render_certificate_html(enrollment) -> str:
    with translation.override(enrollment.member.preferred_language):
        return render_to_string("training/pdf/certificate.html", _context(enrollment))


def render_certificate_pdf(enrollment) -> bytes:
    """A4 landscape PDF of an attended enrollment's certificate (the caller checks it was attended)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which takes a moment

    return HTML(string=render_certificate_html(enrollment)).write_pdf()
