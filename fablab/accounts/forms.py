from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fablab.accounts.models import Language, User


class SignupProfileForm(forms.Form):
    """The fields allauth's sign-up form adds to email and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (get_language() or "fr")[:2]
        self.fields["preferred_language"].initial = current if current in Language.values else "fr"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.preferred_language = self.cleaned_data["preferred_language"]
        user.save(update_fields=["full_name", "preferred_language"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password
