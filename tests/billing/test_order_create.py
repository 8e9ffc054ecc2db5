import pytest

from fablab.billing.amounts import excl_tax_from_incl, excl_tax_within, incl_tax_cents
from fablab.billing.models import CreditPack, Order, OrderLine, OrderStatus, ProductKind
from fablab.billing.orders import OrderLineInput, order_create, order_open
from fablab.billing.services import BillingError
from fablab.core.errors import NotAllowedError
from tests.billing.order_helpers import CreditPackFactory
from tests.factories import LabFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(world):
    return CreditPackFactory(lab=world.lab, name="10 hours", minutes=600, price_cents=10_000)


class TestOrderCreate:
    def test_it_opens_a_pending_order_priced_as_its_invoice_will_be(self, world, pack):
        order = order_create(buyer=world.member, lab=world.lab, items=[(pack, 1)])
        assert (order.status, order.buyer, order.lab) == (OrderStatus.PENDING, world.member, world.lab)
        line = order.lines.get()
        assert (line.kind, line.reference_id, line.description, line.quantity) == (
            "credit_pack",
            pack.pk,
            "10 hours",
            1,
        )
        # 100.00 € including 20 % VAT is 83.33 € + 16.67 € of VAT.
        assert (line.unit_price_cents, line.unit_price_excl_tax_cents) == (10_000, 8_333)
        assert (order.total_excl_tax_cents, order.total_tax_cents, order.total_incl_tax_cents) == (8_333, 1_667, 10_000)
        assert line.details == {"minutes": 600, "validity_days": 365}
        assert order.reference == f"ORD-{order.pk:06d}"

    def test_several_packs_and_quantities_add_up(self, world, pack):
        small = CreditPackFactory(lab=world.lab, minutes=120, price_cents=2_400, validity_days=None)
        order = order_create(buyer=world.member, lab=world.lab, items=[(pack, 2), (small.pk, 3), (pack, 1)])
        lines = {line.reference_id: line for line in order.lines.all()}
        assert (lines[pack.pk].quantity, lines[small.pk].quantity) == (3, 3)
        assert lines[small.pk].details == {"minutes": 120, "validity_days": None}
        assert order.total_incl_tax_cents == sum(line.total_incl_tax_cents for line in lines.values())
        # Three 100.00 € packs cost 300.00 €: 3 × 83.33 € + 3 × 16.67 € of VAT.
        assert (lines[pack.pk].total_excl_tax_cents, lines[pack.pk].total_tax_cents) == (24_999, 5_001)
        assert lines[pack.pk].total_incl_tax_cents == 30_000

    def test_a_pack_edited_after_the_order_does_not_change_what_was_bought(self, world, pack):
        order = order_create(buyer=world.member, lab=world.lab, items=[(pack, 1)])
        CreditPack.objects.filter(pk=pack.pk).update(minutes=60, price_cents=99_000)
        assert order.lines.get().details["minutes"] == 600
        assert Order.objects.get(pk=order.pk).total_incl_tax_cents == 10_000


class TestOrderCreateRefusesBadInput:
    @pytest.mark.parametrize(
        "items, code",
        [
            ([], "no_items"),
            ("pack", "no_items"),
            ([("pack",)], "bad_item"),
            ([(999_999, 1)], "unknown_pack"),
            ([("1", 1)], "unknown_pack"),
            ([("PACK", 0)], "bad_quantity"),
            ([("PACK", -1)], "bad_quantity"),
            ([("PACK", 21)], "bad_quantity"),
            ([("PACK", 1.5)], "bad_quantity"),
            ([("PACK", True)], "bad_quantity"),
            ([("PACK", 15), ("PACK", 6)], "bad_quantity"),
            ([("OTHER_LAB", 1)], "pack_of_another_lab"),
            ([("INACTIVE", 1)], "pack_not_on_sale"),
        ],
    )
    def test_it_refuses_with_a_clear_error_and_writes_nothing(self, world, pack, items, code):
        packs = {
            "PACK": pack,
            "OTHER_LAB": CreditPackFactory(lab=world.other_lab),
            "INACTIVE": CreditPackFactory(lab=world.lab, is_active=False),
        }
        if isinstance(items, list):
            items = [tuple(packs.get(part, part) if isinstance(part, str) else part for part in item) for item in items]
        with pytest.raises(BillingError) as error:
            order_create(buyer=world.member, lab=world.lab, items=items)
        assert error.value.code == code
        assert str(error.value.message)
        assert Order.objects.count() == OrderLine.objects.count() == 0

    def test_it_refuses_a_price_that_cannot_be_invoiced_to_the_cent(self, world):
        # At 20 %: 0.02 € + 0.00 € VAT = 0.02 €, then 0.03 € + 0.01 € = 0.04 €: 0.03 € is out of reach.
        odd = CreditPackFactory(lab=world.lab, price_cents=3)
        with pytest.raises(BillingError) as error:
            order_create(buyer=world.member, lab=world.lab, items=[(odd, 1)])
        assert error.value.code == "bad_amount"
        assert Order.objects.count() == 0

    def test_a_lab_that_cannot_invoice_sells_nothing(self, world, pack):
        world.lab.invoice_prefix = ""
        world.lab.save()
        with pytest.raises(BillingError) as error:
            order_create(buyer=world.member, lab=world.lab, items=[(pack, 1)])
        assert error.value.code == "no_invoice_prefix"

    def test_an_inactive_account_cannot_order(self, world, pack):
        world.member.is_active = False
        with pytest.raises(NotAllowedError):
            order_create(buyer=world.member, lab=world.lab, items=[(pack, 1)])

    @pytest.mark.parametrize(
        "changes, code",
        [
            ({"kind": "spaceship"}, "unknown_product"),
            ({"unit_price_cents": 0}, "bad_amount"),
            ({"unit_price_cents": -100}, "bad_amount"),
            ({"unit_price_cents": 10.5}, "bad_amount"),
            ({"vat_rate_bp": 1960}, "bad_vat_rate"),
            ({"description": " "}, "bad_description"),
        ],
    )
    def test_order_open_refuses_bad_lines_from_other_apps(self, world, changes, code):
        line = {
            "kind": ProductKind.CREDIT_PACK,
            "reference_id": None,
            "description": "Something",
            "quantity": 1,
            "unit_price_cents": 1_200,
            "vat_rate_bp": 2000,
            **changes,
        }
        with pytest.raises(BillingError) as error:
            order_open(buyer=world.member, lab=world.lab, lines=[OrderLineInput(**line)])
        assert error.value.code == code
        assert Order.objects.count() == 0


class TestPricesIncludingVat:
    @pytest.mark.parametrize("rate", [0, 210, 550, 1000, 2000])
    def test_every_reachable_price_maps_back_exactly(self, rate):
        for incl in range(1, 3_000):
            excl = excl_tax_from_incl(incl, rate)
            within = excl_tax_within(incl, rate)
            assert incl_tax_cents(within, rate) <= incl < incl_tax_cents(within + 1, rate)
            assert excl is None or incl_tax_cents(excl, rate) == incl

    def test_the_admin_refuses_a_pack_price_out_of_reach(self):
        from django.core.exceptions import ValidationError

        pack = CreditPack(lab=LabFactory(), name="Odd", minutes=60, price_cents=3, vat_rate_bp=2000)
        with pytest.raises(ValidationError) as error:
            pack.full_clean()
        assert "price_cents" in error.value.message_dict
        pack.price_cents = 1_200
        pack.full_clean()
