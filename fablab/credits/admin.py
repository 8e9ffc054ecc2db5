"""Credits in the back office, scoped to the labs whose credits the user manages.

Balances move only through the services: ledger entries are read-only, the
overdraft is saved through `credits_set_overdraft`, contributions are approved
through `contribution_approve` (all of which write the audit log).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fablab.audit.admin import AuditHistoryAdminMixin
from fablab.core.errors import DomainError
from fablab.credits.models import Contribution, ContributionStatus, CreditAccount, LedgerEntry
from fablab.credits.services import contribution_approve, credits_set_overdraft
from fablab.labs.admin_scope import LAB_PATHS, LabScopedAdminMixin
from fablab.labs.permissions import Action


class ReadOnlyAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_action = Action.MANAGE_CREDITS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(AuditHistoryAdminMixin, LabScopedAdminMixin, admin.ModelAdmin):
    lab_action = Action.MANAGE_CREDITS
    list_display = ["user", "lab", "balance_minutes", "overdraft_minutes", "updated_at"]
    list_filter = ["lab"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "lab"]
    fields = ["user", "lab", "balance_minutes", "overdraft_minutes", "updated_at"]
    readonly_fields = ["user", "lab", "balance_minutes", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            credits_set_overdraft(member=obj.user, lab=obj.lab, minutes=obj.overdraft_minutes, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only and written by the services."""

    lab_field = "account__lab"
    list_display = ["created_at", "account", "minutes", "kind", "memo", "author"]
    list_filter = ["kind", "account__lab"]
    search_fields = ["account__user__email", "memo"]
    date_hierarchy = "created_at"
    list_select_related = ["account__user", "account__lab", "author"]
    fields = ["created_at", "account", "minutes", "kind", "reference_type", "reference_id", "author", "memo"]
    readonly_fields = fields


@admin.register(Contribution)
class ContributionAdmin(AuditHistoryAdminMixin, ReadOnlyAdmin):
    """Reviewed here or on the staff credits page, through the same services."""

    list_display = ["day", "member", "lab", "minutes", "status", "reviewed_by"]
    list_filter = ["status", "lab"]
    search_fields = ["member__email", "member__full_name", "description"]
    date_hierarchy = "day"
    list_select_related = ["member", "lab", "reviewed_by"]
    fields = ["member", "lab", "day", "minutes", "description", "status", "reviewed_by", "reviewed_at"]
    readonly_fields = [*fields, "refusal_reason"]
    actions = ["approve"]

    @admin.action(description=_("Approve and credit the selected contributions"))
    def approve(self, request, queryset):
        approved = 0
        for contribution in queryset.filter(status=ContributionStatus.PENDING):
            try:
                contribution_approve(contribution=contribution, by=request.user)
                approved += 1
            except DomainError as error:
                self.message_user(request, f"{contribution.pk}: {error.message}", messages.ERROR)
        self.message_user(request, _("%(count)d contribution(s) approved.") % {"count": approved})


LAB_PATHS[CreditAccount] = "lab"
