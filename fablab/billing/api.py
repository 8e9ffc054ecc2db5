"""Billing over the API: invoices and credit notes (read-only), credit packs (public) and orders."""

import json

import django_filters
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from fablab.billing import stripe_api
from fablab.billing.checkout import checkout_start
from fablab.billing.models import CreditPack, Invoice, InvoiceKind, InvoiceLine, Order, OrderLine
from fablab.billing.orders import MAX_ORDER_LINES, MAX_PACK_QUANTITY, order_create
from fablab.billing.selectors import credit_packs_on_sale, invoices_visible_to, orders_visible_to
from fablab.billing.stripe_api import StripeUnavailable
from fablab.labs.models import Lab


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
        if isinstance(data, dict):  # a problem document (404, 401…): JSON, as its content type says
            return json.dumps(data, ensure_ascii=False).encode()
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


# --- Credit packs and orders ----------------------------------------------------------


class CreditPackSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = CreditPack
        fields = ["id", "lab", "name", "minutes", "price_cents", "vat_rate_bp", "validity_days"]


class CreditPackFilter(django_filters.FilterSet):
    lab = django_filters.CharFilter(field_name="lab__slug")

    class Meta:
        model = CreditPack
        fields = ["lab"]


class CreditPackViewSet(viewsets.ReadOnlyModelViewSet):
    """Credit packs on sale, per lab (`?lab=slug`): public."""

    serializer_class = CreditPackSerializer
    permission_classes = [AllowAny]
    filterset_class = CreditPackFilter
    queryset = CreditPack.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return credit_packs_on_sale()


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "position",
            "kind",
            "reference_id",
            "description",
            "quantity",
            "unit_price_cents",
            "vat_rate_bp",
            "total_excl_tax_cents",
            "total_tax_cents",
            "total_incl_tax_cents",
            "refunded_cents",
        ]


class OrderSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reference = serializers.CharField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    invoice = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "lab",
            "status",
            "created_at",
            "paid_at",
            "payment_method",
            "purchase_order",
            "due_date",
            "currency",
            "total_excl_tax_cents",
            "total_tax_cents",
            "total_incl_tax_cents",
            "lines",
            "invoice",
        ]

    def get_invoice(self, order) -> str | None:
        """The invoice's API address, once issued."""
        if order.invoice_id is None:
            return None
        path = reverse("invoice-detail", args=[order.invoice_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OrderItemInput(serializers.Serializer):
    pack = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_PACK_QUANTITY, default=1)


class OrderCreateInput(serializers.Serializer):
    lab = serializers.SlugRelatedField(slug_field="slug", queryset=Lab.objects.filter(is_active=True))
    items = OrderItemInput(many=True, allow_empty=False, max_length=MAX_ORDER_LINES)


class OrderCreatedSerializer(OrderSerializer):
    checkout_url = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "checkout_url"]

    def get_checkout_url(self, order) -> str | None:
        """Where to send the buyer to pay by card (Stripe Checkout); null when online payment is not offered."""
        return self.context.get("checkout_url")


def _checkout_url(request, order):
    return checkout_start(
        order=order,
        success_url=request.build_absolute_uri(reverse("billing:checkout_success", args=[order.pk])),
        cancel_url=request.build_absolute_uri(reverse("billing:checkout_cancel", args=[order.pk])),
    )


class OrderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders: the buyer's own, and those of the labs where the user manages billing.

    POST `{"lab": slug, "items": [{"pack": id, "quantity": n}]}` orders credit
    packs; the answer carries `checkout_url` (Stripe Checkout) when online
    payment is offered, else the order is paid at the lab's desk quoting its
    `reference`. The webhook, not the buyer's return, marks it paid.
    """

    permission_classes = [IsAuthenticated]
    queryset = Order.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return orders_visible_to(self.request.user)

    def get_serializer_class(self):
        return OrderCreateInput if self.action == "create" else OrderSerializer

    @extend_schema(request=OrderCreateInput, responses={201: OrderCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = self._valid(OrderCreateInput, request.data)
        order = order_create(
            buyer=request.user,
            lab=data["lab"],
            items=[(item["pack"], item["quantity"]) for item in data["items"]],
        )
        checkout_url = None
        if stripe_api.enabled():
            try:
                checkout_url = _checkout_url(request, order)
            except StripeUnavailable:
                checkout_url = None  # the order stands: pay later (POST …/checkout/) or at the desk
        order = self.get_queryset().get(pk=order.pk)
        body = OrderCreatedSerializer(order, context={"request": request, "checkout_url": checkout_url}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=inline_serializer("CheckoutStarted", {"checkout_url": serializers.URLField()}),
    )
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        """Start (or resume) paying the order by card: the buyer only."""
        order = get_object_or_404(Order, pk=pk, buyer=request.user)
        return Response({"checkout_url": _checkout_url(request, order)})

    @staticmethod
    def _valid(serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
