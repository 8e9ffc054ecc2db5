"""Machines of a lab, their booking rules, maintenance windows and who is qualified."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """Laser cutter, 3D printer, CNC mill, vinyl cutter, embroidery, electronics bench, …"""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("machine category")
        verbose_name_plural = _("machine categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MachineStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    MAINTENANCE = "maintenance", _("In maintenance")
    OUT_OF_ORDER = "out_of_order", _("Out of order")


class Machine(models.Model):
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="machines")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="machines")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"))
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="machines/", blank=True)
    # Set together with `photo` by MachineAdminForm (see machines/images.py), never typed in.
    # Plain columns rather than width_field/height_field: those re-read the file from
    # storage on every load of a row whose sizes are empty, such as photos from before.
    photo_width = models.PositiveSmallIntegerField(_("photo width (pixels)"), null=True, blank=True, editable=False)
    photo_height = models.PositiveSmallIntegerField(_("photo height (pixels)"), null=True, blank=True, editable=False)
    photo_thumbnail = models.ImageField(
        _("photo thumbnail"), upload_to="machines/thumbnails/", blank=True, editable=False
    )
    photo_thumbnail_width = models.PositiveSmallIntegerField(
        _("thumbnail width (pixels)"), null=True, blank=True, editable=False
    )
    photo_thumbnail_height = models.PositiveSmallIntegerField(
        _("thumbnail height (pixels)"), null=True, blank=True, editable=False
    )
    specifications = models.JSONField(
        _("specifications"), default=dict, blank=True, help_text=_('For example {"Work area": "600 × 400 mm"}.')
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MachineStatus.choices, default=MachineStatus.AVAILABLE
    )
    credits_per_hour = models.PositiveIntegerField(
        _("credit cost per hour (minutes)"), default=60, help_text=_("60 means one credit hour per hour of use.")
    )
    # Booking rules, all evaluated in the lab's time zone.
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot granularity (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    min_minutes = models.PositiveSmallIntegerField(_("shortest booking (minutes)"), default=30)
    max_minutes = models.PositiveSmallIntegerField(_("longest booking (minutes)"), default=240)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after each booking (minutes)"), default=0, help_text=_("Cleaning or cooling time.")
    )
    horizon_days = models.PositiveSmallIntegerField(_("how far ahead one may book (days)"), default=28)
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=60)
    weekly_quota_minutes = models.PositiveIntegerField(
        _("weekly quota per member (minutes)"), null=True, blank=True, help_text=_("Empty: no quota.")
    )
    cancellation_deadline_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"), default=24
    )
    requires_qualification = models.BooleanField(_("qualification required"), default=False)
    no_show_release_minutes = models.PositiveSmallIntegerField(
        _("release a booking not checked in after (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: never release automatically."),
    )
    is_public = models.BooleanField(_("shown in the catalogue"), default=True)

    class Meta:
        verbose_name = _("machine")
        verbose_name_plural = _("machines")
        ordering = ["lab", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "slug"], name="machines_machine_slug_per_lab"),
            models.CheckConstraint(
                condition=Q(max_minutes__gte=F("min_minutes")), name="machines_machine_max_after_min"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gt=0), name="machines_machine_slot_positive"),
        ]
        indexes = [models.Index(fields=["lab", "status"]), models.Index(fields=["category", "status"])]

    def __str__(self):
        return self.name

    def credits_for(self, minutes):
        """Credit minutes charged for `minutes` of use, rounded up to the minute."""
        return -(-minutes * self.credits_per_hour // 60)


class MaintenanceWindow(models.Model):
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="maintenance_windows")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering = ["start"]
        indexes = [models.Index(fields=["machine", "end", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="machines_maintenance_end_after_start"),
        ]

    def __str__(self):
        return f"{self.machine}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"


class Qualification(models.Model):
    """The right to use a machine that requires one: granted by a training or by staff."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qualifications")
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="qualifications")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "machine"],
                condition=Q(revoked_at__isnull=True),
                name="machines_one_live_qualification",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.machine}"

    def is_valid_at(self, when):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > when)
