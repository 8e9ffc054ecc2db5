"""Who changed what and when, for the objects staff are accountable for.

Entries are written by the services, inside the transaction of the change they
describe (a rolled-back change leaves no entry), and never changed afterwards.
They hold identifiers, amounts, statuses and staff-written reasons, never a
person's name or email: the actor is a link to the user row, which the GDPR
erasure anonymises (the ledger's approach), so the log keeps "who" without
keeping personal data.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.audit.actions import action_label, describe_changes


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        verbose_name=_("by"),
        help_text=_("Empty when the system acted (a periodic job, a payment provider)."),
    )
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="audit_entries")
    action = models.CharField(_("action"), max_length=48)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    summary = models.CharField(_("summary"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_entry_target"),
            models.Index(fields=["lab", "-at"], name="audit_entry_lab_time"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only and cannot be deleted.")

    @property
    def action_label(self):
        return action_label(self.action)

    @property
    def change_list(self):
        return describe_changes(self.changes)
