"""Bookings in the back office, scoped to the labs whose bookings the user manages.

Bookings move credits: they are created and changed through the services only
(the staff pages, the API, the actions below), which also write the audit log.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, WaitlistEntry
from bookings.services import booking_cancel
from fablab.audit.admin import AuditHistoryAdminMixin
from fablab.core.errors import DomainError
from fablab.labs.admin_scope import LabScopedAdminMixin
from fablab.labs.permissions import Action


class ReadOnlyBookingsAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_field = "machine__lab"
    lab_action = Action.MANAGE_BOOKINGS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(AuditHistoryAdminMixin, ReadOnlyBookingsAdmin):
    list_display = ["machine", "member", "kind", "start", "end", "status", "credits_minutes", "refunded_minutes"]
    list_filter = ["status", "kind", "machine__lab", "machine"]
    search_fields = ["member__email", "member__full_name", "machine__name", "=check_in_code"]
    date_hierarchy = "start"
    list_select_related = ["machine", "member"]
    actions = ["cancel_with_refund"]

    @admin.action(description=_("Cancel with a full refund"))
    def cancel_with_refund(self, request, queryset):
        for booking in queryset:
            try:
                booking_cancel(booking=booking, by=request.user, full_refund=True)
            except DomainError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.WARNING)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyBookingsAdmin):
    """Read-only: members join and leave the waiting list themselves; offers are made by the service."""

    list_display = ["machine", "member", "start", "end", "status", "created_at"]
    list_filter = ["status", "machine__lab"]
    search_fields = ["member__email", "member__full_name", "machine__name"]
    list_select_related = ["machine", "member"]
