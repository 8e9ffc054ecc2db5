"""Staff record money given back at the desk: a credit note, the credits taken back, a clear refusal otherwise."""

import pytest

from fablab.billing.models import Invoice, InvoiceKind, OrderStatus, Payment, PaymentKind
from fablab.credits.selectors import balance_minutes
from tests.billing.factories import pdf_text
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(world):
    pack = CreditPackFactory(lab=world.lab, name="Ten hours", minutes=600, price_cents=10_000)
    return pay_at_desk(order_for(world.member, pack), world.staff)


def url(order):
    return f"/payments/staff/orders/{order.pk}/refund/"


class TestDeskRefundPage:
    def test_staff_see_what_can_still_be_refunded(self, client, world, paid_order):
        client.force_login(world.staff)
        response = client.get(url(paid_order), HTTP_ACCEPT_LANGUAGE="en")
        content = response.content.decode()
        assert response.status_code == 200
        assert "€100.00</strong> can still be refunded" in content
        assert paid_order.invoice.number in content

    def test_a_partial_cash_refund_issues_a_credit_note_and_takes_credits_back(self, client, world, paid_order):
        client.force_login(world.staff)
        response = client.post(url(paid_order), {"method": "cash", "amount": "25.00", "reference": "Till 2"})
        assert response.status_code == 302
        paid_order.refresh_from_db()
        assert paid_order.status == OrderStatus.PARTIALLY_REFUNDED
        refund = Payment.objects.get(kind=PaymentKind.REFUND)
        assert (refund.method, refund.amount_cents, refund.recorded_by) == ("cash", -2_500, world.staff)
        note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
        assert note.total_incl_tax_cents == -2_500
        assert "Till 2" in note.reason and "Till 2" in pdf_text(note)
        assert balance_minutes(user=world.member, lab=world.lab) == 450

    def test_it_refuses_more_than_what_is_left_and_writes_nothing(self, client, world, paid_order):
        client.force_login(world.staff)
        response = client.post(url(paid_order), {"method": "cash", "amount": "100.01"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "larger than what was paid and not yet refunded" in response.content.decode()
        assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()
        assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()

    @pytest.mark.parametrize(
        "data", [{"method": "card", "amount": "10"}, {"method": "cash", "amount": "-5"}, {"method": "cash"}]
    )
    def test_bad_input_is_a_form_error(self, client, world, paid_order, data):
        client.force_login(world.staff)
        response = client.post(url(paid_order), data)
        assert response.status_code == 400
        assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()

    def test_a_fully_refunded_order_has_no_refund_page(self, client, world, paid_order):
        client.force_login(world.staff)
        client.post(url(paid_order), {"method": "cheque", "amount": "100.00"})
        paid_order.refresh_from_db()
        assert paid_order.status == OrderStatus.REFUNDED
        assert client.get(url(paid_order)).status_code == 404

    def test_the_orders_page_links_paid_orders_to_their_refund(self, client, world, paid_order):
        client.force_login(world.staff)
        content = client.get("/payments/staff/", {"lab": world.lab.slug}).content.decode()
        assert url(paid_order) in content

    @pytest.mark.parametrize("who", ["other_staff", "member", "other_member"])
    def test_others_cannot_refund(self, client, world, paid_order, who):
        client.force_login(getattr(world, who))
        assert client.get(url(paid_order)).status_code == 404
        assert client.post(url(paid_order), {"method": "cash", "amount": "10.00"}).status_code == 404
        assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()
