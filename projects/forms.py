"""Input shape of the project pages. The rules are the services' business."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from fablab.labs.models import Lab
from machines.selectors import machines_for_public
from projects.licences import LICENCE_CHOICES
from projects.models import Difficulty, Material, Project, Step
from projects.selectors import (
    Sort,
    facet_labs,
    facet_machine_choices,
    facet_tag_choices,
    facet_tags,
    machines_for_author,
)

TAG_OPTIONS = 50


def _max_length(model, name):
    return model._meta.get_field(name).max_length


class MachineChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, machine):
        label = f"{machine.name} ({machine.lab.name})"
        if getattr(machine, "booked", False):
            return _("%(machine)s — you booked it") % {"machine": label}
        return label


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=_max_length(Project, "title"))
    summary = forms.CharField(
        label=_("Summary"),
        max_length=_max_length(Project, "summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences: what it is and why. Required to publish."),
    )
    lab = forms.ModelChoiceField(
        label=_("Lab"), queryset=Lab.objects.filter(is_active=True).order_by("name"), to_field_name="slug"
    )
    difficulty = forms.ChoiceField(label=_("Difficulty"), choices=Difficulty.choices, initial=Difficulty.BEGINNER)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        required=False,
        help_text=_("How long it takes to make, roughly."),
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=[("", _("Choose later")), *LICENCE_CHOICES],
        required=False,
        help_text=_("Required to publish. It tells others what they may do with your work."),
    )
    machines = MachineChoices(
        label=_("Machines used"),
        queryset=machines_for_public(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, for example: lamp, plywood, Arduino."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=_max_length(Project, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italics*, [link](https://…), lists with -."),
    )
    what_went_wrong = forms.CharField(
        label=_("What went wrong"),
        max_length=_max_length(Project, "what_went_wrong"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown. The mistakes and how you got past them: they save the next maker hours."),
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=_("JPEG, PNG or WebP, 10 MB at most. Location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    cover_alt = forms.CharField(
        label=_("Cover description"),
        max_length=_max_length(Project, "cover_alt"),
        required=False,
        help_text=_("What the cover image shows, for people who cannot see it."),
    )

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        if author is not None:
            # The machines the author booked come first: most likely the ones the project used.
            self.fields["machines"].queryset = machines_for_author(author)
            self.fields["machines"].help_text = _("Machines you booked come first.")

    @classmethod
    def initial_for(cls, project):
        return {
            "title": project.title,
            "summary": project.summary,
            "lab": project.lab,
            "difficulty": project.difficulty,
            "duration_minutes": project.duration_minutes,
            "licence": project.licence,
            "machines": list(project.machines.all()),
            "tags": ", ".join(tag.name for tag in project.tags.all()),
            "description": project.description,
            "what_went_wrong": project.what_went_wrong,
            "cover": project.cover or None,
            "cover_alt": project.cover_alt,
        }

    def clean_tags(self):
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]

    def service_fields(self):
        """Cleaned data as the services take it; `cover`: an upload, False to remove, None to keep."""
        data = dict(self.cleaned_data)
        data["machines"] = list(data["machines"])
        cover = data.get("cover")
        # Unchanged, the field gives back the stored file: that is "keep", not a new upload.
        data["cover"] = cover if isinstance(cover, UploadedFile) or cover is False else None
        return data


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step title"), max_length=_max_length(Step, "title"))
    body = forms.CharField(
        label=_("Instructions"),
        max_length=_max_length(Step, "body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )


class MaterialForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=_max_length(Material, "item"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=3)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=_max_length(Material, "unit"),
        required=False,
        help_text=_("For example pcs, mm, g."),
    )
    link = forms.URLField(
        label=_("Link"), max_length=_max_length(Material, "link"), required=False, assume_scheme="https"
    )
    note = forms.CharField(label=_("Note"), max_length=_max_length(Material, "note"), required=False)


class CollaboratorForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of the member to invite"),
        help_text=_("They can then edit the project with you and are shown as its authors."),
    )


class FacetSelect(forms.Select):
    """A select whose options are written in Python, not one template render each.

    The machine filter of a network lists hundreds of machines: through the
    option template they took most of the list page's time.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)


class ProjectSearchForm(forms.Form):
    """The GET form of the public list: words and facets, all optional."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False, widget=forms.SearchInput)
    machine = forms.TypedChoiceField(label=_("Machine"), coerce=int, required=False, widget=FacetSelect)
    tag = forms.ChoiceField(label=_("Tag"), required=False, widget=FacetSelect)
    licence = forms.ChoiceField(label=_("Licence"), choices=[("", _("All licences")), *LICENCE_CHOICES], required=False)
    difficulty = forms.ChoiceField(
        label=_("Difficulty"), choices=[("", _("Any difficulty")), *Difficulty.choices], required=False
    )
    lab = forms.ModelChoiceField(
        label=_("Lab"), queryset=facet_labs(), to_field_name="slug", required=False, empty_label=_("All labs")
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("", _("Best match, then newest")),
            (Sort.NEWEST, _("Newest")),
            (Sort.MOST_REMIXED, _("Most remixed")),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The most used tags as options; a rarer one reached by a link is added so that it shows selected.
        choices = facet_tag_choices(TAG_OPTIONS)
        wanted = self.data.get("tag") if self.is_bound else None
        if wanted and wanted not in {slug for slug, _name in choices}:
            choices += [(tag.slug, tag.name) for tag in facet_tags().filter(slug=wanted)]
        self.fields["tag"].choices = [("", _("All tags")), *choices]
        self.fields["machine"].choices = [("", _("All machines")), *facet_machine_choices()]

    def filters(self):
        """The valid facets as `ProjectFilters` arguments; invalid ones are left out."""
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or None for name in ("machine", "tag", "licence", "difficulty", "lab", "sort")}


class ProjectFileForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,  # the service says why an empty file is refused
        help_text=_("SVG, DXF, STL, 3MF, PDF, ZIP, JPEG, PNG or WebP. Checked by its content, not its name."),
    )


class StepImageForm(forms.Form):
    image = forms.FileField(
        label=_("Picture"),
        help_text=_("JPEG, PNG or WebP, 10 MB at most. Location data is removed."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "data-preview": "image-preview"}
        ),
    )
    alt = forms.CharField(
        label=_("Picture description"),
        max_length=200,
        required=False,
        help_text=_("What the picture shows, for people who cannot see it."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text. Be kind: the authors shared their work."),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong?"),
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the lab's moderators read this."),
    )
