from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fablab.core.errors import DomainError
from machines.forms import MachineAdminForm
from machines.models import Category, Machine, MachineStatus, MaintenanceWindow, Qualification
from machines.services import machine_set_status, maintenance_schedule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Machine)
class MachineAdmin(admin.ModelAdmin):
    form = MachineAdminForm
    list_display = ["name", "lab", "category", "status", "credits_per_hour", "requires_qualification"]
    list_filter = ["lab", "category", "status", "requires_qualification"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    # Status changes cancel bookings: they go through the service (actions below), not the form.
    readonly_fields = ["status"]
    actions = ["mark_available", "mark_maintenance", "mark_out_of_order"]

    def _set_status(self, request, queryset, status):
        for machine in queryset:
            try:
                machine_set_status(machine=machine, status=status, by=request.user, reason=_("Set by staff"))
            except DomainError as error:
                self.message_user(request, f"{machine}: {error.message}", messages.ERROR)
        self.message_user(request, _("Status updated; affected bookings were cancelled and refunded."))

    @admin.action(description=_("Mark as available"))
    def mark_available(self, request, queryset):
        self._set_status(request, queryset, MachineStatus.AVAILABLE)

    @admin.action(description=_("Mark as in maintenance (cancels future bookings)"))
    def mark_maintenance(self, request, queryset):
        self._set_status(request, queryset, MachineStatus.MAINTENANCE)

    @admin.action(description=_("Mark as out of order (cancels future bookings)"))
    def mark_out_of_order(self, request, queryset):
        self._set_status(request, queryset, MachineStatus.OUT_OF_ORDER)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    """Adding a window goes through the service: the bookings it hits are cancelled and refunded."""

    list_display = ["machine", "start", "end", "reason", "created_by"]
    list_filter = ["machine__lab"]
    fields = ["machine", "start", "end", "reason"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # a window is replaced, not moved: moving it would skip the cancellations

    def save_model(self, request, obj, form, change):
        window = maintenance_schedule(
            machine=obj.machine, start=obj.start, end=obj.end, by=request.user, reason=obj.reason
        )
        obj.pk = window.pk
        obj._state.adding = False


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["user", "machine", "granted_at", "expires_at", "revoked_at"]
    list_filter = ["machine__lab", "machine"]
    search_fields = ["user__email", "user__full_name", "machine__name"]
    autocomplete_fields = ["user", "machine"]
