from django.contrib import admin

from fablab.notifications.models import NotificationOptOut, SentNotification


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(SentNotification)
class SentNotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "key", "user", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "key"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False
