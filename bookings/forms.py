"""Input shape of the booking pages. The rules themselves are the service's business."""

import datetime as dt
import re

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from machines.views import duration_text

# "+02:00" arrives as " 02:00" when a hand-typed query string does not encode the plus sign.
UNENCODED_PLUS = re.compile(r" (\d{2}:?\d{2})$")


class AwareDateTimeField(forms.Field):
    """An ISO 8601 instant that carries its UTC offset: a naive time is ambiguous across labs."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("“%(value)s” is not a date and time in ISO 8601 format (for example 2026-05-04T10:00:00+02:00)."),
        "naive": _("Give the time with its UTC offset, for example 2026-05-04T10:00:00+02:00."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = UNENCODED_PLUS.sub(r"+\1", str(value).strip())
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
            if parsed is None:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": str(value)[:40]}
                )
        if parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return parsed

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, dt.datetime) else value


class SlotQueryForm(forms.Form):
    """`?start=…&end=…` of the booking confirmation page, as the week calendar links it."""

    start = AwareDateTimeField(label=_("Start"), error_messages={"required": _("Pick a start time.")})
    end = AwareDateTimeField(label=_("End"), required=False)


def length_choices(machine):
    """Every length the machine's rules allow: slot multiples from its minimum to its maximum."""
    slot = machine.slot_minutes
    return [
        (
            minutes,
            gettext("%(length)s — %(credits)s credit minutes")
            % {"length": duration_text(minutes), "credits": machine.credits_for(minutes)},
        )
        for minutes in range(slot, machine.max_minutes + 1, slot)
        if minutes >= machine.min_minutes
    ]


class SlotLengthForm(forms.Form):
    """A start picked in the calendar and one of the machine's lengths; `end` is derived."""

    start = AwareDateTimeField(label=_("Start"))
    length_minutes = forms.TypedChoiceField(label=_("Length"), coerce=int)

    def __init__(self, *args, machine, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["length_minutes"].choices = length_choices(machine)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("length_minutes"):
            cleaned["end"] = cleaned["start"] + dt.timedelta(minutes=cleaned["length_minutes"])
        return cleaned


class BookingForm(SlotLengthForm):
    note = forms.CharField(
        label=_("Note for the lab (optional)"),
        required=False,
        max_length=200,
        help_text=_("For example the material you bring."),
    )


class WaitlistJoinForm(SlotLengthForm):
    """The slot a member queues for: the same start and lengths as a booking."""


class StaffSlotForm(forms.Form):
    """A machine of the lab and a local date with wall-clock times in the lab's zone."""

    machine = forms.TypedChoiceField(label=_("Machine"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    field_prefix = "slot"

    def __init__(self, *args, machines, tz, **kwargs):
        kwargs.setdefault("auto_id", f"{self.field_prefix}-%s")
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.machines = {machine.pk: machine for machine in machines}
        self.fields["machine"].choices = [(machine.pk, machine.name) for machine in machines]

    def clean_machine(self):
        return self.machines[self.cleaned_data["machine"]]

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            cleaned["start"] = dt.datetime.combine(day, start, tzinfo=self.tz)
            cleaned["end"] = dt.datetime.combine(day, end, tzinfo=self.tz)
        return cleaned


class BlockForm(StaffSlotForm):
    """Staff keep a machine's time, once or every week."""

    field_prefix = "block"
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("Shown on the day view, for example “Class” or “Repair”."),
    )
    repeat_until = forms.DateField(
        label=_("Repeat weekly until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The same times every week up to this date; dates already booked are skipped."),
    )


class BookOnBehalfForm(StaffSlotForm):
    """Staff book for a member of the lab (at the desk, on the phone): the member's credits pay."""

    field_prefix = "behalf"
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)
    field_order = ["member", "machine", "date", "start_time", "end_time"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class CheckInCodeForm(forms.Form):
    """The code a member shows at the desk, typed by staff; spaces, dashes and case do not matter."""

    code = forms.CharField(label=_("Check-in code"), max_length=40)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "check-in-%s")
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()
        if not re.fullmatch(r"[0-9A-Z]{4,16}", code):
            raise forms.ValidationError(_("A check-in code has letters and digits only, like 3FA9C01B7E."))
        return code
