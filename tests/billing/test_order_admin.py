import pytest
from django.contrib.auth.models import Permission

from fablab.billing.models import CreditPack
from fablab.labs.models import Role
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


class TestCreditPackAdmin:
    def test_it_creates_a_pack_and_refuses_a_price_out_of_reach(self, client, world, superuser):
        client.force_login(superuser)
        form = {
            "lab": world.lab.pk,
            "name": "Odd",
            "minutes": 60,
            "price_cents": 3,
            "vat_rate_bp": 2000,
            "is_active": "on",
        }
        response = client.post("/admin/billing/creditpack/add/", form)
        assert response.status_code == 200  # the form again, with the error
        assert "add or remove one cent" in response.content.decode()
        assert CreditPack.objects.count() == 0
        assert client.post("/admin/billing/creditpack/add/", {**form, "price_cents": 1_200}).status_code == 302
        assert CreditPack.objects.get().price_excl_tax_cents == 1_000

    def test_admin_users_see_and_sell_only_in_the_labs_whose_billing_they_manage(self, client, world):
        CreditPackFactory(lab=world.other_lab, name="Lab B pack")
        clerk = UserFactory(is_staff=True)
        clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_creditpack", "add_creditpack"]))
        MembershipFactory(user=clerk, lab=world.lab, role=Role.STAFF)
        client.force_login(clerk)
        assert "Lab B pack" not in client.get("/admin/billing/creditpack/").content.decode()
        form = {"lab": world.other_lab.pk, "name": "X", "minutes": 60, "price_cents": 1_200, "vat_rate_bp": 2000}
        client.post("/admin/billing/creditpack/add/", form)
        assert not CreditPack.objects.filter(name="X").exists()


class TestOrderAdmin:
    def test_orders_and_stripe_events_are_read_only(self, client, world, superuser):
        order = pay_at_desk(order_for(world.member, CreditPackFactory(lab=world.lab)), world.staff)
        client.force_login(superuser)
        assert order.reference in client.get("/admin/billing/order/").content.decode()
        page = client.get(f"/admin/billing/order/{order.pk}/change/").content.decode()
        assert order.invoice.number in page and 'name="_save"' not in page
        assert client.get("/admin/billing/order/add/").status_code == 403
        assert client.get(f"/admin/billing/order/{order.pk}/delete/").status_code == 403
        assert client.get("/admin/billing/stripeevent/").status_code == 200
