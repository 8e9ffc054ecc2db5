"""The audit log in the back office: read-only, scoped to the labs whose members the user may see.

`AuditHistoryAdminMixin` adds a "Change history" panel (one query) to the
change page of the objects the services audit.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from fablab.audit.models import AuditEntry
from fablab.audit.selectors import audit_history
from fablab.labs.admin_scope import LabScopedAdminMixin
from fablab.labs.permissions import Action

HISTORY_FIELD = "audit_history"


class AuditHistoryAdminMixin:
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, HISTORY_FIELD] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [field for field in options["fields"] if field != HISTORY_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None:
            fieldsets.append((_("Change history"), {"fields": [HISTORY_FIELD]}))
        return fieldsets

    @admin.display(description=_("Who changed what and when"))
    def audit_history(self, obj):
        context = {"entries": audit_history(obj), "section_id": f"{obj._meta.model_name}-{obj.pk}"}
        return render_to_string("audit/_history.html", context)


@admin.register(AuditEntry)
class AuditEntryAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    """Read-only: entries are written by the services, in the transaction of the change."""

    lab_action = Action.VIEW_MEMBERS
    list_display = ["at", "lab", "action", "target_type", "target_id", "actor", "summary"]
    list_filter = ["action", "lab", "target_type"]
    search_fields = ["=target_id", "actor__email", "summary"]
    date_hierarchy = "at"
    list_select_related = ["lab", "actor", "target_type"]
    fields = ["at", "lab", "actor", "action", "target_type", "target_id", "changes", "summary"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
