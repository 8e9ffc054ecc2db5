"""Labs of the network, their hours and closures, and who holds which role where."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


class Lab(models.Model):
    """One Fab Lab: a main site or a satellite (library, community centre)."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    main_lab = models.ForeignKey(
        "self",
        verbose_name=_("satellite of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satellites",
    )
    description = models.TextField(_("description"), blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone])
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Legal details printed on invoices.
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    registration_number = models.CharField(_("registration number (SIRET)"), max_length=32, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    invoice_prefix = models.CharField(
        _("invoice number prefix"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]+$", _("Use capital letters and digits only."))],
    )
    late_cancellation_refund_percent = models.PositiveSmallIntegerField(
        _("refund after the cancellation deadline (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("0: no refund for late cancellations and no-shows; 50: half the credits back."),
    )
    welcome_credit_minutes = models.PositiveIntegerField(
        _("welcome credit (minutes)"), default=60, help_text=_("Given once to each new member of the lab.")
    )
    # Qualifications not used for this long lapse (training/lapse.py); the member is reminded first.
    qualification_lapse_months = models.PositiveSmallIntegerField(
        _("qualifications lapse after (months without a booking)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: qualifications never lapse for lack of use."),
    )
    qualification_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before a qualification lapses (days)"),
        default=14,
        help_text=_("0: no reminder."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lab")
        verbose_name_plural = _("labs")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address_lines(self):
        return [line for line in (self.street, f"{self.postal_code} {self.city}".strip()) if line]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening interval on a weekday, in the lab's local time (several per day allowed)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="labs_openinghours_closes_after_opens"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="labs_openinghours_weekday_range"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Closure(models.Model):
    """Whole days the lab is closed (holidays, exceptional closing), both ends included."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["first_day"]
        indexes = [models.Index(fields=["lab", "last_day"])]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="labs_closure_last_after_first"),
        ]

    def __str__(self):
        return f"{self.lab}: {self.first_day} – {self.last_day}"

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("The last day cannot be before the first day.")})


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    TRAINER = "trainer", _("Trainer")
    STAFF = "staff", _("Staff")


class Membership(models.Model):
    """A role a user holds in one lab. A user may hold several roles in several labs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "lab", "role"], name="labs_membership_unique_role"),
        ]
        indexes = [models.Index(fields=["lab", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.lab}"
