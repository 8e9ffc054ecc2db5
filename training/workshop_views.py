"""School-workshop pages: the public offers and registration, the teacher's private page, the staff's desk.

The teacher has no account: their request is reached through the private link
emailed by the service (`registration_by_token`); those pages are not indexed
and send no referrer, so that the link does not leak. Every change goes through
the services of `training/workshops.py`, the same ones the API calls; a
`DomainError` becomes a form error with the error's status.
"""

import csv
import datetime as dt
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fablab.billing.amounts import format_rate, tax_cents
from fablab.core.csv import Echo as _Echo
from fablab.core.csv import csv_safe
from fablab.core.errors import DomainError
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from machines.models import Machine
from training.models import RegistrationStatus
from training.quotes import quote_amounts, quote_valid_until, render_quote_pdf
from training.selectors import (
    registration_blocks,
    registrations_for_staff,
    registrations_managed_by,
    workshop_offers_published,
    workshop_reach,
    workshop_report_years,
)
from training.workshop_forms import (
    ConfirmForm,
    InvoiceForm,
    RegistrationCancelForm,
    RegistrationForm,
    ReportForm,
    StaffCancelForm,
    StaffFilterForm,
    StepForm,
)
from training.workshops import (
    registration_by_token,
    registration_cancel,
    registration_confirm,
    registration_invoice,
    registration_mark_held,
    registration_send_quote,
    registration_submit,
)

# Submissions of the registration form per client address in a window: plenty for a school
# that shares one address, few enough to make flooding the labs' inboxes pointless.
REGISTRATION_LIMIT = 10
REGISTRATION_WINDOW_SECONDS = 60 * 60
STAFF_PAGE_SIZE = 25
CANCELLABLE = (RegistrationStatus.REQUESTED, RegistrationStatus.CONFIRMED)
TIMELINE = (
    RegistrationStatus.REQUESTED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.HELD,
    RegistrationStatus.INVOICED,
)


def _private(response):
    """A page or file reached through a teacher's private link: its address must not travel on."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- Public: offers and registration ---------------------------------------------


def _with_prices(offers):
    """Each offer's price including VAT (rounded as on the invoice) and its rate as read in this language."""
    language = (get_language() or "fr")[:2]
    for offer in offers:
        offer.price_incl_vat_cents = offer.price_per_class_cents + tax_cents(
            offer.price_per_class_cents, offer.vat_rate_bp
        )
        offer.vat_rate_label = format_rate(offer.vat_rate_bp, language)
    return offers


@require_safe
def offer_list(request):
    offers = _with_prices(list(workshop_offers_published()))
    return render(request, "training/workshops/list.html", {"offers": offers})


def _offer(slug):
    offer = workshop_offers_published().filter(slug=slug).first()
    if offer is None:
        raise Http404
    return _with_prices([offer])[0]


def _client_address(request):
    # The address the server saw: a proxy in front must pass the client's (X-Forwarded-For is not trusted here).
    return request.META.get("REMOTE_ADDR", "")


def _over_registration_limit(request):
    """Count this submission; True once the client's address has sent more than the limit in the window."""
    key = "workshops:register:" + hashlib.sha256(_client_address(request).encode()).hexdigest()
    cache.add(key, 0, timeout=REGISTRATION_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=REGISTRATION_WINDOW_SECONDS)
        count = 1
    return count > REGISTRATION_LIMIT


