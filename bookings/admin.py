from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from bookings.services import booking_cancel
from fablab.core.errors import DomainError


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["machine", "member", "kind", "start", "end", "status", "credits_minutes", "refunded_minutes"]
    list_filter = ["status", "kind", "machine__lab", "machine"]
    search_fields = ["member__email", "member__full_name", "machine__name"]
    date_hierarchy = "start"
    list_select_related = ["machine", "member"]
    actions = ["cancel_with_refund"]

    # Bookings move credits: they are created and changed through the services only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Cancel with a full refund"))
    def cancel_with_refund(self, request, queryset):
        for booking in queryset:
            try:
                booking_cancel(booking=booking, by=request.user, full_refund=True)
            except DomainError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.WARNING)
