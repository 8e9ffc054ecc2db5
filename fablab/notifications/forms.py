from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    """One checkbox per optional kind; ticked means the member receives it."""

    receive = forms.MultipleChoiceField(
        label=_("Send me these messages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receive"].choices = [(item.code, item.label) for item in kinds]
