"""The admin site lets in lab staff, not only `is_staff` accounts (see `admin_scope.py`).

Kept apart from `admin_scope` because INSTALLED_APPS imports this module before
the models are loaded.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class FablabAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from fablab.labs.permissions import is_staff_anywhere  # models are ready by the first request

        user = request.user
        return user.is_active and (user.is_staff or is_staff_anywhere(user))


class FablabAdminConfig(AdminConfig):
    default_site = "fablab.labs.admin_site.FablabAdminSite"
