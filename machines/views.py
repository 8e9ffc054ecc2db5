"""Public machine pages: the catalogue and a machine's page with its week calendar."""

import datetime as dt

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.selectors import machine_week_calendar
from fablab.audit.selectors import audit_history
from fablab.core.cache import cached_for_visitors, machine_scope
from fablab.labs.permissions import Action, user_can
from machines.models import Machine, MachineStatus
from machines.selectors import catalogue_categories, catalogue_labs, machine_catalogue, machine_for_public


def duration_text(minutes):
    """`90` → "1 h 30 min", `120` → "2 hours", `45` → "45 minutes", in the active language."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return ngettext("%(count)s minute", "%(count)s minutes", rest) % {"count": rest}


# Kept here rather than in a machines/forms.py: this view is its only user.
class CatalogueFilterForm(forms.Form):
    lab = forms.ModelChoiceField(
        label=gettext_lazy("Lab"),
        queryset=catalogue_labs(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All labs"),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=catalogue_categories(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All categories"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *MachineStatus.choices],
        required=False,
    )


def machine_list(request):
    form = CatalogueFilterForm(request.GET)
    valid = form.is_valid()
    # An unknown value is reported on its field; the other filters still apply.
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    context = {"form": form, "machines": machine_catalogue(**filters), "filtered": bool(filters)}
    return render(request, "machines/machine_list.html", context, status=200 if valid else 400)


def week_monday(value, lab, now):
    """(Monday of the week holding ISO date `value`, error message or None); this week by default."""
    today = now.astimezone(lab.tz).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    if not value:
        return this_monday, None
    try:
        day = dt.date.fromisoformat(value)
        monday = day - dt.timedelta(days=day.weekday())
        monday - dt.timedelta(days=7), monday + dt.timedelta(days=14)  # the week links must exist too
    except (ValueError, OverflowError):
        message = _("“%(value)s” is not a date like 2026-03-23; here is this week.")
        return this_monday, message % {"value": value[:40]}
    return monday, None


def machine_rules(machine):
    """The booking rules of `machine` in plain words, one sentence each."""
    lab = machine.lab
    slot = machine.slot_minutes
    first_example = -(-10 * 60 // slot) * slot  # the grid runs from midnight: first slot from 10:00
    examples = [f"{m // 60:02d}:{m % 60:02d}" for m in (first_example, first_example + slot)]
    rules = [
        _("Bookings start every %(slot)s, counted from midnight (for example at %(first)s or %(second)s).")
        % {"slot": duration_text(slot), "first": examples[0], "second": examples[1]},
        _("A booking lasts from %(min)s to %(max)s.")
        % {"min": duration_text(machine.min_minutes), "max": duration_text(machine.max_minutes)},
    ]
    if machine.buffer_minutes:
        rules.append(
            _("The machine stays free for %(buffer)s after each booking (cleaning or cooling).")
            % {"buffer": duration_text(machine.buffer_minutes)}
        )
    rules += [
        _("Book at least %(notice)s ahead.") % {"notice": duration_text(machine.min_notice_minutes)},
        ngettext("Book at most %(count)s day ahead.", "Book at most %(count)s days ahead.", machine.horizon_days)
        % {"count": machine.horizon_days},
    ]
    if machine.weekly_quota_minutes is None:
        rules.append(_("No weekly limit per member."))
    else:
        rules.append(
            _("Each member may book up to %(quota)s a week (Monday to Sunday).")
            % {"quota": duration_text(machine.weekly_quota_minutes)}
        )
    rules.append(
        ngettext(
            "Cancel up to %(count)s hour before the start to get all your credits back; "
            "later, %(percent)s%% of them come back.",
            "Cancel up to %(count)s hours before the start to get all your credits back; "
            "later, %(percent)s%% of them come back.",
            machine.cancellation_deadline_hours,
        )
        % {"count": machine.cancellation_deadline_hours, "percent": lab.late_cancellation_refund_percent}
    )
    if machine.requires_qualification:
        rules.append(_("You need a qualification for this machine: follow its training first."))
    return rules


# Slots turn past as the clock moves: a visitor's copy of a week is at most a minute old.
PAST_SLOTS_SECONDS = 60


@cached_for_visitors(
    # The lab's hours, closures and name bump its machines' scopes too (bookings/invalidation.py).
    lambda request, pk: [machine_scope(pk)],
    timeout=PAST_SLOTS_SECONDS,
    vary_on_headers=("HX-Request", "HX-History-Restore-Request"),
)
def machine_detail(request, pk):
    try:
        machine = machine_for_public(pk)
    except Machine.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    monday, week_error = week_monday(request.GET.get("week"), machine.lab, now)
    this_monday, _error = week_monday(None, machine.lab, now)
    context = {
        "machine": machine,
        "lab": machine.lab,
        "calendar": machine_week_calendar(machine, monday, now=now),
        "today": now.astimezone(machine.lab.tz).date(),
        "previous_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "this_week": this_monday,
        "week_error": week_error,
    }
    status = 400 if week_error else 200
    # htmx week navigation swaps only the calendar; a history restore wants the whole page.
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        context["partial"] = True
        response = render(request, "machines/_week_calendar.html", context, status=status)
    else:
        context["rules"] = machine_rules(machine)
        if user_can(request.user, Action.MANAGE_LAB, machine.lab_id):
            context["history"] = audit_history(machine)
        response = render(request, "machines/machine_detail.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
