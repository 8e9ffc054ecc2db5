"""Billing in the back office, scoped to the labs whose billing the user manages.

Issued documents, orders, payments and Stripe events are read-only; credit packs are edited here.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fablab.audit.admin import AuditHistoryAdminMixin
from fablab.billing.amounts import format_money
from fablab.billing.models import (
    AccountingPeriod,
    CreditLot,
    CreditPack,
    Invoice,
    InvoiceChain,
    InvoiceLine,
    InvoiceSequence,
    Order,
    OrderLine,
    Payment,
    StripeEvent,
)
from fablab.labs.admin_scope import LAB_PATHS, LabScopedAdminMixin
from fablab.labs.permissions import Action


class BillingAdmin(LabScopedAdminMixin, admin.ModelAdmin):
    lab_action = Action.MANAGE_BILLING


class ReadOnlyBillingAdmin(BillingAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = [
        "position",
        "description",
        "quantity",
        "unit_price_cents",
        "vat_rate_bp",
        "total_excl_tax_cents",
        "total_tax_cents",
        "total_incl_tax_cents",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # shown inside their parent, whose admin is scoped to the user's labs

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(AuditHistoryAdminMixin, ReadOnlyBillingAdmin):
    """Read-only: documents are issued by the services and corrected by credit notes only."""

    list_display = ["number", "kind", "lab", "issued_at", "buyer_name", "total_incl_tax", "pdf_link"]
    list_filter = ["lab", "kind", "year"]
    search_fields = ["number", "buyer_name"]
    date_hierarchy = "issued_at"
    list_select_related = ["lab"]
    inlines = [InvoiceLineInline]
    fieldsets = [
        (None, {"fields": ["number", "kind", "lab", "corrects", "reason", "issued_at", "due_date", "paid_at"]}),
        (
            _("Seller"),
            {"fields": ["seller_legal_name", "seller_address", "seller_registration_number", "seller_vat_number"]},
        ),
        (
            _("Customer"),
            {"fields": ["buyer_name", "buyer_address", "buyer_email", "buyer_vat_number", "purchase_order", "buyer"]},
        ),
        (
            _("Payment"),
            {
                "fields": [
                    "payment_method",
                    "payment_terms",
                    "currency",
                    "language",
                    "total_excl_tax_cents",
                    "total_tax_cents",
                    "total_incl_tax_cents",
                ]
            },
        ),
        (
            _("Integrity"),
            {"fields": ["pdf_link", "pdf_sha256", "chain_position", "previous_hash", "content_hash", "issued_by"]},
        ),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    @admin.display(description=_("total including tax"))
    def total_incl_tax(self, invoice):
        return format_money(invoice.total_incl_tax_cents, invoice.currency, get_language() or "fr")

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice):
        url = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}">{}.pdf</a>', url, invoice.number)

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_invoice_pdf"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        """The stored legal copy (media files are not served publicly)."""
        invoice = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return FileResponse(invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")


# --- Credit packs, orders, payments and Stripe events ------------------------------------


@admin.register(CreditPack)
class CreditPackAdmin(BillingAdmin):
    """Packs are configured here; the price includes VAT and must be invoiceable to the cent (model check)."""

    list_display = ["name", "lab", "minutes", "price", "vat_rate_bp", "validity_days", "is_active"]
    list_filter = ["lab", "is_active"]
    search_fields = ["name"]
    list_select_related = ["lab"]

    def has_delete_permission(self, request, obj=None):
        return False  # ordered packs are referenced by order lines: take a pack off sale instead

    @admin.display(description=_("price including VAT"))
    def price(self, pack):
        return format_money(pack.price_cents, "EUR", get_language() or "fr")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "position",
        "kind",
        "description",
        "quantity",
        "unit_price_cents",
        "vat_rate_bp",
        "total_incl_tax_cents",
        "refunded_cents",
    ]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["kind", "method", "amount_cents", "received_at", "recorded_by", "reference", "stripe_id"]


@admin.register(Order)
class OrderAdmin(AuditHistoryAdminMixin, ReadOnlyBillingAdmin):
    """Read-only: orders change through the services (payment pages, webhook), never by hand."""

    list_display = ["__str__", "lab", "buyer", "status", "created_at", "total", "invoice"]
    list_filter = ["status", "lab", "payment_method"]
    search_fields = ["=id", "buyer__email", "buyer__full_name", "purchase_order", "stripe_checkout_session_id"]
    list_select_related = ["lab", "buyer", "invoice"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline]
    readonly_fields = [
        "lab",
        "buyer",
        "status",
        "created_at",
        "paid_at",
        "cancelled_at",
        "payment_method",
        "purchase_order",
        "paying_body",
        "paying_body_address",
        "due_date",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "invoice",
        "currency",
        "total_excl_tax_cents",
        "total_tax_cents",
        "total_incl_tax_cents",
    ]
    fields = readonly_fields

    @admin.display(description=_("total including tax"))
    def total(self, order):
        return format_money(order.total_incl_tax_cents, order.currency, get_language() or "fr")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyBillingAdmin):
    """What Stripe told us, once per event, to trace a payment (events naming no order: superusers only)."""

    list_display = ["event_id", "type", "outcome", "order", "received_at", "processed_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["=event_id"]
    list_select_related = ["order"]
    fields = ["event_id", "type", "livemode", "outcome", "order", "received_at", "processed_at", "payload"]
    readonly_fields = fields

    lab_field = "order__lab"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyBillingAdmin):
    """Read-only: payments are recorded on the staff payments page or by the Stripe webhook."""

    lab_field = "order__lab"
    list_display = ["received_at", "order", "kind", "method", "amount_cents", "recorded_by", "reference"]
    list_filter = ["kind", "method", "order__lab"]
    search_fields = ["=order__id", "reference", "stripe_id"]
    date_hierarchy = "received_at"
    list_select_related = ["order", "recorded_by"]


@admin.register(CreditLot)
class CreditLotAdmin(ReadOnlyBillingAdmin):
    """Read-only: purchased minutes and their expiry, written when a pack is paid."""

    lab_field = "account__lab"
    list_display = ["account", "minutes", "purchased_at", "expires_at", "reversed_minutes", "expired_minutes"]
    list_select_related = ["account__user", "account__lab"]
    list_filter = ["account__lab"]
    search_fields = ["account__user__email"]


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyBillingAdmin):
    """Read-only: the last number used per lab, kind and year (moved only by the issuing services)."""

    list_display = ["lab", "kind", "year", "last_number"]
    list_filter = ["lab", "kind", "year"]
    search_fields = ["lab__name"]
    list_select_related = ["lab"]


@admin.register(InvoiceChain)
class InvoiceChainAdmin(ReadOnlyBillingAdmin):
    """Read-only: the head of each lab's hash chain (`manage.py verify_invoices` checks it)."""

    list_display = ["lab", "length", "head_hash"]
    search_fields = ["lab__name"]
    list_select_related = ["lab"]


LAB_PATHS[CreditPack] = "lab"
LAB_PATHS[Order] = "lab"
LAB_PATHS[Invoice] = "lab"


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(ReadOnlyBillingAdmin):
    """Read-only: periods are closed from the payments pages, which write the archive."""

    list_display = ["lab", "kind", "first_day", "last_day", "documents", "closed_at", "closed_by"]
    list_filter = ["kind", "lab"]
    list_select_related = ["lab", "closed_by"]
    date_hierarchy = "first_day"
    fields = [
        "lab",
        "kind",
        "first_day",
        "last_day",
        "position",
        "documents",
        "closed_at",
        "closed_by",
        "archive",
        "archive_sha256",
        "previous_checksum",
        "checksum",
    ]
    readonly_fields = fields
