"""Credit packs and orders for the payment tests, made through the real services."""

import factory

from fablab.billing.models import CreditPack
from fablab.billing.orders import order_create
from tests.factories import LabFactory


class CreditPackFactory(factory.django.DjangoModelFactory):
    """10 hours for 100.00 € including 20 % VAT (83.33 € + 16.67 €), valid a year."""

    class Meta:
        model = CreditPack

    lab = factory.SubFactory(LabFactory)
    name = factory.Sequence(lambda n: f"Pack {n}: 10 hours")
    minutes = 600
    price_cents = 10_000
    vat_rate_bp = 2000
    validity_days = 365
    is_active = True


def order_for(member, pack, quantity=1):
    return order_create(buyer=member, lab=pack.lab, items=[(pack, quantity)])


def pay_at_desk(order, staff, method="cash"):
    """Staff record the whole amount received at the desk: the order becomes paid (credits, invoice)."""
    from fablab.billing.orders import payment_record_offline

    payment_record_offline(order=order, method=method, amount_cents=order.total_incl_tax_cents, by=staff)
    order.refresh_from_db()
    return order
