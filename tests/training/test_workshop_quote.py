"""Sending a school workshop's quote: its number, its PDF, the email with the link, and who may send it."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from fablab.core.errors import ConflictError, NotAllowedError
from tests.concurrency import race
from tests.training.conftest import utc
from training.models import QuoteSequence, RegistrationStatus, SchoolRegistration, WorkshopOffer
from training.quotes import add_months, render_quote_pdf
from training.workshops import (
    registration_cancel,
    registration_confirm,
    registration_mark_held,
    registration_send_quote,
    registration_submit,
)

pytestmark = [pytest.mark.django_db]

TODAY = dt.date(2026, 3, 23)


@pytest.fixture
def offer(world):
    world.lab.invoice_prefix = "RNS"
    world.lab.legal_name = "Association Lab A"
    world.lab.legal_address = "2 place du Lab\n35000 Rennes"
    world.lab.registration_number = "123 456 789 00012"
    world.lab.save()
    offer = WorkshopOffer.objects.create(
        theme="Build a robot",
        slug="robot",
        school_levels=["primary"],
        max_pupils=30,
        price_per_class_cents=25000,
        vat_rate_bp=2000,
    )
    offer.labs.add(world.lab, world.other_lab)
    return offer


def submit(offer, lab, *, language="en", **changes):
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
        "preferred_dates": [TODAY + dt.timedelta(days=22), TODAY + dt.timedelta(days=29)],
        "purchase_order": "BC-2026-17",
        "language": language,
    }
    return registration_submit(**(data | changes))


@pytest.fixture
def registration(offer, world, frozen_now):
    return submit(offer, world.lab)


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class TestSendQuote:
    def test_it_numbers_the_quote_per_lab_and_year_and_emails_the_link(
        self, registration, offer, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            quoted = registration_send_quote(registration=registration, by=world.staff)
        assert quoted.quote_number == "RNS-DEV-2026-00001"
        assert quoted.quoted_at == utc(2026, 3, 23, 8)
        [message] = mailoutbox
        assert message.to == ["anne@ecole.test"]
        assert "RNS-DEV-2026-00001" in message.subject
        assert f"/workshops/requests/{registration.follow_token}/" in message.body
        assert "€300.00" in message.body and "June 23, 2026" in message.body
        second = registration_send_quote(registration=submit(offer, world.lab), by=world.staff)
        assert second.quote_number == "RNS-DEV-2026-00002"
        elsewhere = registration_send_quote(registration=submit(offer, world.other_lab), by=world.other_staff)
        assert elsewhere.quote_number == f"{world.other_lab.invoice_prefix}-DEV-2026-00001"

    def test_sending_again_keeps_the_number_and_the_date_while_valid(self, registration, world):
        first = registration_send_quote(registration=registration, by=world.staff)
        with time_machine.travel(utc(2026, 6, 1, 8), tick=False):
            again = registration_send_quote(registration=registration, by=world.staff)
        assert (again.quote_number, again.quoted_at) == (first.quote_number, first.quoted_at)
        assert QuoteSequence.objects.get(lab=world.lab, year=2026).last_number == 1

    def test_an_expired_quote_is_dated_afresh_under_its_number(self, registration, offer, world):
        registration_send_quote(registration=registration, by=world.staff)
        registration_confirm(registration=registration, start=utc(2026, 7, 7, 8), by=world.staff)
        with time_machine.travel(utc(2026, 6, 24, 8), tick=False):
            again = registration_send_quote(registration=registration, by=world.staff)
        assert (again.quote_number, again.quoted_at) == ("RNS-DEV-2026-00001", utc(2026, 6, 24, 8))

    @pytest.mark.parametrize("who", ["member", "trainer", "other_staff"])
    def test_only_the_labs_staff_send_it(self, registration, world, who, mailoutbox):
        with pytest.raises(NotAllowedError):
            registration_send_quote(registration=registration, by=getattr(world, who))
        registration.refresh_from_db()
        assert registration.quote_number == ""
        assert QuoteSequence.objects.count() == 0

    def test_it_is_refused_once_held_or_cancelled(self, registration, offer, world):
        registration_confirm(registration=registration, start=utc(2026, 4, 14, 7), by=world.staff)
        with time_machine.travel(utc(2026, 4, 14, 12), tick=False):
            registration_mark_held(registration=registration, by=world.staff)
            with pytest.raises(ConflictError):
                registration_send_quote(registration=registration, by=world.staff)
        cancelled = registration_cancel(registration=submit(offer, world.lab), reason="", by=world.staff)
        with pytest.raises(ConflictError):
            registration_send_quote(registration=cancelled, by=world.staff)
        assert SchoolRegistration.objects.exclude(quote_number="").count() == 0

    def test_three_months_of_validity_end_on_the_last_day_of_a_short_month(self):
        assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
        assert add_months(dt.date(2026, 3, 23), 3) == dt.date(2026, 6, 23)


class TestQuotePdf:
    def test_it_prints_the_number_the_school_and_the_total(self, registration, world):
        quoted = registration_send_quote(registration=registration, by=world.staff)
        text = pdf_text(render_quote_pdf(SchoolRegistration.objects.select_related("offer", "lab").get(pk=quoted.pk)))
        for expected in (
            "RNS-DEV-2026-00001",
            "École Jules Verne",
            "0750655E",
            "Association Lab A",
            "Build a robot",
            "€250.00",
            "€50.00",
            "€300.00",
            "BC-2026-17",
            "June 23, 2026",
        ):
            assert expected in text, expected

    def test_it_is_written_in_the_language_of_the_request(self, offer, world, frozen_now):
        quoted = registration_send_quote(registration=submit(offer, world.lab, language="fr"), by=world.staff)
        text = pdf_text(render_quote_pdf(quoted)).replace("\u00a0", " ")
        assert "300,00 €" in text and "23 juin 2026" in text

    def test_the_teacher_downloads_it_from_the_private_link(self, client, registration, world):
        registration_send_quote(registration=registration, by=world.staff)
        follow = client.get(reverse("workshops:follow", args=[registration.follow_token]), HTTP_ACCEPT_LANGUAGE="en")
        url = reverse("workshops:quote_pdf", args=[registration.follow_token])
        assert url in follow.content.decode()
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="RNS-DEV-2026-00001.pdf"'
        assert response["Referrer-Policy"] == "no-referrer"
        assert "RNS-DEV-2026-00001" in pdf_text(response.content)

    def test_staff_send_it_from_the_detail_page_and_download_it(self, client, registration, world, mailoutbox):
        client.force_login(world.staff)
        response = client.post(reverse("workshops:staff_quote", args=[registration.pk]))
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.quote_number == "RNS-DEV-2026-00001"
        pdf = client.get(reverse("workshops:staff_quote_pdf", args=[registration.pk]))
        assert "École Jules Verne" in pdf_text(pdf.content)
        client.force_login(world.other_staff)
        assert client.get(reverse("workshops:staff_quote_pdf", args=[registration.pk])).status_code == 404

    def test_a_refused_quote_shows_the_reason_with_a_409(self, client, registration, world):
        registration_cancel(registration=registration, reason="", by=world.staff)
        client.force_login(world.staff)
        response = client.post(reverse("workshops:staff_quote", args=[registration.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 409
        assert "it cannot change that way" in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CANCELLED and registration.quote_number == ""


@pytest.mark.django_db(transaction=True)
class TestQuoteNumberRace:
    def test_quotes_sent_at_once_get_distinct_numbers_without_gaps(self, offer, world, frozen_now):
        registrations = [submit(offer, world.lab, school_name=f"École {n}") for n in range(8)]

        results = race(
            [
                lambda registration=registration: registration_send_quote(registration=registration, by=world.staff)
                for registration in registrations
            ]
        )

        assert [type(result) for result in results] == [SchoolRegistration] * 8
        numbers = sorted(result.quote_number for result in results)
        assert numbers == [f"RNS-DEV-2026-{n:05d}" for n in range(1, 9)]
        assert QuoteSequence.objects.get(lab=world.lab, year=2026).last_number == 8
