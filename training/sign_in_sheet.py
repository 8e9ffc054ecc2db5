"""The sign-in sheet as a PDF: what the trainer prints and the participants sign.

Like the certificate, it is rendered on demand (WeasyPrint) from what is already
stored. It is written in the language of whoever asks for it (the trainer or
staff printing it), with times in the lab's zone.

The view lives here rather than in views.py so that the sheet (its rendering
and who may download it) stays in one small module.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from training.selectors import MARKABLE_STATUSES, session_roster, sessions_trained_by

# Empty rows for people who turn up without a seat in the system.
BLANK_ROWS = 3


def sign_in_sheet_filename(session) -> str:
    day = timezone.localtime(session.start, session.lab.tz).date().isoformat()
    return f"sign-in-sheet-{slugify(session.course.title)[:60]}-{day}.pdf"


def render_sign_in_sheet_html(session) -> str:
    """The sheet's HTML in the active language; `session` comes with its course, lab and trainer."""
    trainer = session.trainer
    context = {
        "session": session,
        "course": session.course,
        "lab": session.lab,
        "trainer_name": (trainer.full_name or trainer.email) if trainer else "",
        "people": [e for e in session_roster(session) if e.status in MARKABLE_STATUSES],
        "blank_rows": range(BLANK_ROWS),
        "language": translation.get_language(),
    }
    return render_to_string("training/pdf/sign_in_sheet.html", context)


def render_sign_in_sheet_pdf(session) -> bytes:
    """A4 portrait PDF of the session's sign-in sheet (the caller checks who may have it)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which takes a moment

    return HTML(string=render_sign_in_sheet_html(session)).write_pdf()


@never_cache
@login_required
@require_safe
def sign_in_sheet_pdf(request, pk):
    """The sign-in sheet as a PDF, for the session's trainer and its lab's staff (the roster's rule); others: 404."""
    session = get_object_or_404(sessions_trained_by(request.user), pk=pk)
    response = HttpResponse(render_sign_in_sheet_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sign_in_sheet_filename(session)}"'
    return response
