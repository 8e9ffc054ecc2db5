"""HTML booking pages: confirm a slot, my bookings, cancel, the waiting list, check-in, the staff's day.

Each view parses its input, asks a selector or calls the same service as the
API (`booking_create`, `booking_cancel`, `waitlist_join` …), and turns a
`DomainError` into a message on the page with the error's status.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from bookings import rules, waitlist
from bookings.forms import (
    BlockForm,
    BookingForm,
    BookOnBehalfForm,
    CheckInCodeForm,
    SlotQueryForm,
    WaitlistJoinForm,
)
from bookings.models import BookingKind, BookingStatus
from bookings.qr import check_in_qr_svg
from bookings.selectors import (
    bookings_cancellable_by,
    bookings_managed_by,
    lab_day_schedule,
    lab_members,
    machines_of_lab,
    member_bookings_page,
    member_open_waitlist,
    member_waitlist_entries,
    offer_is_open,
)
from bookings.services import (
    block_create,
    block_series_create,
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
    refund_for_cancellation,
)
from fablab.core.errors import DomainError
from fablab.credits.selectors import balance_minutes, balances_for_user
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where, require, user_can
from machines.selectors import machines_for_public
from machines.views import duration_text


def _local_slot_text(start, end, tz):
    """ "Tue 24 Mar 2026 10:00–11:00" in the lab's zone, for messages."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return f"{formats.date_format(local_start, 'D j M Y')} {local_start:%H:%M}–{local_end:%H:%M}"


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
    return _booking_list_page(request)


def _booking_list_page(request, *, error=None, status=200):
    now = timezone.now()
    upcoming, past = member_bookings_page(request.user, now)
    upcoming = list(upcoming)
    open_waitlist = member_open_waitlist(request.user, now)
    check_in_cards = [
        (booking, check_in_qr_svg(booking, request))
        for booking in upcoming
        if booking.status == BookingStatus.CONFIRMED and booking.check_in_code
    ]
    context = {
        "upcoming": upcoming,
        "past": past,
        "balances": balances_for_user(request.user),
        "now": now,
        "waitlist_entries": open_waitlist.entries,
        "offers": open_waitlist.offers,
        "check_in_cards": check_in_cards,
        "error": error,
    }
    return render(request, "bookings/booking_list.html", context, status=status)


