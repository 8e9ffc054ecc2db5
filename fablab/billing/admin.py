"""Issued documents in the back office: read-only, scoped to the labs whose billing the user manages."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fablab.billing.amounts import format_money
from fablab.billing.models import Invoice, InvoiceLine
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where


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

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request):
        invoices = super().get_queryset(request)
        if request.user.is_superuser:
            return invoices
        return invoices.filter(lab__in=labs_where(request.user, Action.MANAGE_BILLING, Lab.objects.all()))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
