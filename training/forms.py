"""Input shape of the training pages. Whether a seat or a mark is allowed is the service's business."""

from django import forms
from django.utils.translation import gettext_lazy as _

from training.selectors import catalogue_labs


class CatalogueFilterForm(forms.Form):
    lab = forms.ModelChoiceField(
        label=_("Lab"),
        queryset=catalogue_labs(),
        to_field_name="slug",
        required=False,
        empty_label=_("All labs"),
    )


class IdListField(forms.Field):
    """Several integer ids under one name (`?present=3&present=7`), as checkboxes or hidden inputs send them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("“%(value)s” is not a valid enrollment number.")}

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        ids = []
        for item in value:
            try:
                ids.append(int(str(item).strip()))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": str(item)[:20]}
                ) from None
        return ids


class AttendanceForm(forms.Form):
    """The roster's attendance: `enrollment` lists the seats on the sheet, `present` those ticked.

    A seat listed but not ticked is recorded as absent. The service checks that
    every id belongs to the session.
    """

    enrollment = IdListField(error_messages={"required": _("There is nobody to mark on this roster.")})
    present = IdListField(required=False)

    def clean(self):
        cleaned = super().clean()
        listed, present = cleaned.get("enrollment"), cleaned.get("present")
        if listed is not None and present is not None and not set(present) <= set(listed):
            raise forms.ValidationError(_("Some people ticked are not on the roster."), code="not_listed")
        return cleaned

    @property
    def marks(self):
        """{enrollment id: came?}, for attendance_record."""
        present = set(self.cleaned_data["present"])
        return {enrollment_id: enrollment_id in present for enrollment_id in self.cleaned_data["enrollment"]}
