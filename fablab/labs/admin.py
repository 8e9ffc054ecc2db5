"""Labs and roles in the back office. A lab's staff edit their lab, its hours and closures, and its roles."""

from django.contrib import admin

from fablab.labs.admin_scope import LAB_PATHS, LabScopedAdminMixin, LabScopedInlineMixin
from fablab.labs.models import Closure, Lab, Membership, OpeningHours
from fablab.labs.services import membership_grant, membership_revoke


class OpeningHoursInline(LabScopedInlineMixin, admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(LabScopedInlineMixin, admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Lab)
class LabAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_field = "pk"
    list_display = ["name", "slug", "city", "main_lab", "time_zone", "is_active"]
    list_filter = ["is_active", "main_lab"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline, ClosureInline]

    # Opening a lab, or closing one for good, is the network's decision.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    """Roles are given and taken through the services (a new member gets the lab's welcome credit)."""

    list_display = ["user", "lab", "role", "created_at"]
    list_filter = ["role", "lab"]
    search_fields = ["user__email", "user__full_name", "lab__name"]
    list_select_related = ["user", "lab"]
    raw_id_fields = ["user"]
    fields = ["user", "lab", "role"]

    def has_change_permission(self, request, obj=None):
        return False  # a role is revoked and another granted, never edited in place

    def save_model(self, request, obj, form, change):
        membership = membership_grant(user=obj.user, lab=obj.lab, role=obj.role, by=request.user)
        obj.pk = membership.pk
        obj._state.adding = False

    # Deleting a role (one, or "delete selected") is revoking it through the service.
    def delete_model(self, request, obj):
        membership_revoke(user=obj.user, lab=obj.lab, role=obj.role)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "lab"):
            membership_revoke(user=membership.user, lab=membership.lab, role=membership.role)


LAB_PATHS[OpeningHours] = "lab"
LAB_PATHS[Closure] = "lab"
