"""Courses and their sessions, seats and attendance; qualifications follow attendance."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=120)
    price_cents = models.PositiveIntegerField(_("price (cents, VAT included)"), default=0)
    member_price_cents = models.PositiveIntegerField(_("member price (cents, VAT included)"), default=0)
    vat_rate_bp = models.PositiveIntegerField(_("VAT rate (basis points)"), default=2000)
    capacity = models.PositiveSmallIntegerField(_("seats per session"), default=8)
    min_headcount = models.PositiveSmallIntegerField(
        _("minimum headcount"), default=1, help_text=_("Below this, the session is cancelled before it starts.")
    )
    min_headcount_days = models.PositiveSmallIntegerField(_("check the headcount (days before)"), default=2)
    cancellation_days = models.PositiveSmallIntegerField(_("free cancellation until (days before)"), default=2)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by", verbose_name=_("prerequisites")
    )
    qualifies_for = models.ManyToManyField(
        "machines.Machine",
        blank=True,
        related_name="qualifying_courses",
        verbose_name=_("grants the qualification for"),
    )
    qualification_valid_days = models.PositiveIntegerField(
        _("qualification valid for (days)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_course_capacity_positive"),
            models.CheckConstraint(
                condition=Q(min_headcount__lte=F("capacity")), name="training_course_min_headcount_within_capacity"
            ),
        ]

    def __str__(self):
        return self.title


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="sessions")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions_taught"
    )
    capacity = models.PositiveSmallIntegerField(_("seats"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    machines = models.ManyToManyField("machines.Machine", blank=True, related_name="training_sessions")
    # The machine blocks this session holds in the booking calendar (one series).
    blocks_series = models.UUIDField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(_("reason for cancellation"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start"]
        indexes = [models.Index(fields=["lab", "status", "start"], name="training_session_lab_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="training_session_end_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_session_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.course} — {self.start:%Y-%m-%d %H:%M}"


class EnrollmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


# Enrollments in these states take a seat.
SEATED_STATUSES = (
    EnrollmentStatus.CONFIRMED,
    EnrollmentStatus.OFFERED,
    EnrollmentStatus.ATTENDED,
    EnrollmentStatus.ABSENT,
)
OPEN_STATUSES = (*SEATED_STATUSES, EnrollmentStatus.WAITLISTED)


class PaymentMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    FREE = "free", _("Free")


class Enrollment(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrollments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("status"), max_length=12, choices=EnrollmentStatus.choices)
    price_cents = models.PositiveIntegerField(_("price (cents)"), default=0)
    payment_mode = models.CharField(
        _("payment"), max_length=8, choices=PaymentMode.choices, default=PaymentMode.ON_SITE
    )
    is_paid = models.BooleanField(_("paid"), default=False)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "status", "created_at"], name="training_enrollment_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(status__in=OPEN_STATUSES),
                name="training_one_open_enrollment_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.member} — {self.session}"


class SchoolLevel(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    MIDDLE = "middle", _("Middle school (collège)")
    HIGH = "high", _("High school (lycée)")
    VOCATIONAL = "vocational", _("Vocational school")
    HIGHER = "higher", _("Higher education")


class WorkshopOffer(models.Model):
    """A workshop a lab runs for a whole school class, sold per class."""

    theme = models.CharField(_("theme"), max_length=160)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    school_levels = models.JSONField(_("school levels"), default=list, help_text=_("Codes of SchoolLevel."))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=120)
    max_pupils = models.PositiveSmallIntegerField(_("maximum pupils"), default=30)
    price_per_class_cents = models.PositiveIntegerField(_("price per class (cents, VAT excluded)"), default=0)
    vat_rate_bp = models.PositiveIntegerField(_("VAT rate (basis points)"), default=2000)
    labs = models.ManyToManyField("labs.Lab", related_name="workshop_offers", verbose_name=_("labs where offered"))
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("workshop offer")
        verbose_name_plural = _("workshop offers")
        ordering = ["theme"]
        constraints = [
            models.CheckConstraint(condition=Q(max_pupils__gt=0), name="training_offer_max_pupils_positive"),
        ]

    def __str__(self):
        return self.theme

    def school_level_labels(self):
        return [SchoolLevel(code).label for code in self.school_levels if code in SchoolLevel.values]


class RegistrationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    HELD = "held", _("Held")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


class SchoolRegistration(models.Model):
    """A teacher's request for a class workshop; followed through a private link, no account needed."""

    offer = models.ForeignKey(WorkshopOffer, on_delete=models.PROTECT, related_name="registrations")
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="school_registrations")
    school_name = models.CharField(_("school name"), max_length=200)
    school_code = models.CharField(_("school code (UAI)"), max_length=8, db_index=True)
    address = models.TextField(_("school address"))
    teacher_name = models.CharField(_("teacher's name"), max_length=150)
    teacher_email = models.EmailField(_("teacher's email"))
    teacher_phone = models.CharField(_("teacher's phone"), max_length=32)
    class_level = models.CharField(_("class level"), max_length=12, choices=SchoolLevel.choices)
    pupils = models.PositiveSmallIntegerField(_("number of pupils"))
    accompanying_adults = models.PositiveSmallIntegerField(_("accompanying adults"), default=1)
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    preferred_dates = models.JSONField(_("preferred dates"), default=list)
    purchase_order = models.CharField(_("purchase-order number"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(max_length=2, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.REQUESTED
    )
    follow_token = models.CharField(max_length=64, unique=True, editable=False)
    start = models.DateTimeField(_("confirmed start"), null=True, blank=True)
    end = models.DateTimeField(_("confirmed end"), null=True, blank=True)
    blocks_series = models.UUIDField(null=True, blank=True, editable=False)
    quote_number = models.CharField(_("quote number"), max_length=32, blank=True)
    # When the quote was sent (its date, from which it is valid): the quote is rendered on demand from it.
    quoted_at = models.DateTimeField(_("quote date"), null=True, blank=True, editable=False)
    invoice = models.OneToOneField(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="school_registration"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cancellation_reason = models.CharField(_("reason for cancellation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("school registration")
        verbose_name_plural = _("school registrations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lab", "status", "created_at"], name="training_registration_queue"),
            models.Index(fields=["lab", "start"], name="training_registration_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(pupils__gt=0), name="training_registration_pupils_positive"),
            models.UniqueConstraint(
                fields=["quote_number"], condition=~Q(quote_number=""), name="training_registration_one_quote_number"
            ),
        ]

    def __str__(self):
        return f"{self.school_name} — {self.offer}"


class QuoteSequence(models.Model):
    """The last quote number given in a lab for a year; its row is locked while a number is taken."""

    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="quote_sequences")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("quote sequence")
        verbose_name_plural = _("quote sequences")
        constraints = [
            models.UniqueConstraint(fields=["lab", "year"], name="training_quote_sequence_one_per_lab_year"),
        ]

    def __str__(self):
        return f"{self.lab} {self.year}: {self.last_number}"


class QualificationReminder(models.Model):
    """When the member was last told that a qualification is about to lapse (training/lapse.py).

    One row per qualification: a reminder sent after the qualification's last
    activity is not sent again, so the periodic job can run as often as it likes.
    """

    qualification = models.OneToOneField(
        "machines.Qualification", on_delete=models.CASCADE, related_name="lapse_reminder"
    )
    sent_at = models.DateTimeField(_("reminder sent at"))

    class Meta:
        verbose_name = _("qualification lapse reminder")
        verbose_name_plural = _("qualification lapse reminders")

    def __str__(self):
        return f"{self.qualification} — {self.sent_at:%Y-%m-%d}"
