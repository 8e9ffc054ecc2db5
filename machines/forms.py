"""The staff form for machines: the only way a photo gets into storage."""

from django import forms
from django.core.files.uploadedfile import UploadedFile

from machines.images import photo_file_name, process_machine_photo
from machines.models import Machine


class MachineAdminForm(forms.ModelForm):
    """Machine form whose photo is checked and re-encoded before anything is stored.

    The uploaded file itself is never saved: only the WebP photo and thumbnail made
    from its pixels, under names derived from the machine's slug.
    """

    class Meta:
        model = Machine
        # Status changes cancel bookings: they go through machine_set_status, not a form.
        exclude = ["status"]  # noqa: DJ006 (every other field is the admin's to edit)
        # A plain file field: process_machine_photo is the one judge of what an image is,
        # with its own messages (forms.ImageField would decode the file a first time).
        field_classes = {"photo": forms.FileField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._processed = None
        if "photo" in self.fields:
            self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not isinstance(photo, UploadedFile):
            return photo  # the stored photo kept as is, False when cleared, or none
        self._processed = process_machine_photo(photo)
        return self._processed[0]

    def save(self, commit=True):
        machine = self.instance
        if self._processed is not None:
            photo, thumbnail = self._processed
            # Named only now that the slug is final; the same name in two folders.
            photo.name = thumbnail.name = photo_file_name(machine.slug)
            machine.photo = photo
            machine.photo_width, machine.photo_height = photo.width, photo.height
            machine.photo_thumbnail = thumbnail
            machine.photo_thumbnail_width, machine.photo_thumbnail_height = thumbnail.width, thumbnail.height
        elif not machine.photo:
            machine.photo_thumbnail = ""
            machine.photo_width = machine.photo_height = None
            machine.photo_thumbnail_width = machine.photo_thumbnail_height = None
        return super().save(commit)
