"""Bookings of machine time, and the blocks staff put on the calendar."""

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.core.constraints import PostgresExclusionConstraint


class BookingStatus(models.TextChoices):
    HELD = "held", _("Offered to you (waiting list)")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Bookings in these states hold their time on the machine. A held booking is a
# waiting-list offer: the slot is kept for one member until the offer expires.
ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class BookingKind(models.TextChoices):
    MEMBER = "member", _("Member booking")
    BLOCK = "block", _("Blocked by staff")


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Booking(models.Model):
    machine = models.ForeignKey("machines.Machine", on_delete=models.PROTECT, related_name="bookings")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=BookingKind.choices, default=BookingKind.MEMBER)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # End of the time the booking holds: `end` plus the machine's buffer at booking time.
    blocked_until = models.DateTimeField(_("blocked until"))
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    credits_minutes = models.PositiveIntegerField(_("credits charged (minutes)"), default=0)
    refunded_minutes = models.PositiveIntegerField(_("credits refunded (minutes)"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # What the member shows at the desk (as a QR code) to be checked in.
    check_in_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    hold_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    series = models.UUIDField(_("recurring series"), null=True, blank=True, db_index=True)
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE, bumped on each change.")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["machine", "start"], name="bookings_machine_start"),
            models.Index(fields=["member", "start"], name="bookings_member_start"),
            models.Index(fields=["status", "start"], name="bookings_status_start"),
            models.Index(fields=["status", "hold_expires_at"], name="bookings_status_hold_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="bookings_end_after_start"),
            models.CheckConstraint(condition=Q(blocked_until__gte=F("end")), name="bookings_blocked_after_end"),
            models.CheckConstraint(
                condition=Q(kind=BookingKind.BLOCK) | Q(member__isnull=False),
                name="bookings_member_booking_has_member",
            ),
            # Never two active bookings holding overlapping time on one machine.
            PostgresExclusionConstraint(
                name="bookings_no_overlap",
                expressions=[
                    ("machine", RangeOperators.EQUAL),
                    (TsTzRange("start", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
        ]

    def __str__(self):
        return f"{self.machine} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def duration_minutes(self):
        return int((self.end - self.start).total_seconds() // 60)


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    BOOKED = "booked", _("Booked")
    EXPIRED = "expired", _("Offer expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WAITLIST_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A member waiting for a taken slot; first come, first offered when it frees."""

    machine = models.ForeignKey("machines.Machine", on_delete=models.CASCADE, related_name="waitlist_entries")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    hold = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_entry"
    )

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["machine", "status", "created_at"], name="bookings_waitlist_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="bookings_waitlist_end_after_start"),
            models.UniqueConstraint(
                fields=["machine", "member", "start", "end"],
                condition=Q(status__in=OPEN_WAITLIST_STATUSES),
                name="bookings_waitlist_once_per_slot",
            ),
        ]

    def __str__(self):
        return f"{self.member} waits for {self.machine} {self.start:%Y-%m-%d %H:%M}"
