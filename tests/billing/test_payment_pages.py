import pytest
from rest_framework.test import APIClient

from fablab.billing.models import Invoice, Order, OrderStatus, Payment
from fablab.billing.orders import order_cancel
from fablab.credits.selectors import balance_minutes
from tests.billing.order_helpers import CreditPackFactory, order_for, pay_at_desk

pytestmark = [pytest.mark.django_db]

PACKS = "/payments/credit-packs/"


@pytest.fixture
def pack(world):
    return CreditPackFactory(lab=world.lab, name="Ten hours", minutes=600, price_cents=10_000)


@pytest.fixture
def order(world, pack):
    return order_for(world.member, pack)


def page(client, url, **kwargs):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    return response, response.content.decode()


def assert_csp_safe(content):
    """No inline style or script in what these pages add (the CSP forbids them)."""
    assert "style=" not in content
    assert "<script>" not in content and "onclick" not in content


class TestCreditPacksPage:
    def test_anyone_sees_the_packs_on_sale_without_online_payment(self, client, world, pack):
        CreditPackFactory(lab=world.lab, name="Retired pack", is_active=False)
        CreditPackFactory(lab=world.other_lab, name="Lab B pack")
        response, content = page(client, PACKS)
        assert response.status_code == 200
        assert "Ten hours" in content and "Lab B pack" in content and "Retired pack" not in content
        assert "€100.00" in content
        assert "Online payment is not offered" in content
        assert "Log in to buy credits" in content
        assert_csp_safe(content)

    def test_a_member_orders_and_gets_the_desk_instructions_without_stripe(self, client, world, pack):
        client.force_login(world.member)
        response = client.post(PACKS, {"pack": pack.pk, "quantity": 2})
        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/payments/orders/{order.pk}/"
        assert (order.buyer, order.lines.get().quantity) == (world.member, 2)
        _response, content = page(client, response["Location"])
        assert order.reference in content
        assert "At the lab's desk" in content
        assert "Pay online" not in content
        assert_csp_safe(content)

    def test_with_stripe_the_member_is_sent_to_checkout(self, client, world, pack, fake_stripe):
        client.force_login(world.member)
        response = client.post(PACKS, {"pack": pack.pk, "quantity": 1})
        order = Order.objects.get()
        session = fake_stripe.sessions[order.stripe_checkout_session_id]
        assert response.status_code == 302
        assert response["Location"] == session["url"]
        assert session["success_url"] == f"http://testserver/payments/orders/{order.pk}/paid/"
        assert session["cancel_url"] == f"http://testserver/payments/orders/{order.pk}/payment-cancelled/"
        assert "pay online" in page(client, PACKS)[1]

    @pytest.mark.parametrize("data", [{"quantity": 0}, {"quantity": 21}, {"quantity": "two"}, {"pack": 999_999}])
    def test_bad_input_shows_an_error_and_writes_nothing(self, client, world, pack, data):
        client.force_login(world.member)
        response = client.post(PACKS, {"pack": pack.pk, "quantity": 1, **data}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
        assert Order.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_ordered(self, client, pack):
        response = client.post(PACKS, {"pack": pack.pk, "quantity": 1})
        assert response["Location"].startswith("/accounts/login/")
        assert Order.objects.count() == 0


class TestMyOrders:
    def test_members_see_their_orders_only_with_the_invoice_once_paid(self, client, world, pack, order):
        order_for(world.other_member, pack)
        pay_at_desk(order, world.staff)
        client.force_login(world.member)
        response, content = page(client, "/payments/orders/")
        assert response.status_code == 200
        assert content.count("ORD-") == 1
        invoice = Invoice.objects.get()
        assert f"/payments/invoices/{invoice.pk}/pdf/" in content
        assert_csp_safe(content)

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get("/payments/orders/")["Location"].startswith("/accounts/login/")


class TestQueryCounts:
    @pytest.mark.parametrize("url", ["/payments/orders/", "/payments/staff/", PACKS])
    def test_pages_do_not_run_more_queries_with_more_orders(self, client, world, pack, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(world.staff if "staff" in url else world.member)

        def queries():
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            return len(context)

        order_for(world.member, pack)
        few = queries()
        for _ in range(5):
            order_for(world.member, CreditPackFactory(lab=world.lab))
        pay_at_desk(order_for(world.member, pack), world.staff)
        assert queries() == few


class TestOrderDetail:
    def test_the_buyer_sees_lines_totals_and_how_to_pay(self, client, world, order, fake_stripe):
        client.force_login(world.member)
        response, content = page(client, f"/payments/orders/{order.pk}/")
        assert response.status_code == 200
        assert "Ten hours" in content and "€83.33" in content and "€16.67" in content and "€100.00" in content
        assert "Pay online by card" in content and order.reference in content
        response = client.post(f"/payments/orders/{order.pk}/pay/")
        assert response["Location"].startswith("https://checkout.stripe.test/")

    @pytest.mark.parametrize("who", ["other_member", "other_staff", "staff"])
    def test_it_is_404_for_anyone_but_the_buyer(self, client, world, order, who):
        client.force_login(getattr(world, who))
        for url in ("", "paid/", "payment-cancelled/"):
            assert client.get(f"/payments/orders/{order.pk}/{url}").status_code == 404
        assert client.post(f"/payments/orders/{order.pk}/pay/").status_code == 404
        assert client.post(f"/payments/orders/{order.pk}/cancel/").status_code == 404
        assert Order.objects.get().status == OrderStatus.PENDING

    def test_anonymous_visitors_are_sent_to_log_in(self, client, order):
        assert client.get(f"/payments/orders/{order.pk}/")["Location"].startswith("/accounts/login/")

    def test_the_buyer_cancels_an_unpaid_order(self, client, world, order):
        client.force_login(world.member)
        assert client.post(f"/payments/orders/{order.pk}/cancel/").status_code == 302
        assert Order.objects.get().status == OrderStatus.CANCELLED

    def test_the_return_page_says_the_payment_is_being_confirmed_until_the_webhook_says_paid(
        self, client, world, order
    ):
        client.force_login(world.member)
        assert "being confirmed" in page(client, f"/payments/orders/{order.pk}/paid/")[1]
        pay_at_desk(order, world.staff)
        assert "payment is confirmed" in page(client, f"/payments/orders/{order.pk}/paid/")[1]
        assert "Nothing was charged" in page(client, f"/payments/orders/{order.pk}/payment-cancelled/")[1]

    def test_without_stripe_keys_no_online_payment_is_offered(self, client, world, order):
        client.force_login(world.member)
        content = page(client, f"/payments/orders/{order.pk}/")[1]
        assert "Pay online" not in content
        response = client.post(f"/payments/orders/{order.pk}/pay/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        assert Order.objects.get().stripe_checkout_session_id is None


class TestInvoicePdf:
    @pytest.mark.parametrize(
        "who, status", [("member", 200), ("staff", 200), ("other_member", 404), ("other_staff", 404)]
    )
    def test_the_buyer_and_the_labs_billing_staff_download_it(self, client, world, order, who, status):
        pay_at_desk(order, world.staff)
        invoice = Invoice.objects.get()
        client.force_login(getattr(world, who))
        response = client.get(f"/payments/invoices/{invoice.pk}/pdf/")
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")


class TestStaffPage:
    def test_staff_see_orders_awaiting_payment_and_record_a_payment(self, client, world, order):
        client.force_login(world.staff)
        response, content = page(client, "/payments/staff/")
        assert response.status_code == 200
        assert order.reference in content and "Mia Member" in content
        assert_csp_safe(content)
        response = client.post(
            f"/payments/staff/orders/{order.pk}/payment/",
            {f"pay-{order.pk}-method": "cash", f"pay-{order.pk}-amount": "40.00", f"pay-{order.pk}-reference": ""},
        )
        assert response["Location"] == "/payments/staff/?lab=lab-a"
        assert "remaining €60.00" in page(client, "/payments/staff/")[1]
        client.post(
            f"/payments/staff/orders/{order.pk}/payment/",
            {f"pay-{order.pk}-method": "transfer", f"pay-{order.pk}-amount": "60"},
        )
        assert Order.objects.get().status == OrderStatus.PAID
        assert balance_minutes(user=world.member, lab=world.lab) == 600

    @pytest.mark.parametrize("amount", ["0", "-5", "100.01", "abc", "1.005"])
    def test_bad_amounts_are_refused_with_a_message_and_nothing_recorded(self, client, world, order, amount):
        client.force_login(world.staff)
        response = client.post(
            f"/payments/staff/orders/{order.pk}/payment/",
            {f"pay-{order.pk}-method": "cash", f"pay-{order.pk}-amount": amount},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "message-error" in response.content.decode()
        assert Payment.objects.count() == 0

    def test_staff_issue_an_invoice_for_a_mandate(self, client, world, order):
        client.force_login(world.staff)
        response = client.post(
            f"/payments/staff/orders/{order.pk}/mandate/",
            {
                f"mandate-{order.pk}-purchase_order": "BC-77",
                f"mandate-{order.pk}-paying_body": "Mairie de Rennes",
                f"mandate-{order.pk}-due_date": "2099-01-01",
            },
            follow=True,
        )
        assert "message-error" in response.content.decode()  # more than a year away
        assert Invoice.objects.count() == 0
        from django.utils import timezone

        due = (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
        client.post(
            f"/payments/staff/orders/{order.pk}/mandate/",
            {
                f"mandate-{order.pk}-purchase_order": "BC-77",
                f"mandate-{order.pk}-paying_body": "Mairie de Rennes",
                f"mandate-{order.pk}-due_date": due,
            },
        )
        assert Invoice.objects.get().purchase_order == "BC-77"
        assert Order.objects.get().status == OrderStatus.PENDING

    def test_staff_cancel_an_order(self, client, world, order):
        client.force_login(world.staff)
        client.post(f"/payments/staff/orders/{order.pk}/cancel/")
        assert Order.objects.get().status == OrderStatus.CANCELLED

    @pytest.mark.parametrize("who", ["member", "trainer", "other_staff"])
    def test_others_get_404_and_change_nothing(self, client, world, order, who):
        client.force_login(getattr(world, who))
        assert client.get("/payments/staff/?lab=lab-a").status_code == 404 or who == "other_staff"
        for action, data in [
            ("payment", {f"pay-{order.pk}-method": "cash", f"pay-{order.pk}-amount": "100"}),
            ("mandate", {f"mandate-{order.pk}-purchase_order": "X", f"mandate-{order.pk}-paying_body": "Y"}),
            ("cancel", {}),
        ]:
            assert client.post(f"/payments/staff/orders/{order.pk}/{action}/", data).status_code == 404
        assert Order.objects.get().status == OrderStatus.PENDING
        assert Payment.objects.count() == Invoice.objects.count() == 0

    def test_staff_of_another_lab_see_their_own_lab_only(self, client, world, order):
        client.force_login(world.other_staff)
        assert client.get("/payments/staff/?lab=lab-a").status_code == 404
        response, content = page(client, "/payments/staff/")
        assert response.status_code == 200 and order.reference not in content

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get("/payments/staff/")["Location"].startswith("/accounts/login/")


@pytest.fixture
def api():
    return APIClient()


class TestPaymentsApi:
    def test_anyone_lists_the_credit_packs_on_sale(self, api, world, pack):
        CreditPackFactory(lab=world.other_lab)
        body = api.get("/api/v1/credit-packs/?lab=lab-a").json()
        assert [(item["id"], item["price_cents"], item["minutes"]) for item in body["results"]] == [
            (pack.pk, 10_000, 600)
        ]

    def test_a_member_orders_without_stripe_and_pays_at_the_desk(self, api, world, pack):
        api.force_authenticate(world.member)
        response = api.post(
            "/api/v1/orders/", {"lab": "lab-a", "items": [{"pack": pack.pk, "quantity": 2}]}, format="json"
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["status"], body["total_incl_tax_cents"], body["checkout_url"]) == ("pending", 20_000, None)
        assert body["reference"] == Order.objects.get().reference

    def test_with_stripe_the_answer_carries_the_checkout_url(self, api, world, pack, fake_stripe):
        api.force_authenticate(world.member)
        body = api.post("/api/v1/orders/", {"lab": "lab-a", "items": [{"pack": pack.pk}]}, format="json").json()
        assert body["checkout_url"].startswith("https://checkout.stripe.test/")
        again = api.post(f"/api/v1/orders/{body['id']}/checkout/").json()
        assert again["checkout_url"] == body["checkout_url"]

    @pytest.mark.parametrize(
        "data, code",
        [
            ({"lab": "lab-a", "items": []}, "invalid"),
            ({"lab": "lab-a", "items": [{"pack": "PACK", "quantity": 0}]}, "invalid"),
            ({"lab": "lab-a", "items": [{"pack": 999_999}]}, "unknown_pack"),
            ({"lab": "lab-a", "items": [{"pack": "OTHER"}]}, "pack_of_another_lab"),
            ({"lab": "nowhere", "items": [{"pack": "PACK"}]}, "invalid"),
        ],
    )
    def test_bad_input_is_a_problem_document_and_writes_nothing(self, api, world, pack, data, code):
        other = CreditPackFactory(lab=world.other_lab)
        for item in data["items"]:
            item["pack"] = {"PACK": pack.pk, "OTHER": other.pk}.get(item["pack"], item["pack"])
        api.force_authenticate(world.member)
        response = api.post("/api/v1/orders/", data, format="json")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == code
        assert Order.objects.count() == 0

    def test_members_read_their_orders_and_staff_those_of_their_lab(self, api, world, pack, order):
        mine = order_for(world.other_member, pack)
        order_cancel(order=mine, by=world.other_member)
        api.force_authenticate(world.member)
        assert [item["id"] for item in api.get("/api/v1/orders/").json()["results"]] == [order.pk]
        assert api.get(f"/api/v1/orders/{order.pk}/").json()["lines"][0]["description"] == "Ten hours"
        assert api.get(f"/api/v1/orders/{mine.pk}/").status_code == 404
        api.force_authenticate(world.staff)
        assert api.get("/api/v1/orders/").json()["count"] == 2
        api.force_authenticate(world.other_staff)
        assert api.get(f"/api/v1/orders/{order.pk}/").status_code == 404
        api.force_authenticate(None)
        assert api.get("/api/v1/orders/").status_code == 401
        assert api.post("/api/v1/orders/", {}, format="json").status_code == 401

    def test_only_the_buyer_starts_a_checkout(self, api, world, order, fake_stripe):
        api.force_authenticate(world.staff)
        assert api.post(f"/api/v1/orders/{order.pk}/checkout/").status_code == 404
        api.force_authenticate(world.member)
        assert api.post(f"/api/v1/orders/{order.pk}/checkout/").status_code == 200

    def test_without_stripe_checkout_is_refused_clearly(self, api, world, order):
        api.force_authenticate(world.member)
        response = api.post(f"/api/v1/orders/{order.pk}/checkout/")
        assert (response.status_code, response.json()["code"]) == (400, "online_payment_unavailable")
