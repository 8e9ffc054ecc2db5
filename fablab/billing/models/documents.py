"""Invoices and credit notes: legal documents, numbered, frozen and chained.

An issued document is never updated nor deleted; a correction is a credit
note. Each lab numbers its invoices, and separately its credit notes ("avoirs"),
in one gap-free sequence per calendar year: the `InvoiceSequence` row is
locked to take the next number inside the issuing transaction, so a rolled-back
issue burns no number. Every document of a lab is chained to the previous one by
hashes (`previous_hash`, `content_hash`); the `InvoiceChain` row is the lab's
chain head and the lock that puts all of a lab's documents in one order.
`manage.py verify_invoices` recomputes the chain.

Money is integer cents; VAT rates are integer basis points (2000 = 20 %).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64

# The French VAT rates, in basis points: 0 (exempt, with its mention), 2.1 %, 5.5 %, 10 %, 20 %.
VAT_RATES_BP = (0, 210, 550, 1000, 2000)


class ImmutableDocument(ValueError):
    """An issued invoice, credit note or line was about to be changed or deleted."""


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    ADMINISTRATIVE_MANDATE = "administrative_mandate", _("Administrative mandate")


class InvoiceLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


def invoice_pdf_path(invoice, filename):
    """Where the legal copy is stored; the random part keeps the path unguessable."""
    return f"invoices/{invoice.lab_id}/{invoice.year}/{invoice.number}-{secrets.token_hex(8)}.pdf"


class InvoiceSequence(models.Model):
    """The last number taken in one lab's sequence for one kind of document and one year.

    The issuing transaction locks this row, takes `last_number + 1` and writes it
    back before committing: numbers come out in order, once each, without gaps.
    """

    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="invoice_sequences")
    kind = models.CharField(_("kind"), max_length=16, choices=InvoiceKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice sequence")
        verbose_name_plural = _("invoice sequences")
        constraints = [
            models.UniqueConstraint(fields=["lab", "kind", "year"], name="billing_sequence_one_per_lab_kind_year"),
        ]

    def __str__(self):
        return f"{self.lab_id} {self.kind} {self.year}: {self.last_number}"


class InvoiceChain(models.Model):
    """The head of a lab's hash chain: how many documents it holds and the last hash.

    Its row is locked by every issuing transaction of the lab, invoices and credit
    notes alike, so that each document links to the one issued just before it.
    The head also lets the verification notice documents removed from the end.
    """

    lab = models.OneToOneField("labs.Lab", on_delete=models.PROTECT, related_name="invoice_chain")
    length = models.PositiveIntegerField(_("documents"), default=0)
    head_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("invoice chain")
        verbose_name_plural = _("invoice chains")

    def __str__(self):
        return f"{self.lab_id}: {self.length} documents"


class Invoice(models.Model):
    """An issued invoice or credit note, with the seller and buyer frozen at issue time."""

    lab = models.ForeignKey("labs.Lab", verbose_name=_("lab"), on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(_("number"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    chain_position = models.PositiveIntegerField(_("position in the chain"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    reason = models.TextField(_("reason"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    due_date = models.DateField(_("due date"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(_("language"), max_length=2, choices=InvoiceLanguage.choices, default="fr")

    seller_legal_name = models.CharField(_("seller legal name"), max_length=200)
    seller_address = models.TextField(_("seller address"), blank=True)
    seller_registration_number = models.CharField(_("seller registration number (SIRET)"), max_length=32, blank=True)
    seller_vat_number = models.CharField(_("seller VAT number"), max_length=32, blank=True)

    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_address = models.TextField(_("buyer address"), blank=True)
    buyer_email = models.EmailField(_("buyer email"), blank=True)
    buyer_vat_number = models.CharField(_("buyer VAT number"), max_length=32, blank=True)
    purchase_order = models.CharField(_("purchase order"), max_length=64, blank=True)
    # SET_NULL, not PROTECT: the invoice keeps its frozen buyer details whatever
    # becomes of the account (GDPR erasure); the link is only for "my invoices".
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )

    payment_method = models.CharField(_("payment method"), max_length=24, choices=PaymentMethod.choices)
    payment_terms = models.TextField(_("payment terms"), blank=True)

    total_excl_tax_cents = models.BigIntegerField(_("total excluding tax (cents)"))
    total_tax_cents = models.BigIntegerField(_("total VAT (cents)"))
    total_incl_tax_cents = models.BigIntegerField(_("total including tax (cents)"))

    pdf = models.FileField(_("PDF"), upload_to=invoice_pdf_path, max_length=255)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)

    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_invoices",
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-issued_at"], name="billing_invoice_buyer_time"),
            models.Index(fields=["lab", "-issued_at"], name="billing_invoice_lab_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lab", "kind", "year", "sequence"], name="billing_invoice_unique_sequence"),
            models.UniqueConstraint(fields=["lab", "number"], name="billing_invoice_unique_number"),
            # Two documents can never claim the same place in a lab's chain.
            models.UniqueConstraint(fields=["lab", "chain_position"], name="billing_invoice_unique_chain_position"),
            models.CheckConstraint(
                condition=Q(total_incl_tax_cents=F("total_excl_tax_cents") + F("total_tax_cents")),
                name="billing_invoice_totals_add_up",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, corrects__isnull=True, total_excl_tax_cents__gte=0)
                | Q(kind=InvoiceKind.CREDIT_NOTE, corrects__isnull=False, total_excl_tax_cents__lte=0),
                name="billing_invoice_kind_sign_and_correction",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1, chain_position__gte=1), name="billing_invoice_positions_from_one"
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocument("An issued invoice cannot be changed: issue a credit note instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocument("An issued invoice cannot be deleted: issue a credit note instead.")

    @property
    def is_credit_note(self):
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """One line of a document; VAT is computed per line and rounded half-up to the cent."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_cents = models.BigIntegerField(_("unit price excluding tax (cents)"))
    vat_rate_bp = models.PositiveSmallIntegerField(_("VAT rate (basis points)"))
    total_excl_tax_cents = models.BigIntegerField(_("total excluding tax (cents)"))
    total_tax_cents = models.BigIntegerField(_("VAT (cents)"))
    total_incl_tax_cents = models.BigIntegerField(_("total including tax (cents)"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="billing_line_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billing_line_quantity_positive"),
            models.CheckConstraint(condition=Q(vat_rate_bp__in=VAT_RATES_BP), name="billing_line_known_vat_rate"),
            models.CheckConstraint(
                condition=Q(total_excl_tax_cents=F("quantity") * F("unit_price_cents")),
                name="billing_line_excl_is_quantity_times_price",
            ),
            models.CheckConstraint(
                condition=Q(total_incl_tax_cents=F("total_excl_tax_cents") + F("total_tax_cents")),
                name="billing_line_totals_add_up",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.description}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocument("A line of an issued invoice cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocument("A line of an issued invoice cannot be deleted.")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


def period_archive_path(period, filename):
    """Like the invoices' legal copies, a path nobody can guess."""
    return f"billing/archives/{period.lab_id}/{secrets.token_hex(8)}-{filename}"


class AccountingPeriod(models.Model):
    """A closed month or year of a lab: nothing can be issued in it any more.

    Closing writes the period's archive (a ZIP of its documents as JSON and PDF
    with a SHA256SUMS file) whose checksum is chained to the lab's previous
    archive, as documents are chained to each other. A closed period is never
    reopened, changed or deleted.
    """

    lab = models.ForeignKey("labs.Lab", verbose_name=_("lab"), on_delete=models.PROTECT, related_name="periods")
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    position = models.PositiveIntegerField(_("position in the lab's archives"))
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    documents = models.PositiveIntegerField(_("documents"))
    archive = models.FileField(_("archive"), upload_to=period_archive_path, max_length=255)
    archive_sha256 = models.CharField(_("archive SHA-256"), max_length=64)
    previous_checksum = models.CharField(_("previous archive checksum"), max_length=64)
    checksum = models.CharField(_("checksum"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["lab", "-first_day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "first_day", "last_day"], name="billing_period_unique_dates"),
            models.UniqueConstraint(fields=["lab", "position"], name="billing_period_unique_position"),
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="billing_period_last_after_first"),
        ]
        indexes = [models.Index(fields=["lab", "last_day"], name="billing_period_lab_last_day")]

    def __str__(self):
        return f"{self.lab_id}: {self.first_day}–{self.last_day}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocument("A closed accounting period cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocument("A closed accounting period cannot be deleted.")
