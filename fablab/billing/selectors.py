"""Reads on invoices: who sees which, and the verification of the hash chain."""

from django.db.models import BigIntegerField, F, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from fablab.billing.chain import canonical_content, chain_hash, sha256_hex
from fablab.billing.models import (
    GENESIS_HASH,
    CreditPack,
    Invoice,
    InvoiceChain,
    Order,
    OrderStatus,
    Payment,
    PaymentKind,
)
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where


def invoices_visible_to(user):
    """The buyer's own documents, and all those of the labs where the user manages billing."""
    if not user.is_authenticated:
        return Invoice.objects.none()
    managed = labs_where(user, Action.MANAGE_BILLING, Lab.objects.all())
    return (
        Invoice.objects.filter(Q(buyer=user) | Q(lab__in=managed))
        .select_related("lab", "corrects")
        .prefetch_related("lines")
    )


def invoice_chain_problems(lab=None) -> list[str]:
    """Recompute every lab's chain in issuing order; one problem per broken lab, naming the first culprit.

    For each document: its place in the chain, its link to the previous hash,
    its number in its yearly sequence, its content (fields and lines hashed
    again) and its stored PDF (hashed again from the file). Then the lab's chain
    head, which catches documents removed from the end. An empty list means
    every chain is intact.
    """
    labs = Lab.objects.filter(Q(invoices__isnull=False) | Q(invoice_chain__isnull=False)).distinct().order_by("pk")
    if lab is not None:
        labs = labs.filter(pk=lab.pk)
    problems = []
    for each_lab in labs:
        problem = _lab_chain_problem(each_lab)
        if problem:
            problems.append(problem)
    return problems


def _lab_chain_problem(lab):
    documents = (
        Invoice.objects.filter(lab=lab).select_related("corrects").prefetch_related("lines").order_by("chain_position")
    )
    previous_hash, position, last_sequences = GENESIS_HASH, 0, {}
    for invoice in documents.iterator(chunk_size=200):
        position += 1
        sequence_key = (invoice.kind, invoice.year)
        if invoice.chain_position != position or invoice.previous_hash != previous_hash:
            return _("%(number)s: chain broken (a document before it is missing or was changed)") % {
                "number": invoice.number
            }
        if invoice.sequence != last_sequences.get(sequence_key, 0) + 1:
            return _("%(number)s: number out of sequence (a number is missing before it)") % {"number": invoice.number}
        last_sequences[sequence_key] = invoice.sequence
        if chain_hash(previous_hash, canonical_content(invoice, invoice.lines.all())) != invoice.content_hash:
            return _("%(number)s: content changed") % {"number": invoice.number}
        pdf_problem = _pdf_problem(invoice)
        if pdf_problem:
            return pdf_problem
        previous_hash = invoice.content_hash
    head = InvoiceChain.objects.filter(lab=lab).first()
    if head is None or head.length != position or head.head_hash != previous_hash:
        return _("%(lab)s: chain broken (%(expected)s documents issued, %(found)s found)") % {
            "lab": lab.invoice_prefix or lab.slug,
            "expected": head.length if head else 0,
            "found": position,
        }
    return None


def _pdf_problem(invoice):
    try:
        with invoice.pdf.open("rb") as stored:
            data = stored.read()
    except (OSError, ValueError):  # no file name, or the file is gone
        return _("%(number)s: PDF missing") % {"number": invoice.number}
    if sha256_hex(data) != invoice.pdf_sha256:
        return _("%(number)s: PDF changed") % {"number": invoice.number}
    return None


def invoices_for_personal_data(user):
    """The member's invoices and credit notes, for the GDPR export."""
    return [
        {
            "number": invoice.number,
            "kind": invoice.kind,
            "lab": invoice.lab.slug,
            "issued_at": invoice.issued_at.isoformat(),
            "buyer_name": invoice.buyer_name,
            "buyer_address": invoice.buyer_address,
            "buyer_email": invoice.buyer_email,
            "total_incl_tax_cents": invoice.total_incl_tax_cents,
            "currency": invoice.currency,
        }
        for invoice in Invoice.objects.filter(buyer=user).select_related("lab").order_by("issued_at", "id")
    ]


# --- Orders and credit packs ---------------------------------------------------------


def credit_packs_on_sale(lab=None):
    """Packs on sale in active labs that can invoice, cheapest per minute first within a lab."""
    packs = CreditPack.objects.filter(is_active=True, lab__is_active=True).exclude(lab__invoice_prefix="")
    if lab is not None:
        packs = packs.filter(lab=lab)
    return packs.select_related("lab").order_by("lab__name", "lab_id", "minutes", "pk")


def orders_of(user):
    """The buyer's own orders, with what their list shows, in a fixed number of queries."""
    if not user.is_authenticated:
        return Order.objects.none()
    return (
        Order.objects.filter(buyer=user)
        .select_related("lab", "invoice")
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )


def orders_visible_to(user):
    """The buyer's own orders, and all those of the labs where the user manages billing."""
    if not user.is_authenticated:
        return Order.objects.none()
    managed = labs_where(user, Action.MANAGE_BILLING, Lab.objects.all())
    return (
        Order.objects.filter(Q(buyer=user) | Q(lab__in=managed))
        .select_related("lab", "buyer", "invoice")
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )


def order_detail_for_buyer(user, pk):
    """The buyer's order with its lines, payments and documents, or None (another member's too)."""
    return (
        orders_of(user)
        .prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("received_at", "id")),
            Prefetch("invoice__credit_notes", queryset=Invoice.objects.order_by("issued_at", "id")),
        )
        .filter(pk=pk)
        .first()
    )


def orders_awaiting_payment(lab):
    """A lab's pending orders for its billing staff, with what was paid so far (one query)."""
    paid = Coalesce(
        Sum("payments__amount_cents", filter=Q(payments__kind=PaymentKind.PAYMENT)),
        Value(0),
        output_field=BigIntegerField(),
    )
    return (
        Order.objects.filter(lab=lab, status=OrderStatus.PENDING)
        .select_related("buyer", "invoice")
        .annotate(paid_cents=paid)
        .annotate(remaining_cents=F("total_incl_tax_cents") - F("paid_cents"))
        .order_by("created_at", "id")
    )


def orders_for_personal_data(user):
    """The member's orders, for the GDPR export."""
    return [
        {
            "reference": order.reference,
            "lab": order.lab.slug,
            "status": order.status,
            "created_at": order.created_at.isoformat(),
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "payment_method": order.payment_method,
            "total_incl_tax_cents": order.total_incl_tax_cents,
            "currency": order.currency,
            "lines": [
                {"description": line.description, "quantity": line.quantity, "unit_price_cents": line.unit_price_cents}
                for line in order.lines.all()
            ],
        }
        for order in Order.objects.filter(buyer=user).select_related("lab").prefetch_related("lines").order_by("pk")
    ]
