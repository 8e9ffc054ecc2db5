"""Time credits: an append-only ledger per member and lab, in integer minutes.

`CreditAccount.balance_minutes` is the running sum of the account's entries,
kept in the same transaction as each entry; its check constraint makes an
overspent balance impossible at the database level, and its row is the lock
that serialises concurrent debits.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("Contribution")
    PURCHASE = "purchase", _("Purchase")
    GRANT = "grant", _("Grant")
    BOOKING_DEBIT = "booking_debit", _("Booking")
    CANCELLATION_REFUND = "cancellation_refund", _("Cancellation refund")
    ADJUSTMENT = "adjustment", _("Adjustment")
    EXPIRY = "expiry", _("Expiry")


class CreditAccount(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_accounts")
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="credit_accounts")
    balance_minutes = models.IntegerField(_("balance (minutes)"), default=0)
    overdraft_minutes = models.PositiveIntegerField(
        _("allowed overdraft (minutes)"),
        default=0,
        help_text=_("How far below zero staff allow this member's balance to go."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")
        constraints = [
            models.UniqueConstraint(fields=["user", "lab"], name="credits_account_one_per_user_and_lab"),
            models.CheckConstraint(
                condition=Q(balance_minutes__gte=-F("overdraft_minutes")),
                name="credits_account_balance_within_overdraft",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.lab}: {self.balance_minutes} min"


class LedgerEntry(models.Model):
    """One movement of credits. Never updated, never deleted: corrections are new entries."""

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    minutes = models.IntegerField(_("minutes"))
    kind = models.CharField(_("kind"), max_length=24, choices=EntryKind.choices)
    # What the entry is about (a booking, an order, a contribution), from any app.
    reference_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    reference_id = models.PositiveBigIntegerField(null=True, blank=True)
    reference = GenericForeignKey("reference_type", "reference_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authored_ledger_entries",
    )
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="credits_entry_account_time"),
            models.Index(fields=["reference_type", "reference_id"], name="credits_entry_reference"),
            models.Index(fields=["kind", "created_at"], name="credits_entry_kind_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="credits_entry_minutes_not_zero"),
        ]

    def __str__(self):
        return f"{self.minutes:+d} min ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Ledger entries are append-only: write a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only and cannot be deleted.")


class ContributionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Contribution(models.Model):
    """Time a member gave to the lab (a Rennes practice): credited once staff approve it."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contributions")
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="contributions")
    day = models.DateField(_("day"))
    minutes = models.PositiveIntegerField(_("minutes given"))
    description = models.CharField(_("what you did"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ContributionStatus.choices, default=ContributionStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["lab", "status", "day"], name="credits_contribution_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=24 * 60), name="credits_contribution_minutes_in_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.minutes} min on {self.day}"
