"""What is sold, orders and payments.

An `Order` holds the lines one checkout pays for, all of one lab (a lab issues
its own invoices). It is paid online (Stripe Checkout, confirmed by the
webhook only) or at the desk (payments recorded by staff); once paid, each
line is fulfilled by the handler registered for its kind (`fulfilment.py`)
and the invoice is issued. Prices shown to buyers include VAT and a line
costs exactly quantity × that price; the invoice, which computes VAT from
prices excluding tax, is built to total the same (`orders.invoice_lines`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fablab.billing.amounts import excl_tax_from_incl
from fablab.billing.models.documents import VAT_RATES_BP, Invoice, PaymentMethod


class ProductKind(models.TextChoices):
    CREDIT_PACK = "credit_pack", _("Credit pack")
    TRAINING_SEAT = "training_seat", _("Training seat")
    SCHOOL_WORKSHOP = "school_workshop", _("School workshop")


class CreditPack(models.Model):
    """Time credits sold together, at a price including VAT, valid `validity_days` (None: no expiry)."""

    lab = models.ForeignKey("labs.Lab", verbose_name=_("lab"), on_delete=models.PROTECT, related_name="credit_packs")
    name = models.CharField(_("name"), max_length=120)
    minutes = models.PositiveIntegerField(_("credit minutes"))
    price_cents = models.BigIntegerField(_("price including VAT (cents)"))
    vat_rate_bp = models.PositiveSmallIntegerField(
        _("VAT rate (basis points)"), default=2000, help_text=_("2000 for 20 %, 550 for 5.5 %, 0 when exempt.")
    )
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Leave empty for credits that never expire.")
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit pack")
        verbose_name_plural = _("credit packs")
        ordering = ["lab", "minutes", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="billing_pack_minutes_positive"),
            models.CheckConstraint(
                condition=Q(price_cents__gt=0, price_cents__lte=100_000_000), name="billing_pack_price_positive"
            ),
            models.CheckConstraint(condition=Q(vat_rate_bp__in=VAT_RATES_BP), name="billing_pack_known_vat_rate"),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0), name="billing_pack_validity_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.price_cents and self.price_cents > 0 and self.vat_rate_bp in VAT_RATES_BP:
            if excl_tax_from_incl(self.price_cents, self.vat_rate_bp) is None:
                raise ValidationError(
                    {
                        "price_cents": _(
                            "At this VAT rate no price excluding tax gives exactly this price: add or remove one cent."
                        )
                    }
                )

    @property
    def price_excl_tax_cents(self):
        return excl_tax_from_incl(self.price_cents, self.vat_rate_bp)


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


class Order(models.Model):
    """What one buyer pays for in one lab, in one go. Totals are integer cents, as on the invoice."""

    lab = models.ForeignKey("labs.Lab", verbose_name=_("lab"), on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=24, choices=PaymentMethod.choices, blank=True)
    # Public administrative mandate ("mandat administratif"): the paying body's purchase order.
    purchase_order = models.CharField(_("purchase order"), max_length=64, blank=True)
    paying_body = models.CharField(_("paying body"), max_length=200, blank=True)
    paying_body_address = models.TextField(_("paying body address"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    stripe_checkout_session_id = models.CharField(
        _("Stripe Checkout session"), max_length=255, null=True, blank=True, unique=True
    )
    stripe_payment_intent_id = models.CharField(
        _("Stripe payment intent"), max_length=255, null=True, blank=True, unique=True
    )
    # One order, at most one invoice; the invoice itself never changes.
    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_excl_tax_cents = models.BigIntegerField(_("total excluding tax (cents)"))
    total_tax_cents = models.BigIntegerField(_("total VAT (cents)"))
    total_incl_tax_cents = models.BigIntegerField(_("total including tax (cents)"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="billing_order_buyer_time"),
            models.Index(fields=["lab", "status", "-created_at"], name="billing_order_lab_status"),
            # Revenue per month on the staff dashboard: the orders of a lab paid in a period.
            models.Index(fields=["lab", "paid_at"], name="billing_order_lab_paid"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_incl_tax_cents=F("total_excl_tax_cents") + F("total_tax_cents")),
                name="billing_order_totals_add_up",
            ),
            models.CheckConstraint(condition=Q(total_incl_tax_cents__gt=0), name="billing_order_total_positive"),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.PAID) | Q(paid_at__isnull=False), name="billing_order_paid_has_time"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        """What the buyer quotes at the desk or on a bank transfer."""
        return f"ORD-{self.pk:06d}" if self.pk else "ORD-?"

    @property
    def is_pending(self):
        return self.status == OrderStatus.PENDING


class OrderLine(models.Model):
    """One product in an order; `kind` and `reference_id` tell its fulfilment handler what was bought."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=32, choices=ProductKind.choices)
    reference_id = models.PositiveBigIntegerField(_("product id"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_cents = models.BigIntegerField(_("unit price including VAT (cents)"))
    unit_price_excl_tax_cents = models.BigIntegerField(_("unit price excluding tax (cents)"))
    vat_rate_bp = models.PositiveSmallIntegerField(_("VAT rate (basis points)"))
    total_excl_tax_cents = models.BigIntegerField(_("total excluding tax (cents)"))
    total_tax_cents = models.BigIntegerField(_("VAT (cents)"))
    total_incl_tax_cents = models.BigIntegerField(_("total including tax (cents)"))
    # Refunds credited against this line so far, VAT included and excluded (see refunds.py).
    refunded_cents = models.BigIntegerField(_("refunded (cents)"), default=0)
    refunded_excl_tax_cents = models.BigIntegerField(_("refunded excluding tax (cents)"), default=0)
    # What the product was when ordered (e.g. a pack's minutes and validity), for its handler:
    # a pack edited after the order does not change what was bought.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="billing_orderline_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billing_orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price_excl_tax_cents__gt=0), name="billing_orderline_price_positive"
            ),
            models.CheckConstraint(condition=Q(vat_rate_bp__in=VAT_RATES_BP), name="billing_orderline_known_vat_rate"),
            models.CheckConstraint(
                condition=Q(total_excl_tax_cents=F("quantity") * F("unit_price_excl_tax_cents")),
                name="billing_orderline_excl_is_quantity_times_price",
            ),
            models.CheckConstraint(
                condition=Q(total_incl_tax_cents=F("total_excl_tax_cents") + F("total_tax_cents")),
                name="billing_orderline_totals_add_up",
            ),
            models.CheckConstraint(
                condition=Q(refunded_cents__gte=0, refunded_cents__lte=F("total_incl_tax_cents")),
                name="billing_orderline_refund_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class Payment(models.Model):
    """Money received for an order (positive) or given back (negative), online or at the desk."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=8, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    method = models.CharField(_("method"), max_length=24, choices=PaymentMethod.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recorded_payments",
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Cheque number, transfer reference…")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The Stripe payment intent (payments) or refund (refunds): each is recorded once.
    stripe_id = models.CharField(_("Stripe id"), max_length=255, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["received_at"], name="billing_payment_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PaymentKind.PAYMENT, amount_cents__gt=0)
                | Q(kind=PaymentKind.REFUND, amount_cents__lt=0),
                name="billing_payment_sign_follows_kind",
            ),
        ]

    def __str__(self):
        return f"{self.order} {self.amount_cents:+d}"


class StripeEvent(models.Model):
    """Every signed webhook event received, once: the unique id is what makes processing exactly-once.

    The row is inserted in the same transaction as the event's effects, so an
    event is either recorded with its effects or not at all (and Stripe retries).
    """

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("live mode"), default=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events"
    )
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class CreditLot(models.Model):
    """The minutes one order line of credit packs put on a balance, and when what is left of them expires.

    The ledger records movements, not which credits a debit consumed; the lot
    keeps what the expiry job and refunds need to know (see `credit_packs.py`).
    """

    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="credit_lot")
    account = models.ForeignKey("credits.CreditAccount", on_delete=models.PROTECT, related_name="credit_lots")
    purchase_entry = models.OneToOneField("credits.LedgerEntry", on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(_("minutes bought"))
    purchased_at = models.DateTimeField(_("bought at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    reversed_minutes = models.PositiveIntegerField(_("minutes withdrawn by refunds"), default=0)
    expired_minutes = models.PositiveIntegerField(_("minutes expired"), default=0)
    expiry_processed_at = models.DateTimeField(_("expiry processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit lot")
        verbose_name_plural = _("credit lots")
        ordering = ["expires_at", "id"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(expires_at__isnull=False, expiry_processed_at__isnull=True),
                name="billing_lot_to_expire",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reversed_minutes__lte=F("minutes")), name="billing_lot_reversed_within_minutes"
            ),
        ]

    def __str__(self):
        return f"{self.minutes} min until {self.expires_at or '∞'}"