def _register_page(request, offer, form, *, status=200):
    return render(request, "training/workshops/register.html", {"offer": offer, "form": form}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def register(request, slug):
    """A teacher registers a class, without an account; the private follow-up link is emailed."""
    offer = _offer(slug)
    labs = Lab.objects.filter(pk__in=[lab.pk for lab in offer.offered_at]).order_by("name")
    if request.method != "POST":
        return _register_page(request, offer, RegistrationForm(offer=offer, labs=labs))
    if _over_registration_limit(request):
        response = render(request, "training/workshops/too_many.html", {"offer": offer}, status=429)
        response["Retry-After"] = str(REGISTRATION_WINDOW_SECONDS)
        return response
    if request.POST.get("website"):
        # A robot filled the hidden field: it gets the usual answer, and nothing is written or sent.
        return redirect("workshops:registered", slug=offer.slug)
    form = RegistrationForm(request.POST, offer=offer, labs=labs)
    if not form.is_valid():
        return _register_page(request, offer, form, status=400)
    try:
        registration_submit(offer=offer, language=(get_language() or "fr")[:2], **form.submission())
    except DomainError as error:
        form.add_domain_error(error)
        return _register_page(request, offer, form, status=error.status)
    return redirect("workshops:registered", slug=offer.slug)


@require_safe
def registered(request, slug):
    return render(request, "training/workshops/registered.html", {"offer": _offer(slug)})


# --- The teacher's private page --------------------------------------------------


def _by_token(token):
    registration = registration_by_token(token)
    if registration is None:
        raise Http404
    return registration


def _timeline(registration):
    """[(status, label, state)] with state "done", "current" or "todo"; a cancelled request stops where it was."""
    reached = TIMELINE.index(registration.status) if registration.status in TIMELINE else -1
    steps = []
    for index, status in enumerate(TIMELINE):
        state = "done" if index < reached else "current" if index == reached else "todo"
        steps.append((status, status.label, state))
    return steps


def _follow_page(request, registration, form=None, *, status=200):
    context = {
        "registration": registration,
        "offer": registration.offer,
        "lab": registration.lab,
        "timeline": _timeline(registration),
        "preferred_dates": [dt.date.fromisoformat(value) for value in registration.preferred_dates],
        "amounts": quote_amounts(registration),
        "quote_valid_until": quote_valid_until(registration),
        "can_cancel": registration.status in CANCELLABLE,
        "form": form or RegistrationCancelForm(),
    }
    return _private(render(request, "training/workshops/follow.html", context, status=status))


@never_cache
@require_safe
def follow(request, token):
    return _follow_page(request, _by_token(token))


@never_cache
@require_POST
def follow_cancel(request, token):
    registration = _by_token(token)
    form = RegistrationCancelForm(request.POST)
    if not form.is_valid():
        return _follow_page(request, registration, form, status=400)
    try:
        registration_cancel(registration=registration, reason=form.cleaned_data["reason"], token=token)
    except DomainError as error:
        form.add_domain_error(error)
        registration.refresh_from_db()
        return _follow_page(request, registration, form, status=error.status)
    messages.success(request, _("Your request is cancelled. The lab's team is told, and you get an email."))
    return _private(redirect("workshops:follow", token=token))


def _quote_response(registration):
    if not registration.quote_number:
        raise Http404
    response = HttpResponse(render_quote_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{registration.quote_number}.pdf"'
    return response


@never_cache
@require_safe
def quote_pdf(request, token):
    return _private(_quote_response(_by_token(token)))


@never_cache
@require_safe
def invoice_pdf(request, token):
    """The stored legal copy of the school's invoice, byte for byte."""
    registration = _by_token(token)
    invoice = registration.invoice
    if invoice is None:
        raise Http404
    response = FileResponse(
        invoice.pdf.open("rb"), as_attachment=True, filename=f"{invoice.number}.pdf", content_type="application/pdf"
    )
    return _private(response)


# --- Staff -----------------------------------------------------------------------


def _managed_labs(request):
    """The labs whose workshops the user manages; someone who manages none gets a 403."""
    labs = list(labs_where(request.user, Action.MANAGE_TRAININGS, Lab.objects.all()).order_by("name"))
    if not labs:
        raise PermissionDenied
    return labs


def _page_query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_safe
def staff_list(request):
    labs = _managed_labs(request)
    form = StaffFilterForm(request.GET, labs=Lab.objects.filter(pk__in=[lab.pk for lab in labs]).order_by("name"))
    valid = form.is_valid()
    registrations = registrations_for_staff(request.user, labs=labs, **form.filters())
    page = Paginator(registrations, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for registration in page.object_list:
        registration.wished_days = [dt.date.fromisoformat(value) for value in registration.preferred_dates]
    context = {"form": form, "page": page, "page_query": _page_query(request), "several_labs": len(labs) > 1}
    return render(request, "training/workshops/staff_list.html", context, status=200 if valid else 400)


def _managed_registration(request, pk):
    """The request if the user manages its lab; 403 for those who manage no lab, 404 for other labs' requests."""
    _managed_labs(request)
    return get_object_or_404(registrations_managed_by(request.user), pk=pk)


def _lab_machines(registration):
    return Machine.objects.filter(lab=registration.lab).order_by("name")


def _staff_page(request, registration, *, bound=None, status=200):
    """The request's page with a form per step; `bound` = (name, form) refused, shown with its errors."""
    forms = {
        "confirm": ConfirmForm(registration=registration, machines=_lab_machines(registration)),
        "quote": StepForm(),
        "held": StepForm(),
        "invoice": InvoiceForm(),
        "cancel": StaffCancelForm(),
    }
    if bound is not None:
        forms[bound[0]] = bound[1]
    now = timezone.now()
    steps = {
        "confirm": registration.status == RegistrationStatus.REQUESTED,
        "quote": registration.status in CANCELLABLE,
        "held": registration.status == RegistrationStatus.CONFIRMED,
        "invoice": registration.status == RegistrationStatus.HELD,
        "cancel": registration.status in CANCELLABLE,
    }
    # A step refused because the request moved on meanwhile has no form left on the page to show its error.
    orphan_errors = bound[1].errors.get("__all__", []) if bound is not None and not steps[bound[0]] else []
    context = {
        "registration": registration,
        "offer": registration.offer,
        "lab": registration.lab,
        "forms": forms,
        "timeline": _timeline(registration),
        "preferred_dates": [dt.date.fromisoformat(value) for value in registration.preferred_dates],
        "amounts": quote_amounts(registration),
        "quote_valid_until": quote_valid_until(registration),
        "blocks": registration_blocks(registration),
        "steps": steps,
        "orphan_errors": orphan_errors,
        "started": registration.start is not None and registration.start <= now,
    }
    return render(request, "training/workshops/staff_detail.html", context, status=status)


@login_required
@require_safe
def staff_detail(request, pk):
    return _staff_page(request, _managed_registration(request, pk))


def _staff_step(request, pk, name, make_form, action, success):
    """Run one step: the form's shape, then the service; a refusal shows the page with the error."""
    registration = _managed_registration(request, pk)
    form = make_form(registration)
    if not form.is_valid():
        return _staff_page(request, registration, bound=(name, form), status=400)
    try:
        action(registration, form.cleaned_data)
    except DomainError as error:
        form.add_domain_error(error)
        registration = _managed_registration(request, pk)  # as it is now, the transaction rolled back
        return _staff_page(request, registration, bound=(name, form), status=error.status)
    messages.success(request, success)
    return redirect("workshops:staff_detail", pk=pk)


@login_required
@require_POST
def staff_confirm(request, pk):
    return _staff_step(
        request,
        pk,
        "confirm",
        lambda registration: ConfirmForm(request.POST, registration=registration, machines=_lab_machines(registration)),
        lambda registration, data: registration_confirm(
            registration=registration, start=data["start"], machines=list(data["machines"]), by=request.user
        ),
        _("The workshop is confirmed and the teacher is told. The machines are blocked in the calendar."),
    )


@login_required
@require_POST
def staff_quote(request, pk):
    return _staff_step(
        request,
        pk,
        "quote",
        lambda registration: StepForm(request.POST),
        lambda registration, data: registration_send_quote(registration=registration, by=request.user),
        _("The quote is sent: the teacher downloads it from their private page."),
    )


@login_required
@require_POST
def staff_held(request, pk):
    return _staff_step(
        request,
        pk,
        "held",
        lambda registration: StepForm(request.POST),
        lambda registration, data: registration_mark_held(registration=registration, by=request.user),
        _("The workshop is recorded as held. It can now be invoiced."),
    )


@login_required
@require_POST
def staff_invoice(request, pk):
    return _staff_step(
        request,
        pk,
        "invoice",
        lambda registration: InvoiceForm(request.POST),
        lambda registration, data: registration_invoice(
            registration=registration, by=request.user, payment_method=data["payment_method"]
        ),
        _("The invoice is issued and the teacher is told."),
    )


@login_required
@require_POST
def staff_cancel(request, pk):
    return _staff_step(
        request,
        pk,
        "cancel",
        lambda registration: StaffCancelForm(request.POST),
        lambda registration, data: registration_cancel(
            registration=registration, reason=data["reason"], by=request.user
        ),
        _("The request is cancelled; its machine blocks are released and the teacher is told."),
    )


@login_required
@require_safe
def staff_quote_pdf(request, pk):
    return _quote_response(_managed_registration(request, pk))


# --- Yearly report ---------------------------------------------------------------


def _report_csv(reach, year):
    writer = csv.writer(_Echo())
    lines = [writer.writerow([_("Lab"), _("Class level"), _("Classes"), _("Pupils")])]
    lines += [writer.writerow([csv_safe(cell) for cell in row]) for row in reach["details"]]
    lines.append(writer.writerow([_("Total"), "", *reach["total"]]))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="school-workshops-{year}-{year + 1}.csv"'
    return response


@login_required
@require_safe
def report(request):
    """Classes and pupils reached per lab and per school level over a school year (September to August)."""
    labs = _managed_labs(request)
    years = workshop_report_years(labs, timezone.localdate())
    form = ReportForm(request.GET if "year" in request.GET else None, years=years, initial={"year": years[0]})
    valid = form.is_valid() if form.is_bound else True
    year = form.cleaned_data["year"] if form.is_bound and valid else years[0]
    reach = workshop_reach(labs=labs, year=year)
    if valid and request.GET.get("format") == "csv":
        return _report_csv(reach, year)
    context = {"form": form, "year": year, "reach": reach, "several_labs": len(labs) > 1}
    return render(request, "training/workshops/report.html", context, status=200 if valid else 400)
