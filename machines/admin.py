"""Machines in the back office, scoped to the labs the user manages.

Status changes, maintenance windows and qualifications go through the services
(they cancel and refund bookings, keep who granted what, and write the audit log).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fablab.audit.admin import AuditHistoryAdminMixin
from fablab.core.errors import DomainError
from fablab.labs.admin_scope import LAB_PATHS, LabScopedAdminMixin
from fablab.labs.permissions import Action
from machines.forms import MachineAdminForm
from machines.models import Category, Machine, MachineStatus, MaintenanceWindow, Qualification
from machines.services import machine_set_status, maintenance_schedule, qualification_grant, qualification_revoke


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Shared by every lab of the network: superusers only."""

    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Machine)
class MachineAdmin(AuditHistoryAdminMixin, LabScopedAdminMixin, admin.ModelAdmin):
    form = MachineAdminForm
    list_display = ["name", "lab", "category", "status", "credits_per_hour", "requires_qualification"]
    list_filter = ["lab", "category", "status", "requires_qualification"]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["lab", "category"]
    prepopulated_fields = {"slug": ["name"]}
    # Status changes cancel bookings: they go through the service (actions below), not the form.
    readonly_fields = ["status"]
    actions = ["mark_available", "mark_maintenance", "mark_out_of_order"]

    def has_delete_permission(self, request, obj=None):
        return False  # bookings and ledger entries point at machines: retire one with a status instead

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
class MaintenanceWindowAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    """Adding a window goes through the service: the bookings it hits are cancelled and refunded."""

    lab_field = "machine__lab"
    list_display = ["machine", "start", "end", "reason", "created_by"]
    list_filter = ["machine__lab"]
    search_fields = ["machine__name", "reason"]
    list_select_related = ["machine", "created_by"]
    date_hierarchy = "start"
    fields = ["machine", "start", "end", "reason"]

    def has_change_permission(self, request, obj=None):
        # A window is replaced, not moved: moving it would skip the cancellations.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        window = maintenance_schedule(
            machine=obj.machine, start=obj.start, end=obj.end, by=request.user, reason=obj.reason
        )
        obj.pk = window.pk
        obj._state.adding = False


@admin.register(Qualification)
class QualificationAdmin(AuditHistoryAdminMixin, LabScopedAdminMixin, admin.ModelAdmin):
    """Granted through `qualification_grant` (the form) and withdrawn through `qualification_revoke` (action)."""

    lab_field = "machine__lab"
    lab_action = Action.MANAGE_TRAININGS
    list_display = ["user", "machine", "granted_at", "granted_by", "expires_at", "revoked_at"]
    list_filter = ["machine__lab", "machine"]
    search_fields = ["user__email", "user__full_name", "machine__name"]
    list_select_related = ["user", "machine", "granted_by"]
    raw_id_fields = ["user"]
    fields = ["user", "machine", "expires_at", "reason", "granted_at", "granted_by", "revoked_at"]
    readonly_fields = ["granted_at", "granted_by", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawn, never deleted: the history says who could use what when

    def save_model(self, request, obj, form, change):
        qualification = qualification_grant(
            user=obj.user, machine=obj.machine, by=request.user, expires_at=obj.expires_at, reason=obj.reason
        )
        obj.pk = qualification.pk
        obj._state.adding = False

    @admin.action(description=_("Withdraw the selected qualifications"))
    def revoke(self, request, queryset):
        for qualification in queryset.filter(revoked_at__isnull=True):
            try:
                qualification_revoke(
                    qualification=qualification, by=request.user, reason=gettext("Withdrawn from the back office.")
                )
            except DomainError as error:
                self.message_user(request, f"{qualification}: {error.message}", messages.ERROR)
        self.message_user(request, _("Qualifications withdrawn."))


LAB_PATHS[Machine] = "lab"
