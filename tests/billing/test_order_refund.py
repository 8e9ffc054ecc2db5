"""Refunds at the service level: exact credit notes whatever the VAT rounding, never more than was paid."""

import random

import pytest

from fablab.billing.amounts import tax_cents, vat_exact_parts
from fablab.billing.models import Invoice, InvoiceKind, OrderStatus, Payment, PaymentKind
from fablab.billing.refunds import order_refund_record
from fablab.billing.selectors import invoice_chain_problems
from fablab.billing.services import BillingError
from fablab.core.errors import ConflictError
from fablab.credits.selectors import balance_minutes
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk

pytestmark = pytest.mark.django_db


class TestOrderRefundRecord:
    @pytest.mark.parametrize(
        "prices, rate",
        [([1_000, 2_400], 2000), ([999, 1_550], 550), ([1_234], 1000), ([5_000], 0), ([777, 1_001], 210)],
    )
    def test_any_sequence_of_partial_refunds_is_credited_to_the_cent(self, world, prices, rate):
        packs = [CreditPackFactory(lab=world.lab, price_cents=price, vat_rate_bp=rate) for price in prices]
        order = order_for(world.member, packs[0], quantity=3)
        if len(packs) > 1:
            from fablab.billing.orders import order_create

            order = order_create(buyer=world.member, lab=world.lab, items=[(packs[0], 3), (packs[1], 2)])
        pay_at_desk(order, world.staff)
        total = order.total_incl_tax_cents
        rng = random.Random(total)
        cuts = sorted(rng.sample(range(1, total), 3))
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        for amount in amounts:
            order_refund_record(order=order, amount_cents=amount, method="cash", by=world.staff)
        notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).order_by("sequence")
        assert [-note.total_incl_tax_cents for note in notes] == amounts
        assert sum(note.total_excl_tax_cents for note in notes) == -order.total_excl_tax_cents
        assert sum(note.total_tax_cents for note in notes) == -order.total_tax_cents
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED
        assert balance_minutes(user=world.member, lab=world.lab) == 0
        assert invoice_chain_problems() == []

    def test_it_refuses_a_refund_larger_than_what_was_paid(self, world):
        order = pay_at_desk(order_for(world.member, CreditPackFactory(lab=world.lab)), world.staff)
        order_refund_record(order=order, amount_cents=6_000, method="cash")
        with pytest.raises(BillingError) as error:
            order_refund_record(order=order, amount_cents=4_001, method="cash")
        assert error.value.code == "over_refund"
        assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 1
        assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1

    @pytest.mark.parametrize("amount", [0, -100, 12.5])
    def test_it_refuses_an_amount_that_is_not_positive_cents(self, world, amount):
        order = pay_at_desk(order_for(world.member, CreditPackFactory(lab=world.lab)), world.staff)
        with pytest.raises(BillingError) as error:
            order_refund_record(order=order, amount_cents=amount, method="cash")
        assert error.value.code == "bad_amount"
        assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 0

    def test_an_unpaid_order_cannot_be_refunded(self, world):
        order = order_for(world.member, CreditPackFactory(lab=world.lab))
        with pytest.raises(ConflictError):
            order_refund_record(order=order, amount_cents=100, method="cash")


class TestVatExactParts:
    @pytest.mark.parametrize("rate", [210, 550, 1000, 2000])
    def test_it_finds_parts_for_a_cent_more_or_less_of_vat(self, rate):
        # Below a few euros at 2.1 %, there may be no VAT cent to move: then None, and nothing is issued.
        for excl in range(300, 5_000, 37):
            exact = tax_cents(excl, rate)
            for tax in (exact - 1, exact, exact + 1):
                if tax < 0:
                    continue
                parts = vat_exact_parts(excl, tax, rate)
                assert parts is not None, (excl, tax, rate)
                assert sum(parts) == excl
                assert sum(tax_cents(part, rate) for part in parts) == tax
