"""HTML training pages: the catalogue, a session's page and its seat, my trainings, the trainer's roster.

Each view parses its input, asks a selector or calls the same service as the
API (`enrollment_create`, `enrollment_cancel`, `enrollment_accept_offer`,
`attendance_record`), and turns a `DomainError` into a message on the page
with the error's status.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fablab.billing import stripe_api
from fablab.core.errors import DomainError
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from training.certificates import certificate_filename, render_certificate_pdf
from training.forms import AttendanceForm, CatalogueFilterForm
from training.models import EnrollmentStatus, PaymentMode, Session, SessionStatus
from training.selectors import (
    MARKABLE_STATUSES,
    course_catalogue,
    enrollment_of_member,
    enrollments_for_member,
    member_enrollments_page,
    qualifications_live,
    session_for_page,
    session_roster,
    sessions_to_teach,
    sessions_trained_by,
)
from training.services import (
    attendance_record,
    enrollment_accept_offer,
    enrollment_cancel,
    enrollment_create,
    enrollment_pay_online,
    prerequisites_met,
    price_for,
)
from training.templatetags.training_tags import euros

# Enrollments the member may still give back (enrollment_cancel refuses the others).
CANCELLABLE_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.OFFERED, EnrollmentStatus.WAITLISTED)


def _when(session):
    """("26 March 2026", "14:00") in the session's lab zone, for messages."""
    local = session.start.astimezone(session.lab.tz)
    return formats.date_format(local, "DATE_FORMAT"), local.strftime("%H:%M")


def _safe_next(request, default):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def catalogue(request):
    form = CatalogueFilterForm(request.GET)
    valid = form.is_valid()
    # An unknown lab is reported on its field; the catalogue then shows every lab.
    lab = form.cleaned_data.get("lab") if valid else None
    context = {"form": form, "courses": course_catalogue(lab=lab), "lab": lab, "now": timezone.now()}
    return render(request, "training/catalogue.html", context, status=200 if valid else 400)


def _get_session(request, pk):
    try:
        return session_for_page(pk, user=request.user)
    except Session.DoesNotExist:
        raise Http404 from None


def _session_page(request, session, *, error=None, status=200):
    user, now = request.user, timezone.now()
    enrollment = enrollment_of_member(session, user)
    signed_in = user.is_authenticated
    context = {
        "session": session,
        "course": session.course,
        "lab": session.lab,
        "seats_left": max(session.capacity - session.seats_taken, 0),
        "open": session.status == SessionStatus.SCHEDULED and session.start > now,
        "enrollment": enrollment,
        "can_cancel": enrollment is not None and enrollment.status in CANCELLABLE_STATUSES and session.start > now,
        "offer_open": enrollment is not None
        and enrollment.status == EnrollmentStatus.OFFERED
        and enrollment.offer_expires_at
        and enrollment.offer_expires_at > now,
        "price": price_for(user, session) if signed_in else None,
        "prerequisites_met": prerequisites_met(user, session.course) if signed_in else True,
        "free_cancellation_until": session.start - dt.timedelta(days=session.course.cancellation_days),
        "teaches": signed_in and sessions_trained_by(user).filter(pk=session.pk).exists(),
        "online_payment": stripe_api.enabled(),
        "error": error,
    }
    return render(request, "training/session_detail.html", context, status=status)


def session_detail(request, pk):
    return _session_page(request, _get_session(request, pk))


@login_required
@require_POST
def session_enroll(request, pk):
    """Take a seat, or a place on the waiting list when the session is full; paid on site or, if chosen, online."""
    session = _get_session(request, pk)
    mode = PaymentMode.ONLINE if request.POST.get("payment_mode") == PaymentMode.ONLINE else PaymentMode.ON_SITE
    try:
        enrollment = enrollment_create(session=session, member=request.user, payment_mode=mode)
    except DomainError as error:
        return _session_page(request, session, error=error.message, status=error.status)
    if enrollment.payment_mode == PaymentMode.ONLINE and enrollment.status == EnrollmentStatus.CONFIRMED:
        return _pay_online(request, session, enrollment)
    day, time = _when(session)
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        message = _(
            "%(course)s on %(date)s is full: you are on its waiting list. "
            "If a seat frees up, we offer it to you by email."
        ) % {"course": session.course.title, "date": day}
    elif enrollment.payment_mode == PaymentMode.FREE:
        message = _("Your seat is confirmed: %(course)s on %(date)s at %(time)s.") % {
            "course": session.course.title,
            "date": day,
            "time": time,
        }
    else:
        message = _("Your seat is confirmed: %(course)s on %(date)s at %(time)s. You pay %(price)s at the lab.") % {
            "course": session.course.title,
            "date": day,
            "time": time,
            "price": euros(enrollment.price_cents),
        }
    messages.success(request, message)
    return redirect("training:session", pk=session.pk)


def _pay_online(request, session, enrollment):
    """Send the member to Stripe Checkout; if it cannot start, give the seat back rather than hold it unpaid."""
    page = request.build_absolute_uri(reverse("training:session", args=[session.pk]))
    try:
        return redirect(enrollment_pay_online(enrollment=enrollment, success_url=page, cancel_url=page))
    except DomainError as error:
        enrollment_cancel(enrollment=enrollment, by=request.user)
        return _session_page(request, session, error=error.message, status=error.status)


