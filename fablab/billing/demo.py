"""Demo data for billing (seed_demo): credit packs in every lab, and a paid order with its invoice."""

from fablab.billing.models import CreditPack, Order, PaymentMethod
from fablab.billing.orders import order_create, payment_record_offline

# (name, minutes, price including 20 % VAT in cents, validity in days or None)
PACKS = [
    ("5 heures machine", 300, 5_000, 365),
    ("10 heures machine", 600, 9_000, 365),
    ("20 heures machine", 1_200, 16_800, None),
]


def seed_billing(labs, users):
    """Idempotent. Run it before the bookings' demo: the member's 10 credit hours count the pack bought here."""
    for lab in labs.values():
        for name, minutes, price_cents, validity_days in PACKS:
            CreditPack.objects.get_or_create(
                lab=lab,
                name=name,
                defaults={"minutes": minutes, "price_cents": price_cents, "validity_days": validity_days},
            )
    member, staff = users["member@fablab.test"], users["staff@fablab.test"]
    rennes = labs["rennes"]
    if not Order.objects.filter(buyer=member).exists():
        pack = CreditPack.objects.get(lab=rennes, name=PACKS[0][0])
        order = order_create(buyer=member, lab=rennes, items=[(pack, 1)])
        payment_record_offline(
            order=order, method=PaymentMethod.CASH, amount_cents=order.total_incl_tax_cents, by=staff
        )
