from django.contrib import admin

from fablab.credits.models import CreditAccount, LedgerEntry


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "lab", "balance_minutes", "overdraft_minutes", "updated_at"]
    list_filter = ["lab"]
    search_fields = ["user__email", "user__full_name"]
    readonly_fields = ["user", "lab", "balance_minutes", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only and written by the services."""

    list_display = ["created_at", "account", "minutes", "kind", "memo", "author"]
    list_filter = ["kind", "account__lab"]
    search_fields = ["account__user__email", "memo"]
    date_hierarchy = "created_at"
    list_select_related = ["account__user", "account__lab", "author"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
