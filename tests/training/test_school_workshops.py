import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.services import booking_create
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from tests.factories import give_credits
from tests.training.conftest import utc
from training.models import RegistrationStatus, SchoolRegistration, WorkshopOffer
from training.workshops import (
    registration_by_token,
    registration_cancel,
    registration_confirm,
    registration_invoice,
    registration_mark_held,
    registration_submit,
    uai_is_valid,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(world):
    offer = WorkshopOffer.objects.create(
        theme="Build a robot",
        slug="robot",
        school_levels=["primary", "middle"],
        max_pupils=30,
        price_per_class_cents=25000,
    )
    offer.labs.add(world.lab)
    return offer


def request_data(offer, lab, **changes):
    today = dt.date.today()
    data = {
        "offer": offer,
        "lab": lab,
        "school_name": "École Jules Verne",
        "school_code": "0750655E",
        "address": "1 rue de l'École, 35000 Rennes",
        "teacher_name": "Anne Enseignante",
        "teacher_email": "anne@ecole.test",
        "teacher_phone": "02 99 00 00 01",
        "class_level": "primary",
        "pupils": 25,
        "preferred_dates": [today + dt.timedelta(days=20), today + dt.timedelta(days=27)],
        "purchase_order": "BC-2026-17",
    }
    return data | changes


class TestUai:
    @pytest.mark.parametrize(
        "code, valid",
        [
            ("0750655E", True),
            ("0750654D", True),
            ("0750655F", False),
            ("750655E", False),
            ("07506550", False),
            ("", False),
        ],
    )
    def test_it_checks_the_seven_digits_and_their_letter(self, code, valid):
        assert uai_is_valid(code) is valid


class TestRegistrationSubmit:
    def test_a_teacher_registers_without_an_account_and_gets_a_private_link(
        self, offer, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            registration = registration_submit(**request_data(offer, world.lab))
        assert registration.status == RegistrationStatus.REQUESTED
        assert mailoutbox[0].to == ["anne@ecole.test"]
        assert f"/workshops/requests/{registration.follow_token}/" in mailoutbox[0].body
        assert registration_by_token(registration.follow_token) == registration
        assert registration_by_token("wrong") is None
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=366)):
            assert registration_by_token(registration.follow_token) is None  # the link has expired

    @pytest.mark.parametrize(
        "changes, code",
        [
            ({"school_code": "0750655F"}, "invalid_uai"),
            ({"pupils": 31}, "too_many_pupils"),
            ({"class_level": "higher"}, "wrong_level"),
            ({"teacher_email": "not-an-email"}, "invalid_email"),
            ({"preferred_dates": [dt.date.today() + dt.timedelta(days=3)]}, "dates_count"),
            (
                {"preferred_dates": [dt.date.today() - dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=3)]},
                "dates_past",
            ),
        ],
    )
    def test_bad_requests_are_refused_and_nothing_is_written(self, offer, world, changes, code):
        with pytest.raises(DomainError) as error:
            registration_submit(**request_data(offer, world.lab, **changes))
        assert error.value.code == code
        assert SchoolRegistration.objects.count() == 0

    def test_a_lab_that_does_not_offer_the_workshop_is_refused(self, offer, world):
        with pytest.raises(DomainError):
            registration_submit(**request_data(offer, world.other_lab))


