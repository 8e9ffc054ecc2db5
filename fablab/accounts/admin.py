from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from fablab.accounts.models import User
from fablab.labs.admin_scope import LabScopedAdminMixin
from fablab.labs.models import Membership
from fablab.labs.permissions import Action


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["lab"]


@admin.register(User)
class UserAdmin(LabScopedAdminMixin, BaseUserAdmin):
    """Superusers manage accounts; lab staff only look up the people of their labs (no rights to give)."""

    lab_field = "memberships__lab"
    lab_action = Action.VIEW_MEMBERS
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "preferred_language", "memberships__lab"]
    search_fields = ["email", "full_name", "phone"]
    readonly_fields = ["date_joined", "last_login", "erased_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "phone", "preferred_language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.distinct()

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []

    def _lab_allowed(self, request, obj=None):
        if obj is None:
            return super()._lab_allowed(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    # `is_staff`, `is_superuser` and passwords are the network's: lab staff never change accounts here.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
