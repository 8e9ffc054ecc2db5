# The Stripe fixtures are imported from tests/billing/conftest.py; pytest passes them by name.
# ruff: noqa: F811
"""Paying a training seat online: an order line of kind `training_seat`, Stripe Checkout, the webhook."""

import pytest
from django.urls import reverse

from fablab.billing.models import Order, OrderLine, OrderStatus, Payment, ProductKind, StripeEvent
from fablab.core.errors import DomainError
from tests.billing.conftest import (  # noqa: F401 (pytest fixtures)
    _stripe_never_leaves_this_machine,
    fake_stripe,
    stripe_keys,
)
from tests.billing.fake_stripe import event_payload, sign
from training.models import Enrollment, EnrollmentStatus, PaymentMode
from training.services import enrollment_create, enrollment_pay_online

pytestmark = [pytest.mark.django_db]

WEBHOOK = "/payments/stripe/webhook/"


def deliver(client, payload):
    return client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload))


def enroll_online(session, member):
    enrollment = enrollment_create(session=session, member=member, payment_mode=PaymentMode.ONLINE)
    url = enrollment_pay_online(
        enrollment=enrollment, success_url="https://lab.test/ok", cancel_url="https://lab.test/ko"
    )
    order = OrderLine.objects.get(kind=ProductKind.TRAINING_SEAT, reference_id=enrollment.pk).order
    return enrollment, order, url


class TestPayOnline:
    def test_it_opens_an_order_for_the_seat_and_holds_it_unpaid(self, fake_stripe, session, member):
        enrollment, order, url = enroll_online(session, member)
        assert url == f"https://checkout.stripe.test/c/pay/{order.stripe_checkout_session_id}"
        line = order.lines.get()
        assert (line.kind, line.reference_id, line.quantity) == (ProductKind.TRAINING_SEAT, enrollment.pk, 1)
        assert line.description == f"{session.course.title}, 2026-03-26 14:00"  # in the lab's zone (Paris)
        assert (line.unit_price_cents, line.vat_rate_bp) == (4000, session.course.vat_rate_bp)
        assert (order.buyer, order.lab, order.status) == (member, session.lab, OrderStatus.PENDING)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.payment_mode, enrollment.is_paid) == (
            EnrollmentStatus.CONFIRMED,
            PaymentMode.ONLINE,
            False,
        )

    def test_it_reuses_the_pending_order_when_asked_again(self, fake_stripe, session, member):
        enrollment, order, url = enroll_online(session, member)
        again = enrollment_pay_online(
            enrollment=enrollment, success_url="https://a.test/", cancel_url="https://a.test/"
        )
        assert again == url
        assert Order.objects.count() == 1


class TestWebhook:
    def test_a_signed_completed_session_pays_the_seat_exactly_once(self, fake_stripe, client, session, member):
        enrollment, order, _url = enroll_online(session, member)
        paid = fake_stripe.complete(order.stripe_checkout_session_id)
        payload = event_payload("checkout.session.completed", paid)
        assert deliver(client, payload).status_code == 200
        assert deliver(client, payload).status_code == 200  # Stripe delivers it again
        assert deliver(client, event_payload("checkout.session.async_payment_succeeded", paid)).status_code == 200
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.is_paid) == (EnrollmentStatus.CONFIRMED, True)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert order.invoice is not None
        assert Payment.objects.filter(order=order).count() == 1
        assert sorted(StripeEvent.objects.values_list("outcome", flat=True)) == ["already_paid", "paid"]

    def test_an_expired_session_frees_the_seat_for_the_waiting_list(self, fake_stripe, client, session, member, people):
        for person in people[:2]:
            enrollment_create(session=session, member=person)
        enrollment, order, _url = enroll_online(session, member)
        waiting = enrollment_create(session=session, member=people[2])
        assert waiting.status == EnrollmentStatus.WAITLISTED
        expired = fake_stripe.expire(order.stripe_checkout_session_id)
        assert deliver(client, event_payload("checkout.session.expired", expired)).status_code == 200
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.is_paid) == (EnrollmentStatus.CANCELLED, False)
        assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
        assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.OFFERED

    def test_an_expired_session_leaves_a_seat_paid_at_the_desk_alone(self, fake_stripe, client, session, member):
        enrollment, order, _url = enroll_online(session, member)
        Enrollment.objects.filter(pk=enrollment.pk).update(payment_mode=PaymentMode.ON_SITE)
        expired = fake_stripe.expire(order.stripe_checkout_session_id)
        deliver(client, event_payload("checkout.session.expired", expired))
        assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.CONFIRMED


