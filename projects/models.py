"""Documented open projects: what was made, how (steps, materials, machines), under which licence.

Writes go through `projects/services.py`, which validates, keeps steps and
materials numbered and refreshes the search columns. The constraints below are
the database's last word on what a published project must carry.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from projects.licences import LICENCE_CHOICES, LICENCES, licence_for

MAX_STEPS = 100
MAX_MATERIALS = 100
MAX_TAGS = 10


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by moderation")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Project(models.Model):
    title = models.CharField(_("title"), max_length=120)
    # Public URL: chosen once from the title and never changed, so that links keep working.
    slug = models.SlugField(_("slug"), max_length=80, unique=True, editable=False)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True, help_text=_("One or two sentences: what it is and why.")
    )
    # TextField's max_length only sizes form widgets: the validator is what enforces it.
    description = models.TextField(
        _("description"),
        max_length=50_000,
        blank=True,
        validators=[MaxLengthValidator(50_000)],
        help_text=_("Markdown."),
    )
    # Set by the services from pixels re-encoded by machines/images.py, never stored as uploaded.
    cover = models.ImageField(_("cover image"), upload_to="projects/covers/", blank=True, editable=False)
    cover_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_thumbnail = models.ImageField(upload_to="projects/covers/thumbnails/", blank=True, editable=False)
    cover_thumbnail_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_thumbnail_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_alt = models.CharField(
        _("cover description"),
        max_length=200,
        blank=True,
        help_text=_("What the cover image shows, for people who cannot see it."),
    )
    difficulty = models.CharField(
        _("difficulty"), max_length=16, choices=Difficulty.choices, default=Difficulty.BEGINNER
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    licence = models.CharField(
        _("licence"), max_length=32, choices=LICENCE_CHOICES, blank=True, help_text=_("Required to publish.")
    )
    lab = models.ForeignKey("labs.Lab", verbose_name=_("lab"), on_delete=models.PROTECT, related_name="projects")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="projects"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("collaborators"), blank=True, related_name="collaborated_projects"
    )
    machines = models.ManyToManyField(
        "machines.Machine", verbose_name=_("machines used"), blank=True, related_name="projects"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="projects")
    what_went_wrong = models.TextField(
        _("what went wrong"),
        max_length=20_000,
        blank=True,
        validators=[MaxLengthValidator(20_000)],
        help_text=_("Markdown. The mistakes and how you got past them: they save the next maker hours."),
    )
    remixed_from = models.ForeignKey(
        "self",
        verbose_name=_("remixed from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="remixes",
    )
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    # Set by projects/moderation.py when moderators hide the project; shown to its authors.
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True, editable=False)
    # First publication: republishing after an edit keeps the date readers know.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    # Kept up to date by projects/services.py (`_reindex`). The GIN index on the vector is
    # PostgreSQL-only and created in migration 0002; SQLite searches `search_text`.
    search_vector = SearchVectorField(null=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(licence__in=["", *LICENCES]),
                name="projects_project_licence_known",
                violation_error_message=_("Choose a licence from the list."),
            ),
            models.CheckConstraint(
                condition=Q(difficulty__in=Difficulty.values), name="projects_project_difficulty_known"
            ),
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="projects_project_status_known"),
            models.CheckConstraint(
                condition=Q(status=ProjectStatus.DRAFT)
                | (~Q(licence="") & ~Q(summary="") & Q(published_at__isnull=False)),
                name="projects_project_published_complete",
                violation_error_message=_("A published project needs a summary and a licence."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gt=0),
                name="projects_project_duration_positive",
            ),
            models.CheckConstraint(condition=~Q(remixed_from=F("pk")), name="projects_project_not_own_remix"),
        ]
        indexes = [
            # The public list: published, newest first; and each facet narrowed by status.
            models.Index(fields=["status", "-published_at"], name="projects_status_published"),
            models.Index(fields=["lab", "status", "-published_at"], name="projects_lab_status_published"),
            models.Index(fields=["licence", "status"], name="projects_licence_status"),
            models.Index(fields=["difficulty", "status"], name="projects_difficulty_status"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.slug])

    @property
    def is_published(self):
        return self.status == ProjectStatus.PUBLISHED

    @property
    def licence_info(self):
        return licence_for(self.licence)


class Step(models.Model):
    """One numbered step. Positions run 1..n without gaps; services renumber them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("instructions"),
        max_length=20_000,
        blank=True,
        validators=[MaxLengthValidator(20_000)],
        help_text=_("Markdown."),
    )

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="projects_step_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="projects_step_position_positive"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


http_urls = URLValidator(schemes=["http", "https"])


