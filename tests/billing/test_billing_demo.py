import pytest

from fablab.billing.demo import seed_billing
from fablab.billing.models import CreditPack, Order, OrderStatus
from fablab.credits.selectors import balance_minutes
from fablab.labs import demo as labs_demo

pytestmark = pytest.mark.django_db


class TestBillingDemo:
    def test_it_puts_packs_on_sale_and_a_paid_invoiced_order_once(self):
        labs = labs_demo.seed_labs()
        users = labs_demo.seed_accounts(labs)
        seed_billing(labs, users)
        seed_billing(labs, users)
        assert CreditPack.objects.count() == 3 * len(labs)
        for pack in CreditPack.objects.all():
            pack.full_clean()  # every demo price is invoiceable to the cent
        order = Order.objects.get()
        assert (order.status, order.buyer.email) == (OrderStatus.PAID, "member@fablab.test")
        assert order.invoice is not None
        member = users["member@fablab.test"]
        assert balance_minutes(user=member, lab=labs["rennes"]) >= 300
