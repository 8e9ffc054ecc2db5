"""Input shape of the school-workshop pages. Whether a request or a step is allowed is the service's business."""

import datetime as dt

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from fablab.billing.models import PaymentMethod
from training.models import RegistrationStatus, SchoolLevel

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class DomainErrorForm(forms.Form):
    """A form that shows a service's `DomainError` on the field it names, or above the form.

    `field_aliases` maps a service's field name to the form's, when they differ.
    """

    field_aliases = {}

    def add_domain_error(self, error):
        field = self.field_aliases.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


class RegistrationForm(DomainErrorForm):
    """A teacher's request for a class workshop; the labs and levels are those of the offer.

    The service checks the school code, the number of pupils and the dates; its
    message about the dates belongs to the three date inputs together
    (`dates_errors`), shown once above them.
    """

    lab = forms.ModelChoiceField(label=_("Lab"), queryset=None, to_field_name="slug", empty_label=None)
    school_name = forms.CharField(label=_("School name"), max_length=200)
    school_code = forms.CharField(
        label=_("Official school code (UAI)"),
        max_length=12,
        help_text=_("Seven digits and a letter, for example 0750655E."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("School address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    teacher_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    teacher_email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We send the private link to follow your request to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    teacher_phone = forms.CharField(
        label=_("Your phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    class_level = forms.ChoiceField(label=_("Class level"))
    pupils = forms.IntegerField(label=_("Number of pupils"), min_value=1, max_value=500)
    accompanying_adults = forms.IntegerField(
        label=_("Accompanying adults"),
        min_value=0,
        max_value=50,
        initial=1,
        help_text=_("Teachers and other adults coming with the class."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (optional)"),
        required=False,
        max_length=1000,
        help_text=_("For example a pupil in a wheelchair, or who needs written instructions."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    date_1 = forms.DateField(label=_("First choice"), required=False, **DATE_WIDGET)
    date_2 = forms.DateField(label=_("Second choice"), required=False, **DATE_WIDGET)
    date_3 = forms.DateField(label=_("Third choice (optional)"), required=False, **DATE_WIDGET)
    purchase_order = forms.CharField(
        label=_("Purchase-order number (optional)"),
        required=False,
        max_length=64,
        help_text=_("If your school or its authority issues one, it will be printed on the quote and the invoice."),
    )
    notes = forms.CharField(
        label=_("Notes (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # A field people never see (hidden by the page); robots that fill every field give themselves away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    DATE_FIELDS = ("date_1", "date_2", "date_3")

    def __init__(self, *args, offer, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.dates_errors = []
        self.fields["lab"].queryset = labs
        levels = offer.school_levels or SchoolLevel.values
        self.fields["class_level"].choices = [("", _("Choose a level"))] + [
            (code, label) for code, label in SchoolLevel.choices if code in levels
        ]
        self.fields["pupils"].help_text = _("At most %(max)s pupils.") % {"max": offer.max_pupils}
        self.fields["pupils"].widget.attrs["max"] = offer.max_pupils

    def clean(self):
        cleaned = super().clean()
        cleaned["preferred_dates"] = [cleaned[name] for name in self.DATE_FIELDS if cleaned.get(name)]
        return cleaned

    def add_domain_error(self, error):
        if error.field == "preferred_dates":
            self.dates_errors.append(str(error.message))
            for name in self.DATE_FIELDS:
                self.fields[name].widget.attrs.update({"aria-invalid": "true"})
        else:
            super().add_domain_error(error)

    @property
    def has_errors(self):
        return bool(self.errors or self.dates_errors)

    def submission(self):
        """The service's keyword arguments."""
        data = self.cleaned_data
        fields = (
            "lab",
            "school_name",
            "school_code",
            "address",
            "teacher_name",
            "teacher_email",
            "teacher_phone",
            "class_level",
            "pupils",
            "accompanying_adults",
            "accessibility_needs",
            "preferred_dates",
            "purchase_order",
            "notes",
        )
        return {name: data[name] for name in fields}


class RegistrationCancelForm(DomainErrorForm):
    """The teacher calls the workshop off from their private page."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=200,
        help_text=_("It helps the lab's team plan other classes."),
    )


# --- Staff ---------------------------------------------------------------------


class StaffFilterForm(forms.Form):
    """The staff list's filters (GET): what is valid is applied, what is not is reported on its field."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    lab = forms.ModelChoiceField(
        label=_("Lab"), queryset=None, to_field_name="slug", required=False, empty_label=_("All my labs")
    )
    date_from = forms.DateField(label=_("Workshop from"), required=False, **DATE_WIDGET)
    date_to = forms.DateField(
        label=_("Workshop until"),
        required=False,
        help_text=_("The confirmed date, or one of the preferred dates of requests not confirmed yet."),
        **DATE_WIDGET,
    )
    school = forms.CharField(
        label=_("School"), required=False, max_length=200, help_text=_("Part of its name, or its UAI code.")
    )

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.fields["status"].choices = [("", _("All statuses")), *RegistrationStatus.choices]

    def clean(self):
        cleaned = super().clean()
        day_from, day_to = cleaned.get("date_from"), cleaned.get("date_to")
        if day_from and day_to and day_to < day_from:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

    def filters(self):
        """The valid filters, as keyword arguments of `registrations_for_staff`."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            "status": data.get("status") or None,
            "lab": data.get("lab"),
            "day_from": data.get("date_from"),
            "day_to": data.get("date_to"),
            "school": (data.get("school") or "").strip(),
        }


class ConfirmForm(DomainErrorForm):
    """A date and a start time in the lab's zone, and the lab's machines to block for the workshop."""

    field_aliases = {"start": "date"}

    date = forms.DateField(label=_("Date"), **DATE_WIDGET)
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    machines = forms.ModelMultipleChoiceField(
        label=_("Machines to block"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are kept for the workshop in the booking calendar."),
    )

    def __init__(self, *args, registration, machines, **kwargs):
        kwargs.setdefault("auto_id", "confirm-%s")
        super().__init__(*args, **kwargs)
        self.tz = registration.lab.tz
        self.fields["machines"].queryset = machines
        # Django renders help texts as HTML: the lab's name is text, so it is escaped here.
        self.fields["start_time"].help_text = _("Local time of %(lab)s (%(zone)s).") % {
            "lab": escape(registration.lab.name),
            "zone": escape(registration.lab.time_zone),
        }
        if not self.is_bound and registration.preferred_dates:
            self.initial.setdefault("date", dt.date.fromisoformat(registration.preferred_dates[0]))

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("date"), cleaned.get("start_time")
        if day and time:
            cleaned["start"] = dt.datetime.combine(day, time, tzinfo=self.tz)
        return cleaned


class InvoiceForm(DomainErrorForm):
    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[
            (PaymentMethod.TRANSFER, PaymentMethod.TRANSFER.label),
            (PaymentMethod.ADMINISTRATIVE_MANDATE, PaymentMethod.ADMINISTRATIVE_MANDATE.label),
        ],
        initial=PaymentMethod.TRANSFER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "invoice-%s")
        super().__init__(*args, **kwargs)


class StaffCancelForm(DomainErrorForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("The teacher reads it in the email telling them.")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "cancel-%s")
        super().__init__(*args, **kwargs)


class StepForm(DomainErrorForm):
    """A step without input (send the quote, mark as held): only its errors are shown."""


class ReportForm(forms.Form):
    """The school year of the report, named by the year it starts in (September)."""

    year = forms.TypedChoiceField(label=_("School year"), coerce=int)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, f"{year}–{year + 1}") for year in years]