class TestRegistrationLifecycle:
    @pytest.fixture
    def registration(self, offer, world):
        return registration_submit(**request_data(offer, world.lab))

    def test_staff_confirm_a_date_which_books_the_machines(self, registration, world, frozen_now, machine):
        machine.lab = world.lab
        machine.save()
        confirmed = registration_confirm(
            registration=registration, start=utc(2026, 3, 26, 8), by=world.staff, machines=[machine]
        )
        assert confirmed.status == RegistrationStatus.CONFIRMED
        assert confirmed.end == utc(2026, 3, 26, 10)
        assert Booking.objects.get(series=confirmed.blocks_series).machine == machine

    def test_confirming_fails_clearly_when_a_machine_is_taken(self, registration, world, frozen_now, machine, member):
        machine.lab = world.lab
        machine.save()
        give_credits(member, world.lab, 600)
        booking_create(member=member, machine=machine, start=utc(2026, 3, 26, 9), end=utc(2026, 3, 26, 10))
        with pytest.raises(DomainError) as error:
            registration_confirm(
                registration=registration, start=utc(2026, 3, 26, 8), by=world.staff, machines=[machine]
            )
        assert error.value.code == "slot_taken"
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REQUESTED

    def test_the_whole_path_to_an_invoice_with_the_purchase_order(self, registration, world, frozen_now):
        registration_confirm(registration=registration, start=utc(2026, 3, 26, 8), by=world.staff)
        with pytest.raises(DomainError):
            registration_invoice(registration=registration, by=world.staff)  # not held yet
        with time_machine.travel(utc(2026, 3, 26, 11), tick=False):
            registration_mark_held(registration=registration, by=world.staff)
            invoiced = registration_invoice(
                registration=registration, by=world.staff, payment_method="administrative_mandate"
            )
        assert invoiced.status == RegistrationStatus.INVOICED
        invoice = invoiced.invoice
        assert (invoice.buyer_name, invoice.purchase_order, invoice.payment_method) == (
            "École Jules Verne",
            "BC-2026-17",
            "administrative_mandate",
        )
        assert invoice.total_excl_tax_cents == 25000
        assert invoice.paid_at is None
        with pytest.raises(ConflictError):
            registration_invoice(registration=registration, by=world.staff)

    def test_the_teacher_cancels_from_the_link_but_not_once_held(self, registration, world, frozen_now):
        with pytest.raises(NotAllowedError):
            registration_cancel(registration=registration, reason="", token="not-the-token")
        cancelled = registration_cancel(registration=registration, reason="Bus strike", token=registration.follow_token)
        assert cancelled.status == RegistrationStatus.CANCELLED
        with pytest.raises(ConflictError):
            registration_cancel(registration=registration, reason="", token=registration.follow_token)

    @pytest.mark.parametrize("who", ["member", "trainer", "other_staff"])
    def test_only_the_labs_staff_move_a_request(self, registration, world, frozen_now, who):
        with pytest.raises(NotAllowedError):
            registration_confirm(registration=registration, start=utc(2026, 3, 26, 8), by=getattr(world, who))


class TestRegistrationApi:
    def payload(self, offer, **changes):
        today = dt.date.today()
        data = {
            "offer": offer.pk,
            "school_name": "École Jules Verne",
            "school_code": "0750655E",
            "address": "1 rue de l'École",
            "teacher_name": "Anne",
            "teacher_email": "anne@ecole.test",
            "teacher_phone": "0299000001",
            "class_level": "primary",
            "pupils": 25,
            "accompanying_adults": 2,
            "accessibility_needs": "",
            "preferred_dates": [str(today + dt.timedelta(days=20)), str(today + dt.timedelta(days=27))],
            "purchase_order": "BC-17",
            "notes": "",
        }
        return data | changes

    def test_a_teacher_registers_through_the_api_without_an_account(self, offer):
        response = APIClient().post("/api/v1/workshops/registrations/", self.payload(offer), format="json")
        assert response.status_code == 201
        assert response.json()["status"] == "requested"
        assert response.json()["lab"] == "lab-a"

    def test_the_offers_are_public(self, offer):
        body = APIClient().get("/api/v1/workshops/offers/").json()
        assert [item["slug"] for item in body["results"]] == ["robot"]

    def test_an_invalid_uai_is_a_400_on_that_field(self, offer):
        response = APIClient().post(
            "/api/v1/workshops/registrations/", self.payload(offer, school_code="1234567A"), format="json"
        )
        assert response.status_code == 400
        assert "school_code" in response.json()["errors"]
        assert SchoolRegistration.objects.count() == 0

    def test_the_honeypot_field_stops_robots(self, offer):
        response = APIClient().post(
            "/api/v1/workshops/registrations/", self.payload(offer, website="http://spam"), format="json"
        )
        assert response.status_code == 400
        assert SchoolRegistration.objects.count() == 0

    def test_registrations_are_rate_limited(self, offer, monkeypatch):
        from rest_framework.throttling import SimpleRateThrottle

        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            {"registrations": "2/hour", "anon": "100/minute", "user": "100/minute"},
        )
        client = APIClient()
        codes = [
            client.post("/api/v1/workshops/registrations/", self.payload(offer), format="json").status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