class TestWithoutStripeKeys:
    def test_it_refuses_online_payment_clearly_and_writes_nothing(self, session, member):
        with pytest.raises(DomainError) as error:
            enrollment_create(session=session, member=member, payment_mode=PaymentMode.ONLINE)
        assert error.value.code == "online_payment_unavailable"
        assert "pay at the lab" in str(error.value.message)
        assert not Enrollment.objects.exists()

    def test_it_refuses_to_start_a_payment(self, session, member):
        enrollment = enrollment_create(session=session, member=member)
        with pytest.raises(DomainError) as error:
            enrollment_pay_online(enrollment=enrollment, success_url="https://a.test/", cancel_url="https://a.test/")
        assert error.value.code == "online_payment_unavailable"
        assert not Order.objects.exists()

    def test_the_session_page_offers_on_site_payment_only(self, client, session, member):
        client.force_login(member)
        page = client.get(reverse("training:session", args=[session.pk])).content.decode()
        assert 'name="payment_mode"' not in page
        assert "at the lab on the day" in page


class TestSessionPage:
    def test_it_offers_online_payment_and_sends_the_member_to_checkout(self, fake_stripe, client, session, member):
        client.force_login(member)
        url = reverse("training:session", args=[session.pk])
        assert 'value="online"' in client.get(url).content.decode()
        response = client.post(reverse("training:enroll", args=[session.pk]), {"payment_mode": "online"})
        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"https://checkout.stripe.test/c/pay/{order.stripe_checkout_session_id}"
        assert fake_stripe.created_sessions[0]["success_url"] == f"http://testserver{url}"

    def test_when_checkout_cannot_start_the_seat_is_not_held(self, stripe_keys, client, session, member):
        client.force_login(member)  # the Stripe API is a closed local port
        response = client.post(reverse("training:enroll", args=[session.pk]), {"payment_mode": "online"})
        assert response.status_code == 503
        assert Enrollment.objects.get().status == EnrollmentStatus.CANCELLED

    def test_on_site_stays_the_default(self, fake_stripe, client, session, member):
        client.force_login(member)
        response = client.post(reverse("training:enroll", args=[session.pk]))
        assert response.status_code == 302
        assert Enrollment.objects.get().payment_mode == PaymentMode.ON_SITE
        assert not Order.objects.exists()


class TestRefundOnCancellation:
    def pay(self, client, fake_stripe, session, member):
        enrollment, order, _url = enroll_online(session, member)
        paid = fake_stripe.complete(order.stripe_checkout_session_id)
        assert deliver(client, event_payload("checkout.session.completed", paid)).status_code == 200
        enrollment.refresh_from_db()
        return enrollment, order

    def test_a_paid_seat_given_back_in_time_is_refunded_through_stripe_and_credited(
        self, fake_stripe, client, session, member, django_capture_on_commit_callbacks
    ):
        from training.services import enrollment_cancel

        enrollment, order = self.pay(client, fake_stripe, session, member)
        with django_capture_on_commit_callbacks(execute=True):
            enrollment_cancel(enrollment=enrollment, by=member)
        assert [refund["amount"] for refund in fake_stripe.created_refunds] == [4000]
        # Stripe then reports the refund: the webhook records it with its credit note.
        charge = fake_stripe.charge_of(order.stripe_checkout_session_id)
        assert deliver(client, event_payload("charge.refunded", charge)).status_code == 200
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED
        assert Payment.objects.filter(order=order, amount_cents=-4000).count() == 1

    def test_a_seat_given_back_too_late_is_not_refunded(
        self, fake_stripe, client, session, member, django_capture_on_commit_callbacks
    ):
        import time_machine

        from tests.training.conftest import utc
        from training.services import enrollment_cancel

        enrollment, _order = self.pay(client, fake_stripe, session, member)
        with time_machine.travel(utc(2026, 3, 26, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
            enrollment_cancel(enrollment=enrollment, by=member)
        assert fake_stripe.created_refunds == []