class Material(models.Model):
    """One line of the bill of materials."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveIntegerField(_("position"))
    item = models.CharField(_("item"), max_length=120)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("For example pcs, mm, g, m²."))
    # Only http(s): the link is shown to every reader, so no javascript: or data: URL.
    link = models.URLField(_("link"), max_length=500, blank=True, validators=[http_urls])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="projects_material_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="projects_material_position_positive"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="projects_material_quantity_positive",
                violation_error_message=_("The quantity must be more than zero."),
            ),
        ]

    def __str__(self):
        return self.item


class _ProjectFilesStorage(LazyObject):
    """`STORAGES["project_files"]`, looked up when first used (and again after the setting changes)."""

    def _setup(self):
        self._wrapped = storages["project_files"]


project_files_storage = _ProjectFilesStorage()


@receiver(setting_changed)
def _reset_project_files_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        project_files_storage._wrapped = empty


def _project_files_storage():
    # Private storage, never served by the web server: see projects.views.file_download.
    return project_files_storage


class FileKind(models.TextChoices):
    SVG = "svg", "SVG"
    DXF = "dxf", "DXF"
    STL = "stl", "STL"
    THREE_MF = "3mf", "3MF"
    PDF = "pdf", "PDF"
    ZIP = "zip", "ZIP"
    IMAGE = "image", _("Image")


class ProjectFile(models.Model):
    """A file of the project (drawing, model, archive). Written by projects/attachments.py only,
    after its content was checked (projects/filetypes.py)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField(_("position"))
    # The uploaded name, cleaned (no path, no control characters): shown and offered as the download name.
    name = models.CharField(_("name"), max_length=120)
    # A random name of our choosing in the private storage.
    stored = models.FileField(storage=_project_files_storage, upload_to="projects/files/", max_length=200)
    kind = models.CharField(_("type"), max_length=8, choices=FileKind.choices)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("project file")
        verbose_name_plural = _("project files")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="projects_file_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="projects_file_position_positive"),
            models.CheckConstraint(condition=Q(size_bytes__gt=0), name="projects_file_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=FileKind.values), name="projects_file_kind_known"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:file_download", args=[self.project.slug, self.pk, self.name])


class StepImage(models.Model):
    """A picture of a step: pixels re-encoded by machines/images.py (no EXIF, upright, two sizes)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField(_("position"))
    image = models.ImageField(upload_to="projects/steps/", editable=False)
    width = models.PositiveSmallIntegerField(editable=False)
    height = models.PositiveSmallIntegerField(editable=False)
    thumbnail = models.ImageField(upload_to="projects/steps/thumbnails/", editable=False)
    thumbnail_width = models.PositiveSmallIntegerField(editable=False)
    thumbnail_height = models.PositiveSmallIntegerField(editable=False)
    alt = models.CharField(
        _("image description"),
        max_length=200,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )

    class Meta:
        verbose_name = _("step image")
        verbose_name_plural = _("step images")
        ordering = ["step", "position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "position"], name="projects_stepimage_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="projects_stepimage_position_positive"),
        ]

    def __str__(self):
        return self.alt or self.image.name


class Comment(models.Model):
    """A member's comment under a published project. Moderators hide it with a reason, or restore it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_comments")
    # Plain text, shown with its line breaks and nothing else: no link or markup to sanitise.
    body = models.TextField(_("comment"), max_length=5_000, validators=[MaxLengthValidator(5_000)])
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    hidden = models.BooleanField(_("hidden by moderation"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["project", "created_at", "pk"]
        indexes = [models.Index(fields=["project", "created_at"], name="projects_comment_project_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden=False) | ~Q(hidden_reason=""), name="projects_comment_hidden_with_reason"
            ),
        ]

    def __str__(self):
        return self.body[:60]


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ReportOutcome(models.TextChoices):
    NONE = "", _("Not yet decided")
    HIDDEN = "hidden", _("Hidden")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A member tells the lab's moderators that a project or a comment breaks the rules.

    Exactly one target; one open report per reporter and target (a second click changes nothing).
    """

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_reports")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    # Set when the report is about a comment; `project` is then the comment's project (the lab's queue).
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.TextField(_("reason"), max_length=1_000, validators=[MaxLengthValidator(1_000)])
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ReportOutcome.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="projects_report_status_time")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="projects_report_status_known"),
            models.UniqueConstraint(
                fields=["reporter", "project"],
                condition=Q(status=ReportStatus.OPEN, comment__isnull=True),
                name="projects_report_one_open_per_project",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(status=ReportStatus.OPEN, comment__isnull=False),
                name="projects_report_one_open_per_comment",
            ),
        ]

    def __str__(self):
        return self.reason[:60]
