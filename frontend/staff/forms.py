import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fablab.labs.models import Lab

# A year of weeks is what a chart can still show; longer periods belong in an export.
MAX_DASHBOARD_DAYS = 366


class PeriodForm(forms.Form):
    """One of the user's labs (or all of them) and a range of local dates, both included."""

    lab = forms.ModelChoiceField(
        label=_("Lab"), queryset=Lab.objects.none(), to_field_name="slug", required=False, empty_label=_("All my labs")
    )
    # A date input takes ISO dates only, whatever the page's language.
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), help_text=_("Included.")
    )
    max_days = None

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                self.add_error("date_to", _("The end of the period cannot be before its start."))
            elif self.max_days and (date_to - date_from).days >= self.max_days:
                self.add_error("date_to", _("Choose a period of at most %(days)d days.") % {"days": self.max_days})
        return cleaned

    def selected_labs(self):
        """The chosen lab, or every lab the form offers."""
        lab = self.cleaned_data.get("lab")
        return [lab] if lab else list(self.fields["lab"].queryset)


class DashboardForm(PeriodForm):
    max_days = MAX_DASHBOARD_DAYS

    @staticmethod
    def default_period(today):
        """The last six months, this one included."""
        start = (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
        return start, today


class ExportForm(PeriodForm):
    kind = forms.ChoiceField(label=_("What"), choices=())

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.order_fields(["kind", "lab", "date_from", "date_to"])
