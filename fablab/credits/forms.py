from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.accounts.models import User
from fablab.labs.models import Lab


class ContributionForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("Lab"), queryset=Lab.objects.filter(is_active=True))
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hours = forms.DecimalField(
        label=_("Hours given"),
        min_value=0.25,
        max_value=24,
        decimal_places=2,
        help_text=_("For example 1.5 for 1 h 30."),
    )
    description = forms.CharField(label=_("What you did"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()
        self.fields["day"].widget.attrs["max"] = timezone.localdate().isoformat()

    @property
    def minutes(self):
        return int(self.cleaned_data["hours"] * 60)


class RefusalForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the member reads it)"), max_length=300)


class AdjustmentForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=User.objects.none())
    minutes = forms.IntegerField(
        label=_("Minutes"),
        help_text=_("Positive to grant credits, negative to withdraw them."),
        min_value=-100_000,
        max_value=100_000,
    )
    memo = forms.CharField(label=_("Memo"), max_length=255)

    def __init__(self, *args, lab, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            User.objects.filter(memberships__lab=lab, is_active=True).distinct().order_by("full_name", "email")
        )

    def clean_minutes(self):
        if self.cleaned_data["minutes"] == 0:
            raise forms.ValidationError(_("Give a non-zero number of minutes."))
        return self.cleaned_data["minutes"]
