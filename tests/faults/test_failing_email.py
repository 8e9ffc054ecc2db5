"""A mail server that fails never undoes the booking or enrollment that sent the message,
and the member sees a success, not an error page."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bookings.models import Booking, BookingStatus
from fablab.credits.selectors import balance_minutes
from tests.factories import LabFactory, MachineFactory, QualificationFactory, UserFactory, give_credits
from tests.faults.failing_mail import FailingEmailBackend
from tests.training.conftest import SessionFactory
from training.models import Enrollment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def failing_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.faults.failing_mail.FailingEmailBackend"}}
    FailingEmailBackend.attempts = 0
    return FailingEmailBackend


@pytest.fixture
def setting(transactional_db):
    lab = LabFactory(slug="rennes", hours=[(day, "08:00", "20:00") for day in range(7)])
    machine = MachineFactory(lab=lab, name="Laser")
    member = UserFactory(email="maker@example.org")
    QualificationFactory(user=member, machine=machine)
    give_credits(member, lab, 600)
    return lab, machine, member


def tomorrow_at(lab, hour):
    day = timezone.localdate(timezone=lab.tz) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=lab.tz)


class TestFailingEmailBackend:
    def test_a_booking_through_the_api_is_kept(self, client, failing_mail, setting):
        lab, machine, member = setting
        token = Token.objects.create(user=member)
        start = tomorrow_at(lab, 10)
        response = client.post(
            "/api/v1/bookings/",
            {"machine": machine.pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )
        assert response.status_code == 201, response.content
        assert failing_mail.attempts == 1  # the confirmation was tried, and failed
        booking = Booking.objects.get(member=member)
        assert booking.status == BookingStatus.CONFIRMED
        assert balance_minutes(user=member, lab=lab) == 540

    def test_a_booking_through_the_form_is_kept(self, client, failing_mail, setting):
        lab, machine, member = setting
        client.force_login(member)
        start = tomorrow_at(lab, 14)
        response = client.post(
            f"/machines/{machine.pk}/book/", {"start": start.isoformat(), "length_minutes": 60, "memo": ""}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert failing_mail.attempts == 1
        assert Booking.objects.filter(member=member, status=BookingStatus.CONFIRMED).count() == 1

    def test_an_enrollment_is_kept(self, client, failing_mail, setting):
        lab, machine, member = setting
        session = SessionFactory(lab=lab, start=tomorrow_at(lab, 14), end=tomorrow_at(lab, 16), capacity=3)
        token = Token.objects.create(user=member)
        response = client.post(
            "/api/v1/trainings/enrollments/",
            {"session": session.pk, "payment_mode": "on_site"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )
        assert response.status_code == 201, response.content
        assert failing_mail.attempts >= 1
        assert Enrollment.objects.filter(session=session, member=member).count() == 1
