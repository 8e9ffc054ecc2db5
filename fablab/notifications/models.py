"""A member's opt-outs, and the log that makes scheduled messages go out once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationOptOut(models.Model):
    """The member does not want messages of this (optional) kind. No row: they are sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs")
    kind = models.CharField(_("kind"), max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification opt-out")
        verbose_name_plural = _("notification opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_opt_out_unique"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"


class SentNotification(models.Model):
    """One row per scheduled message sent (a reminder): a second run of a job finds it and sends nothing.

    `key` names the occasion (e.g. the booking and its start), so a moved booking
    gets a new reminder while a job run twice does not send the same one twice.
    The unique constraint is the last word when two runs race.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("occasion"), max_length=120)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sent notification")
        verbose_name_plural = _("sent notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notifications_sent_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} → {self.user_id}"
