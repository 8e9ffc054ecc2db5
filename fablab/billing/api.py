"""Invoices and credit notes over the API: read-only, for their buyer and their lab's billing staff."""

import django_filters
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from fablab.billing.models import Invoice, InvoiceKind, InvoiceLine
from fablab.billing.selectors import invoices_visible_to


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
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


class InvoiceSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    corrects = serializers.SlugRelatedField(slug_field="number", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "lab",
            "kind",
            "number",
            "year",
            "corrects",
            "reason",
            "issued_at",
            "due_date",
            "paid_at",
            "currency",
            "language",
            "seller_legal_name",
            "seller_address",
            "seller_registration_number",
            "seller_vat_number",
            "buyer_name",
            "buyer_address",
            "buyer_email",
            "buyer_vat_number",
            "purchase_order",
            "payment_method",
            "payment_terms",
            "total_excl_tax_cents",
            "total_tax_cents",
            "total_incl_tax_cents",
            "lines",
            "pdf",
            "pdf_sha256",
            "content_hash",
        ]

    def get_pdf(self, invoice) -> str:
        """Where to download the stored legal copy."""
        path = reverse("invoice-pdf", args=[invoice.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class InvoiceFilter(django_filters.FilterSet):
    lab = django_filters.CharFilter(field_name="lab__slug")
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    year = django_filters.NumberFilter()

    class Meta:
        model = Invoice
        fields = ["lab", "kind", "year"]


class PDFRenderer(renderers.BaseRenderer):
    """Lets `Accept: application/pdf` through content negotiation; the view returns the bytes itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices and credit notes: the buyer's own, and those of the labs where the user manages billing."""

    serializer_class = InvoiceSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = InvoiceFilter
    queryset = Invoice.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return invoices_visible_to(self.request.user).order_by("-issued_at", "-id")

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer], filterset_class=None)
    def pdf(self, request, pk=None):
        """The stored legal copy of the document, byte for byte."""
        invoice = self.get_object()
        return FileResponse(invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")
