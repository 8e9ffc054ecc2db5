"""HTML booking pages: confirm a slot, my bookings, cancel, the staff's day view.

Each view parses its input, asks a selector or calls the same service as the
API (`booking_create`, `booking_cancel`), and turns a `DomainError` into a
message on the page with the error's status.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings import rules
from bookings.forms import BookingForm, SlotQueryForm
from bookings.selectors import lab_day_schedule, member_bookings, member_bookings_page
from bookings.services import booking_cancel, booking_create, refund_for_cancellation
from fablab.core.errors import DomainError
from fablab.credits.selectors import balance_minutes, balances_for_user
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where, require, user_can
from machines.selectors import machines_for_public
from machines.views import duration_text


def _confirm_page(request, machine, form, *, start=None, length=None, status=200):
    lab = machine.lab
    context = {
        "machine": machine,
        "lab": lab,
        "form": form,
        "show_form": isinstance(form, BookingForm) and start is not None,
        "start": start,
        "end": start + dt.timedelta(minutes=length) if start and length else None,
        "length_text": duration_text(length) if length else "",
        "cost": machine.credits_for(length) if length else None,
        "balance": balance_minutes(user=request.user, lab=lab),
        "week": start.astimezone(lab.tz).date().isoformat() if start else "",
    }
    return render(request, "bookings/book_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def machine_book(request, pk):
    """GET: the slot picked in the calendar, to confirm. POST: book it."""
    machine = get_object_or_404(machines_for_public(), pk=pk)
    if request.method == "POST":
        return _machine_book_post(request, machine)
    query = SlotQueryForm(request.GET)
    if not query.is_valid():
        return _confirm_page(request, machine, query, status=400)
    start = query.cleaned_data["start"]
    end = query.cleaned_data["end"] or start + dt.timedelta(minutes=machine.min_minutes)
    try:
        # The same checks the service runs first, so that a bad link is told at once.
        rules.check_times(start, end)
        length = rules.check_grid_and_length(machine, start, end)
    except DomainError as error:
        query.add_error(None, error.message)
        return _confirm_page(request, machine, query, start=start, status=error.status)
    form = BookingForm(initial={"start": start, "length_minutes": length}, machine=machine)
    return _confirm_page(request, machine, form, start=start, length=length)


def _machine_book_post(request, machine):
    form = BookingForm(request.POST, machine=machine)
    if not form.is_valid():
        return _confirm_page(request, machine, form, start=form.cleaned_data.get("start"), status=400)
    start, length = form.cleaned_data["start"], form.cleaned_data["length_minutes"]
    try:
        booking = booking_create(
            member=request.user,
            machine=machine,
            start=start,
            end=form.cleaned_data["end"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        form.add_error("length_minutes" if error.field == "end" else None, error.message)
        return _confirm_page(request, machine, form, start=start, length=length, status=error.status)
    local_start = booking.start.astimezone(machine.lab.tz)
    messages.success(
        request,
        _("Booked: %(machine)s on %(date)s at %(time)s for %(length)s. %(credits)s credit minutes were debited.")
        % {
            "machine": machine.name,
            "date": formats.date_format(local_start, "DATE_FORMAT"),
            "time": local_start.strftime("%H:%M"),
            "length": duration_text(length),
            "credits": booking.credits_minutes,
        },
    )
    return redirect("bookings:list")


@login_required
def booking_list(request):
    now = timezone.now()
    upcoming, past = member_bookings_page(request.user, now)
    context = {"upcoming": upcoming, "past": past, "balances": balances_for_user(request.user), "now": now}
    return render(request, "bookings/booking_list.html", context)


def _cancel_page(request, booking, *, error=None, status=200):
    now = timezone.now()
    # The refund the service will give: staff of the lab always get everything back.
    by_staff = user_can(request.user, Action.MANAGE_BOOKINGS, booking.machine.lab_id)
    context = {
        "booking": booking,
        "lab": booking.machine.lab,
        "error": error,
        "cancellable": booking.is_active and (booking.start > now or by_staff),
        "refund": refund_for_cancellation(booking, by_staff=by_staff, now=now),
        "deadline": booking.start - dt.timedelta(hours=booking.machine.cancellation_deadline_hours),
    }
    return render(request, "bookings/cancel_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel_confirm(request, pk):
    """GET: what cancelling gives back. POST: cancel. Only one's own bookings (others: 404)."""
    booking = get_object_or_404(member_bookings(request.user), pk=pk)
    if request.method == "GET":
        return _cancel_page(request, booking)
    try:
        booking = booking_cancel(booking=booking, by=request.user)
    except DomainError as error:
        return _cancel_page(request, booking, error=error.message, status=error.status)
    messages.success(
        request,
        _("Your booking of %(machine)s is cancelled. %(credits)s credit minutes came back to your balance.")
        % {"machine": booking.machine.name, "credits": booking.refunded_minutes},
    )
    return redirect("bookings:list")


def _requested_day(value, today):
    """(local date asked for in `value`, error message or None); `today` by default."""
    if not value:
        return today, None
    try:
        day = dt.date.fromisoformat(value)
        day - dt.timedelta(days=1), day + dt.timedelta(days=1)  # the day links must exist too
    except (ValueError, OverflowError):
        message = _("“%(value)s” is not a date like 2026-03-23; here is today.")
        return today, message % {"value": value[:40]}
    return day, None


@login_required
def staff_day(request):
    """One lab's machines and their bookings on one local day, for the lab's staff."""
    staffed = list(labs_where(request.user, Action.MANAGE_BOOKINGS, Lab.objects.filter(is_active=True)))
    slug = request.GET.get("lab")
    if slug:
        lab = next((lab for lab in staffed if lab.slug == slug), None) or get_object_or_404(Lab, slug=slug)
        require(request.user, Action.MANAGE_BOOKINGS, lab)
    elif staffed:
        lab = staffed[0]
    else:
        raise PermissionDenied
    today = timezone.now().astimezone(lab.tz).date()
    day, date_error = _requested_day(request.GET.get("date"), today)
    context = {
        "lab": lab,
        "labs": staffed if lab in staffed else [lab, *staffed],
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "machines": lab_day_schedule(lab, day),
        "date_error": date_error,
    }
    return render(request, "bookings/staff_day.html", context, status=400 if date_error else 200)