@login_required
@require_POST
def enrollment_cancel_view(request, pk):
    """Give one's seat back or leave the waiting list. Only one's own enrollments (others: 404)."""
    enrollment = get_object_or_404(enrollments_for_member(request.user), pk=pk)
    session = _get_session(request, enrollment.session_id)
    was_waiting = enrollment.status == EnrollmentStatus.WAITLISTED
    try:
        enrollment_cancel(enrollment=enrollment, by=request.user)
    except DomainError as error:
        return _session_page(request, session, error=error.message, status=error.status)
    day, _time = _when(session)
    if was_waiting:
        message = _("You left the waiting list of %(course)s on %(date)s.")
    else:
        message = _("Your seat in %(course)s on %(date)s is cancelled.")
    messages.success(request, message % {"course": session.course.title, "date": day})
    return redirect(_safe_next(request, reverse("training:session", args=[session.pk])))


@login_required
@require_POST
def enrollment_accept(request, pk):
    """Take the seat offered from the waiting list. Only one's own offers (others: 404)."""
    enrollment = get_object_or_404(enrollments_for_member(request.user), pk=pk)
    session = _get_session(request, enrollment.session_id)
    try:
        enrollment = enrollment_accept_offer(enrollment=enrollment, member=request.user)
    except DomainError as error:
        return _session_page(request, session, error=error.message, status=error.status)
    day, time = _when(session)
    messages.success(
        request,
        _("The seat is yours: %(course)s on %(date)s at %(time)s is confirmed.")
        % {"course": session.course.title, "date": day, "time": time},
    )
    return redirect(_safe_next(request, reverse("training:session", args=[session.pk])))


@login_required
@require_safe
def my_trainings(request):
    now = timezone.now()
    upcoming, past = member_enrollments_page(request.user, now)
    context = {
        "upcoming": upcoming,
        "past": past,
        "qualifications": qualifications_live(request.user, now),
        "now": now,
        "cancellable": CANCELLABLE_STATUSES,
        "teaches": labs_where(request.user, Action.TEACH, Lab.objects.all()).exists(),
    }
    return render(request, "training/my_trainings.html", context)


@login_required
@require_safe
def teach(request):
    """The sessions a trainer runs, or every session of the labs whose trainings the user manages."""
    if not labs_where(request.user, Action.TEACH, Lab.objects.all()).exists():
        raise PermissionDenied
    now = timezone.now()
    coming, recent = sessions_to_teach(request.user, now)
    return render(request, "training/teach.html", {"coming": coming, "recent": recent, "now": now})


def _roster_session(request, pk):
    """The session if the user trains it or manages its lab's trainings; 404 for everyone else."""
    return get_object_or_404(sessions_trained_by(request.user), pk=pk)


def _roster_page(request, session, form=None, *, status=200):
    now = timezone.now()
    roster = session_roster(session)
    if form is not None:
        # A refused form shows the boxes as they were ticked.
        ticked = set(form.cleaned_data.get("present") or [])
    else:
        ticked = {e.pk for e in roster if e.status == EnrollmentStatus.ATTENDED}
    context = {
        "session": session,
        "lab": session.lab,
        "form": form or AttendanceForm(),
        "markable": [(e, e.pk in ticked) for e in roster if e.status in MARKABLE_STATUSES],
        "waiting": [e for e in roster if e.status not in MARKABLE_STATUSES],
        "can_record": session.status != SessionStatus.CANCELLED and session.start <= now,
        "now": now,
    }
    return render(request, "training/roster.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def roster(request, pk):
    """The roster on a phone: who is coming, and the attendance form once the session has started."""
    session = _roster_session(request, pk)
    if request.method == "GET":
        return _roster_page(request, session)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, session, form, status=400)
    marks = form.marks
    try:
        attendance_record(session=session, present=marks, by=request.user)
    except DomainError as error:
        form.add_error(None, error.message)
        return _roster_page(request, session, form, status=error.status)
    came = sum(marks.values())
    # "present: 3, absent: 1" reads right whatever the counts, in French too (no plural forms needed).
    message = _("Attendance recorded (present: %(present)s, absent: %(absent)s).") % {
        "present": came,
        "absent": len(marks) - came,
    }
    machines = [machine.name for machine in session.course.qualifies_for.all()]
    if came and machines:
        message += " " + _("Those present are now qualified for %(machines)s.") % {"machines": ", ".join(machines)}
    messages.success(request, message)
    return redirect("training:roster", pk=session.pk)


@login_required
@require_safe
def sign_in_sheet(request, pk):
    """A printable sheet for participants to sign (a PDF version comes with the billing PDFs)."""
    session = _roster_session(request, pk)
    people = [e for e in session_roster(session) if e.status in MARKABLE_STATUSES]
    context = {"session": session, "lab": session.lab, "people": people, "blank_rows": range(3)}
    return render(request, "training/sign_in_sheet.html", context)


@never_cache
@login_required
@require_safe
def certificate(request, pk):
    """The member's attendance certificate (PDF) for a session they attended; anyone else's: 404."""
    enrollments = enrollments_for_member(request.user).select_related("session__trainer", "member")
    enrollment = get_object_or_404(enrollments, pk=pk, status=EnrollmentStatus.ATTENDED)
    response = HttpResponse(render_certificate_pdf(enrollment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(enrollment)}"'
    return response