def _cancel_page(request, booking, *, error=None, status=200):
    now = timezone.now()
    # The refund the service will give: staff of the lab always get everything back.
    by_staff = user_can(request.user, Action.MANAGE_BOOKINGS, booking.machine.lab_id)
    own = booking.member_id == request.user.pk
    context = {
        "booking": booking,
        "lab": booking.machine.lab,
        "error": error,
        "own": own,
        # A held booking is a waiting-list offer: it is answered on the offer page, not cancelled.
        "is_offer": booking.status == BookingStatus.HELD,
        "cancellable": booking.is_active and booking.status != BookingStatus.HELD and (booking.start > now or by_staff),
        "refund": refund_for_cancellation(booking, by_staff=by_staff, now=now),
        "deadline": booking.start - dt.timedelta(hours=booking.machine.cancellation_deadline_hours),
        "back_url": reverse("bookings:list") if own else _day_url(booking.machine.lab, _local_day(booking)),
    }
    return render(request, "bookings/cancel_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel_confirm(request, pk):
    """GET: what cancelling gives back. POST: cancel.

    Members reach only their own bookings (others: 404); staff also those of
    the labs they manage, blocks included.
    """
    booking = get_object_or_404(bookings_cancellable_by(request.user), pk=pk)
    if request.method == "GET":
        return _cancel_page(request, booking)
    if booking.status == BookingStatus.HELD:
        message = _("This is a waiting-list offer: accept or decline it on its page.")
        return _cancel_page(request, booking, error=message, status=409)
    try:
        booking = booking_cancel(booking=booking, by=request.user)
    except DomainError as error:
        return _cancel_page(request, booking, error=error.message, status=error.status)
    if booking.member_id == request.user.pk:
        messages.success(
            request,
            _("Your booking of %(machine)s is cancelled. %(credits)s credit minutes came back to your balance.")
            % {"machine": booking.machine.name, "credits": booking.refunded_minutes},
        )
        return redirect("bookings:list")
    messages.success(request, _cancelled_for_the_lab(booking))
    return redirect(_day_url(booking.machine.lab, _local_day(booking)))


def _cancelled_for_the_lab(booking):
    """What staff are told after cancelling a block or someone else's booking."""
    slot = _local_slot_text(booking.start, booking.end, booking.machine.lab.tz)
    if booking.kind == BookingKind.BLOCK:
        return _("The block of %(machine)s on %(slot)s is cancelled.") % {"machine": booking.machine.name, "slot": slot}
    return _(
        "The booking of %(member)s on %(machine)s (%(slot)s) is cancelled; "
        "%(credits)s credit minutes went back to their balance."
    ) % {
        "member": booking.member.full_name or booking.member.email,
        "machine": booking.machine.name,
        "slot": slot,
        "credits": booking.refunded_minutes,
    }


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


def _local_day(booking):
    return booking.start.astimezone(booking.machine.lab.tz).date()


def _day_url(lab, day):
    return f"{reverse('bookings:staff_day')}?{urlencode({'lab': lab.slug, 'date': day.isoformat()})}"


def _staff_lab(request, slug):
    """(the lab asked for or the first one staffed, every lab staffed); 403 for others, 404 if unknown."""
    staffed = list(labs_where(request.user, Action.MANAGE_BOOKINGS, Lab.objects.filter(is_active=True)))
    if slug:
        lab = next((lab for lab in staffed if lab.slug == slug), None) or get_object_or_404(Lab, slug=slug)
        require(request.user, Action.MANAGE_BOOKINGS, lab)
    elif staffed:
        lab = staffed[0]
    else:
        raise PermissionDenied
    return lab, staffed


def _staff_day_page(
    request, lab, staffed, day, *, block_form=None, behalf_form=None, code_form=None, error=None, status=200
):
    today = timezone.now().astimezone(lab.tz).date()
    machines = list(lab_day_schedule(lab, day))
    context = {
        "lab": lab,
        "labs": staffed if lab in staffed else [lab, *staffed],
        "day": day,
        "today": today,
        "now": timezone.now(),
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "machines": machines,
        "date_error": error,
        "block_form": block_form or BlockForm(initial={"date": day}, machines=machines, tz=lab.tz),
        "behalf_form": behalf_form
        or BookOnBehalfForm(initial={"date": day}, machines=machines, tz=lab.tz, members=lab_members(lab)),
        "code_form": code_form or CheckInCodeForm(),
    }
    return render(request, "bookings/staff_day.html", context, status=status)


@login_required
def staff_day(request):
    """One lab's machines and their bookings on one local day, for the lab's staff.

    `?code=` looks a typed check-in code up in the labs the user manages and
    goes to its check-in page.
    """
    lab, staffed = _staff_lab(request, request.GET.get("lab"))
    today = timezone.now().astimezone(lab.tz).date()
    day, date_error = _requested_day(request.GET.get("date"), today)
    if "code" in request.GET:
        code_form = CheckInCodeForm(request.GET)
        if not code_form.is_valid():
            return _staff_day_page(request, lab, staffed, day, code_form=code_form, status=400)
        booking = bookings_managed_by(request.user).filter(check_in_code=code_form.cleaned_data["code"]).first()
        if booking is not None:
            return redirect("bookings:check_in", code=booking.check_in_code)
        code_form.add_error("code", _("No booking of the labs you manage has this code."))
        return _staff_day_page(request, lab, staffed, day, code_form=code_form, status=404)
    return _staff_day_page(request, lab, staffed, day, error=date_error, status=400 if date_error else 200)


# Service error fields → the block form's fields.
BLOCK_FIELDS = {"start": "start_time", "end": "end_time", "until": "repeat_until"}


@login_required
@require_POST
def staff_block(request):
    """Block a machine's time, once or every week until a date; skipped dates are listed."""
    lab, staffed = _staff_lab(request, request.POST.get("lab"))
    form = BlockForm(request.POST, machines=machines_of_lab(lab), tz=lab.tz)
    today = timezone.now().astimezone(lab.tz).date()
    if not form.is_valid():
        day = form.cleaned_data.get("date") or today
        return _staff_day_page(request, lab, staffed, day, block_form=form, status=400)
    data = form.cleaned_data
    fields = {"machine": data["machine"], "start": data["start"], "end": data["end"], "by": request.user}
    try:
        if data["repeat_until"]:
            blocks, skipped = block_series_create(**fields, until=data["repeat_until"], note=data["note"])
        else:
            blocks, skipped = [block_create(**fields, note=data["note"])], []
    except DomainError as error:
        form.add_error(BLOCK_FIELDS.get(error.field), error.message)
        return _staff_day_page(request, lab, staffed, data["date"], block_form=form, status=error.status)
    messages.success(
        request,
        ngettext(
            "%(count)s block of %(machine)s was created.",
            "%(count)s blocks of %(machine)s were created.",
            len(blocks),
        )
        % {"count": len(blocks), "machine": data["machine"].name},
    )
    if skipped:
        messages.warning(
            request,
            _("Skipped because the machine is already booked then: %(dates)s.")
            % {"dates": "; ".join(_local_slot_text(start, end, lab.tz) for start, end in skipped)},
        )
    return redirect(_day_url(lab, data["date"]))


def _check_in_page(request, booking, *, error=None, status=200):
    lab = booking.machine.lab
    context = {"booking": booking, "lab": lab, "error": error, "day_url": _day_url(lab, _local_day(booking))}
    return render(request, "bookings/check_in.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, code):
    """Where the member's QR code leads: staff of the booking's lab check the member in (others: 404)."""
    booking = get_object_or_404(bookings_managed_by(request.user), check_in_code=code.upper())
    if request.method == "GET":
        return _check_in_page(request, booking)
    try:
        booking = booking_check_in(booking=booking, by=request.user)
    except DomainError as error:
        return _check_in_page(request, booking, error=error.message, status=error.status)
    messages.success(
        request,
        _("%(member)s is checked in on %(machine)s.")
        % {"member": booking.member.full_name or booking.member.email, "machine": booking.machine.name},
    )
    return redirect(_day_url(booking.machine.lab, _local_day(booking)))


@login_required
@require_POST
def no_show(request, pk):
    """Staff record that the member did not come; the rest of the slot is freed (others: 404)."""
    booking = get_object_or_404(bookings_managed_by(request.user), pk=pk)
    lab = booking.machine.lab
    try:
        booking = booking_mark_no_show(booking=booking, by=request.user)
    except DomainError as error:
        _lab, staffed = _staff_lab(request, lab.slug)
        return _staff_day_page(request, lab, staffed, _local_day(booking), error=error.message, status=error.status)
    messages.success(
        request,
        _("%(member)s is marked as a no-show on %(machine)s; %(credits)s credit minutes were refunded.")
        % {
            "member": booking.member.full_name or booking.member.email,
            "machine": booking.machine.name,
            "credits": booking.refunded_minutes,
        },
    )
    return redirect(_day_url(lab, _local_day(booking)))


def _machine_from_query(request):
    try:
        pk = int(request.GET.get("machine", ""))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(machines_for_public(), pk=pk)


def _join_page(request, machine, form, *, start=None, length=None, slot_free=False, status=200):
    lab = machine.lab
    end = start + dt.timedelta(minutes=length) if start and length else None
    context = {
        "machine": machine,
        "lab": lab,
        "form": form,
        "show_form": isinstance(form, WaitlistJoinForm) and start is not None and not slot_free,
        "slot_free": slot_free,
        "start": start,
        "end": end,
        "book_query": urlencode({"start": start.isoformat(), "end": end.isoformat()}) if end else "",
        "hold_text": duration_text(int(waitlist.offer_hold().total_seconds() // 60)),
        "week": start.astimezone(lab.tz).date().isoformat() if start else "",
    }
    return render(request, "bookings/waitlist_join.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def waitlist_join(request):
    """GET `?machine=&start=&end=`: the busy slot picked in the calendar. POST: queue for it."""
    machine = _machine_from_query(request)
    if request.method == "POST":
        return _waitlist_join_post(request, machine)
    query = SlotQueryForm(request.GET)
    if not query.is_valid():
        return _join_page(request, machine, query, status=400)
    start = query.cleaned_data["start"]
    end = query.cleaned_data["end"] or start + dt.timedelta(minutes=machine.min_minutes)
    try:
        rules.check_times(start, end)
        length = rules.check_grid_and_length(machine, start, end)
    except DomainError as error:
        query.add_error(None, error.message)
        return _join_page(request, machine, query, start=start, status=error.status)
    # Told at once rather than after the POST: a link may be older than a cancellation.
    blocked_until = end + dt.timedelta(minutes=machine.buffer_minutes)
    slot_free = rules.slot_is_free(machine, start, blocked_until)
    form = WaitlistJoinForm(initial={"start": start, "length_minutes": length}, machine=machine)
    return _join_page(request, machine, form, start=start, length=length, slot_free=slot_free)


def _waitlist_join_post(request, machine):
    form = WaitlistJoinForm(request.POST, machine=machine)
    if not form.is_valid():
        return _join_page(request, machine, form, start=form.cleaned_data.get("start"), status=400)
    start, length = form.cleaned_data["start"], form.cleaned_data["length_minutes"]
    try:
        entry = waitlist.waitlist_join(member=request.user, machine=machine, start=start, end=form.cleaned_data["end"])
    except DomainError as error:
        form.add_error("length_minutes" if error.field == "end" else None, error.message)
        return _join_page(request, machine, form, start=start, length=length, status=error.status)
    messages.success(
        request,
        _("You are on the waiting list for %(machine)s on %(slot)s. If the slot frees up, we email you.")
        % {"machine": machine.name, "slot": _local_slot_text(entry.start, entry.end, machine.lab.tz)},
    )
    return redirect("bookings:list")


@login_required
@require_POST
def waitlist_leave(request, pk):
    """Leave a waiting list (a pending offer is declined). Only one's own entries (others: 404)."""
    entry = get_object_or_404(member_waitlist_entries(request.user), pk=pk)
    try:
        waitlist.waitlist_leave(entry=entry, member=request.user)
    except DomainError as error:
        return _booking_list_page(request, error=error.message, status=error.status)
    messages.success(
        request,
        _("You left the waiting list for %(machine)s on %(slot)s.")
        % {"machine": entry.machine.name, "slot": _local_slot_text(entry.start, entry.end, entry.machine.lab.tz)},
    )
    return redirect("bookings:list")


def _offer_page(request, entry, *, error=None, status=200):
    lab = entry.machine.lab
    length = int((entry.end - entry.start).total_seconds() // 60)
    context = {
        "entry": entry,
        "machine": entry.machine,
        "lab": lab,
        "hold": entry.hold,
        "open": offer_is_open(entry, timezone.now()),
        "error": error,
        "length_text": duration_text(length),
        "cost": entry.machine.credits_for(length),
        "balance": balance_minutes(user=request.user, lab=lab),
    }
    return render(request, "bookings/offer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, pk):
    """A waiting-list offer (the link of the offer email): accept or decline. Others' entries: 404."""
    entry = get_object_or_404(member_waitlist_entries(request.user), pk=pk)
    if request.method == "GET":
        return _offer_page(request, entry)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        return _offer_page(request, entry, error=_("Choose to accept or to decline the offer."), status=400)
    try:
        if answer == "accept":
            booking = waitlist.waitlist_offer_accept(entry=entry, member=request.user)
        else:
            waitlist.waitlist_offer_decline(entry=entry, member=request.user)
    except DomainError as error:
        return _offer_page(request, entry, error=error.message, status=error.status)
    slot = _local_slot_text(entry.start, entry.end, entry.machine.lab.tz)
    if answer == "accept":
        message = _("Booked: %(machine)s on %(slot)s. %(credits)s credit minutes were debited.") % {
            "machine": entry.machine.name,
            "slot": slot,
            "credits": booking.credits_minutes,
        }
    else:
        message = _("You declined the slot on %(machine)s (%(slot)s); it goes to the next in line.") % {
            "machine": entry.machine.name,
            "slot": slot,
        }
    messages.success(request, message)
    return redirect("bookings:list")


@login_required
@require_POST
def staff_book_for_member(request):
    """Staff book a slot for a member of the lab; the usual rules apply, the member's credits pay."""
    lab, staffed = _staff_lab(request, request.POST.get("lab"))
    form = BookOnBehalfForm(request.POST, machines=machines_of_lab(lab), tz=lab.tz, members=lab_members(lab))
    today = timezone.now().astimezone(lab.tz).date()
    if not form.is_valid():
        day = form.cleaned_data.get("date") or today
        return _staff_day_page(request, lab, staffed, day, behalf_form=form, status=400)
    data = form.cleaned_data
    try:
        booking = booking_create(
            member=data["member"], machine=data["machine"], start=data["start"], end=data["end"], by=request.user
        )
    except DomainError as error:
        form.add_error(BLOCK_FIELDS.get(error.field), error.message)
        return _staff_day_page(request, lab, staffed, data["date"], behalf_form=form, status=error.status)
    messages.success(
        request,
        _("%(machine)s is booked for %(member)s (%(slot)s).")
        % {
            "machine": booking.machine.name,
            "member": booking.member,
            "slot": _local_slot_text(booking.start, booking.end, lab.tz),
        },
    )
    return redirect(_day_url(lab, data["date"]))
