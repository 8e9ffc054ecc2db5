"""School-workshop pages: offers, a teacher's registration and private page, the staff's desk and yearly report."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import ACTIVE_STATUSES, Booking
from bookings.services import booking_create
from fablab.labs.models import Role
from tests.factories import LabFactory, MachineFactory, MembershipFactory, give_credits
from tests.training.conftest import utc
from training import workshop_views
from training.models import RegistrationStatus, SchoolRegistration, WorkshopOffer
from training.workshops import (
    registration_confirm,
    registration_invoice,
    registration_mark_held,
    registration_submit,
)

pytestmark = [pytest.mark.django_db]

TODAY = dt.date(2026, 3, 23)  # frozen_now: Monday 23 March 2026, 09:00 in Paris
WORKSHOP_START = utc(2026, 4, 14, 7)  # Tuesday 14 April, 09:00 in Paris
AFTER_WORKSHOP = utc(2026, 4, 14, 12)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def lab_c(db):
    return LabFactory(slug="lab-c", name="Lab C")


@pytest.fixture
def offer(world, lab_c):
    """Offered at Lab A and Lab C (not Lab B), to primary and middle schools."""
    offer = WorkshopOffer.objects.create(
        theme="Build a robot",
        slug="robot",
        description="Motors and sensors.",
        school_levels=["primary", "middle"],
        max_pupils=30,
        price_per_class_cents=25000,
        vat_rate_bp=2000,
    )
    offer.labs.add(world.lab, lab_c)
    return offer


def form_data(lab, **changes):
    data = {
        "lab": lab.slug,
        "school_name": "École Jules Verne",
        "school_code": "0750655E",
        "address": "1 rue de l'École\n35000 Rennes",
        "teacher_name": "Anne Enseignante",
        "teacher_email": "anne@ecole.test",
        "teacher_phone": "02 99 00 00 01",
        "class_level": "primary",
        "pupils": "25",
        "accompanying_adults": "2",
        "accessibility_needs": "",
        "date_1": "2026-04-14",
        "date_2": "2026-04-21",
        "date_3": "",
        "purchase_order": "BC-2026-17",
        "notes": "",
        "website": "",
    }
    return data | changes


def submit(offer, lab, **changes):
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
        "language": "en",
    }
    return registration_submit(**(data | changes))


def register_url(offer):
    return reverse("workshops:register", args=[offer.slug])


def follow_url(registration):
    return reverse("workshops:follow", args=[registration.follow_token])


class TestOfferList:
    def test_it_lists_published_offers_with_prices_levels_and_labs(self, client, offer, world):
        WorkshopOffer.objects.create(theme="Hidden", slug="hidden", is_published=False).labs.add(world.lab)
        response = client.get(reverse("workshops:list"))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Build a robot" in content and "Hidden" not in content
        assert "€250.00 excl. VAT, €300.00 incl. VAT (20%)" in content
        assert "Primary school, Middle school (collège)" in content
        assert "Lab A" in content and "Lab C" in content and "Lab B" not in content
        assert register_url(offer) in content

    def test_it_reads_prices_the_french_way_in_french(self, client, offer):
        content = client.get(reverse("workshops:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "250,00\u00a0€" in content and "20\u00a0%" in content


class TestRegisterPage:
    def test_it_lists_only_the_offers_labs_and_levels(self, client, offer):
        response = client.get(register_url(offer))
        form = response.context["form"]
        assert response.status_code == 200
        assert [lab.slug for lab in form.fields["lab"].queryset] == ["lab-a", "lab-c"]
        assert [code for code, _label in form.fields["class_level"].choices] == ["", "primary", "middle"]

    def test_it_renders_the_honeypot_out_of_reach(self, client, offer):
        content = client.get(register_url(offer)).content.decode()
        assert '<div class="workshop-hp" aria-hidden="true">' in content
        assert 'name="website"' in content and 'tabindex="-1"' in content and 'autocomplete="off"' in content
        assert "0750655E" in content  # the UAI example in the help text
        assert " style=" not in content and "<script>" not in content

    def test_it_registers_and_emails_the_follow_link(
        self, client, offer, world, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(register_url(offer), form_data(world.lab))
        assert response.status_code == 302
        assert response["Location"] == reverse("workshops:registered", args=[offer.slug])
        registration = SchoolRegistration.objects.get()
        assert (registration.lab, registration.pupils, registration.accompanying_adults) == (world.lab, 25, 2)
        assert registration.preferred_dates == ["2026-04-14", "2026-04-21"]
        assert registration.language == "en"
        [message] = mailoutbox
        assert message.to == ["anne@ecole.test"]
        assert f"/workshops/requests/{registration.follow_token}/" in message.body
        assert "Check your email" in client.get(response["Location"]).content.decode()

    @pytest.mark.parametrize(
        "changes, field, message",
        [
            ({"school_code": "0750655F"}, "school_code", "This is not a valid school code (UAI)"),
            ({"pupils": "31"}, "pupils", "This workshop takes at most 30 pupils."),
            ({"date_1": "2026-03-20"}, "dates", "The dates must be in the future."),
            ({"date_2": ""}, "dates", "Give two or three different dates."),
            ({"class_level": "high"}, "class_level", "Select a valid choice."),
        ],
    )
    def test_it_refuses_bad_input_with_the_fields_error_and_writes_nothing(
        self, client, offer, world, frozen_now, mailoutbox, changes, field, message
    ):
        response = client.post(register_url(offer), form_data(world.lab, **changes))
        assert response.status_code == 400
        form = response.context["form"]
        errors = form.dates_errors if field == "dates" else form.errors[field]
        assert any(error.startswith(message) for error in errors)
        assert message in response.content.decode()
        assert SchoolRegistration.objects.count() == 0
        assert mailoutbox == []

    def test_it_refuses_a_lab_that_does_not_run_the_offer(self, client, offer, world, frozen_now):
        response = client.post(register_url(offer), form_data(world.other_lab))
        assert response.status_code == 400
        assert "lab" in response.context["form"].errors
        assert SchoolRegistration.objects.count() == 0

    def test_a_filled_honeypot_answers_like_a_success_and_writes_nothing(
        self, client, offer, world, frozen_now, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(register_url(offer), form_data(world.lab, website="http://spam.example"))
        assert response.status_code == 302
        assert response["Location"] == reverse("workshops:registered", args=[offer.slug])
        assert SchoolRegistration.objects.count() == 0
        assert mailoutbox == []

    def test_it_answers_429_past_the_rate_limit(self, client, offer, world, frozen_now, monkeypatch):
        monkeypatch.setattr(workshop_views, "REGISTRATION_LIMIT", 2)
        codes = [client.post(register_url(offer), form_data(world.lab)).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
        response = client.post(register_url(offer), form_data(world.lab))
        assert response.status_code == 429
        assert "try again in an hour" in response.content.decode()
        assert response["Retry-After"] == "3600"
        assert SchoolRegistration.objects.count() == 2

    def test_an_unpublished_offer_has_no_register_page(self, client, offer):
        offer.is_published = False
        offer.save()
        assert client.get(register_url(offer)).status_code == 404


class TestFollowPage:
    @pytest.fixture
    def registration(self, offer, world, frozen_now):
        return submit(offer, world.lab)

    def test_it_shows_the_status_with_the_right_token(self, client, registration):
        response = client.get(follow_url(registration))
        content = response.content.decode()
        assert response.status_code == 200
        assert 'aria-current="step"' in content and "Requested" in content
        assert "École Jules Verne" in content and "Build a robot" in content
        assert '<meta name="robots" content="noindex, nofollow">' in content
        assert response["Referrer-Policy"] == "no-referrer"
        assert "Cancel the workshop" in content

    def test_a_wrong_token_is_a_404(self, client, registration):
        assert client.get(reverse("workshops:follow", args=["not-the-token"])).status_code == 404
        assert client.post(reverse("workshops:follow_cancel", args=["not-the-token"])).status_code == 404
        assert client.get(reverse("workshops:quote_pdf", args=["not-the-token"])).status_code == 404

    def test_it_cancels_from_the_link_while_requested(
        self, client, registration, mailoutbox, django_capture_on_commit_callbacks
    ):
        url = reverse("workshops:follow_cancel", args=[registration.follow_token])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"reason": "Bus strike"})
        assert response.status_code == 302
        assert response["Referrer-Policy"] == "no-referrer"
        registration.refresh_from_db()
        assert (registration.status, registration.cancellation_reason) == (RegistrationStatus.CANCELLED, "Bus strike")
        assert mailoutbox[-1].to == ["anne@ecole.test"]
        content = client.get(follow_url(registration)).content.decode()
        assert "This request is cancelled." in content and "Cancel the workshop" not in content

    def test_it_refuses_to_cancel_once_held(self, client, registration, world):
        registration_confirm(registration=registration, start=WORKSHOP_START, by=world.staff)
        with time_machine.travel(AFTER_WORKSHOP, tick=False):
            registration_mark_held(registration=registration, by=world.staff)
            url = reverse("workshops:follow_cancel", args=[registration.follow_token])
            response = client.post(url, {"reason": "Too late"})
        assert response.status_code == 409
        assert "it cannot change that way" in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.HELD
        assert "Cancel the workshop" not in client.get(follow_url(registration)).content.decode()

    def test_it_has_no_quote_or_invoice_before_they_exist(self, client, registration):
        token = registration.follow_token
        assert client.get(reverse("workshops:quote_pdf", args=[token])).status_code == 404
        assert client.get(reverse("workshops:invoice_pdf", args=[token])).status_code == 404


# --- Staff -----------------------------------------------------------------------


@pytest.fixture
def machine(world):
    return MachineFactory(lab=world.lab, name="Laser")


@pytest.fixture
def registration(offer, world, frozen_now):
    return submit(offer, world.lab)


@pytest.fixture
def other_registration(offer, lab_c, frozen_now):
    return submit(offer, lab_c, school_name="Collège Other Lab")


def detail_url(registration, step=None):
    name = f"workshops:staff_{step}" if step else "workshops:staff_detail"
    return reverse(name, args=[registration.pk])


class TestStaffAccess:
    def test_it_lets_the_labs_staff_in(self, client, world, registration, other_registration):
        client.force_login(world.staff)
        response = client.get(reverse("workshops:staff"))
        assert response.status_code == 200
        content = response.content.decode()
        assert "École Jules Verne" in content and "Collège Other Lab" not in content
        assert client.get(detail_url(registration)).status_code == 200
        assert client.get(reverse("workshops:report")).status_code == 200

    def test_staff_of_another_lab_get_a_404_on_the_detail_and_do_not_see_it_listed(self, client, world, registration):
        client.force_login(world.other_staff)
        assert "École Jules Verne" not in client.get(reverse("workshops:staff")).content.decode()
        assert client.get(detail_url(registration)).status_code == 404
        for step in ("confirm", "quote", "held", "invoice", "cancel"):
            assert client.post(detail_url(registration, step), {"reason": "x"}).status_code == 404
        assert client.get(detail_url(registration, "quote_pdf")).status_code == 404
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REQUESTED

    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_members_and_trainers_get_a_403(self, client, world, registration, who):
        client.force_login(getattr(world, who))
        for url in (reverse("workshops:staff"), detail_url(registration), reverse("workshops:report")):
            assert client.get(url).status_code == 403
        assert client.post(detail_url(registration, "cancel"), {"reason": "x"}).status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client, registration):
        for url in (reverse("workshops:staff"), detail_url(registration), reverse("workshops:report")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


class TestStaffList:
    def test_it_filters_by_status_lab_date_and_school(self, client, world, offer, frozen_now, lab_c):
        MembershipFactory(user=world.staff, lab=lab_c, role=Role.STAFF)
        early = submit(offer, world.lab, school_name="École Early")
        late = submit(
            offer,
            lab_c,
            school_name="Collège Late",
            school_code="0750654D",
            preferred_dates=[dt.date(2026, 6, 2), dt.date(2026, 6, 9)],
        )
        confirmed = submit(offer, world.lab, school_name="Lycée Confirmed", class_level="middle")
        registration_confirm(registration=confirmed, start=utc(2026, 5, 5, 7), by=world.staff)
        client.force_login(world.staff)

        def listed(**params):
            response = client.get(reverse("workshops:staff"), params)
            assert response.status_code == 200
            return {registration.school_name for registration in response.context["page"].object_list}

        assert listed() == {"École Early", "Collège Late", "Lycée Confirmed"}
        assert listed(status="confirmed") == {"Lycée Confirmed"}
        assert listed(lab="lab-c") == {"Collège Late"}
        assert listed(school="early") == {"École Early"}
        assert listed(school="0750654d") == {"Collège Late"}
        assert listed(date_from="2026-05-01", date_to="2026-05-31") == {"Lycée Confirmed"}
        assert listed(date_from="2026-06-09") == {"Collège Late"}
        assert listed(date_to="2026-04-14") == {"École Early"}
        assert early.pk and late.pk

    def test_it_reports_a_bad_filter_with_a_400(self, client, world, registration):
        client.force_login(world.staff)
        response = client.get(reverse("workshops:staff"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
        assert response.status_code == 400
        assert "date_to" in response.context["form"].errors

    def test_it_runs_the_same_queries_for_3_or_20_requests(self, client, world, offer, frozen_now):
        client.force_login(world.staff)

        def queries():
            with CaptureQueriesContext(connection) as context:
                assert client.get(reverse("workshops:staff"), {"status": "requested"}).status_code == 200
            return len(context.captured_queries)

        for _ in range(3):
            submit(offer, world.lab)
        with_3 = queries()
        for _ in range(17):
            submit(offer, world.lab)
        assert queries() == with_3


class TestStaffSteps:
    def test_confirming_books_the_machine(
        self, client, world, registration, machine, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(world.staff)
        data = {"date": "2026-04-14", "start_time": "09:00", "machines": [machine.pk]}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(detail_url(registration, "confirm"), data)
        assert response.status_code == 302
        registration.refresh_from_db()
        assert (registration.status, registration.start) == (RegistrationStatus.CONFIRMED, WORKSHOP_START)
        assert Booking.objects.get(series=registration.blocks_series).machine == machine
        assert mailoutbox[-1].to == ["anne@ecole.test"]
        assert "Laser" in client.get(detail_url(registration)).content.decode()

    def test_a_taken_machine_gives_a_409_with_the_message(self, client, world, registration, machine):
        give_credits(world.member, world.lab, 600)
        booking_create(member=world.member, machine=machine, start=utc(2026, 4, 14, 8), end=utc(2026, 4, 14, 9))
        client.force_login(world.staff)
        data = {"date": "2026-04-14", "start_time": "09:00", "machines": [machine.pk]}
        response = client.post(detail_url(registration, "confirm"), data)
        assert response.status_code == 409
        assert "Laser is already booked at that time" in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REQUESTED

    def test_a_machine_of_another_lab_cannot_be_picked(self, client, world, registration):
        elsewhere = MachineFactory(lab=world.other_lab)
        client.force_login(world.staff)
        data = {"date": "2026-04-14", "start_time": "09:00", "machines": [elsewhere.pk]}
        response = client.post(detail_url(registration, "confirm"), data)
        assert response.status_code == 400
        assert "machines" in response.context["forms"]["confirm"].errors
        assert Booking.objects.count() == 0

    def test_a_past_date_is_refused_on_the_form(self, client, world, registration):
        client.force_login(world.staff)
        response = client.post(detail_url(registration, "confirm"), {"date": "2026-03-20", "start_time": "09:00"})
        assert response.status_code == 400
        assert "Pick a future date and time." in response.context["forms"]["confirm"].errors["date"]

    def test_the_invoice_flow_issues_the_invoice_and_the_follow_page_links_it(
        self, client, world, registration, django_capture_on_commit_callbacks
    ):
        client.force_login(world.staff)
        client.post(detail_url(registration, "confirm"), {"date": "2026-04-14", "start_time": "09:00"})
        early = client.post(detail_url(registration, "held"))
        assert early.status_code == 400  # the workshop has not taken place yet
        with time_machine.travel(AFTER_WORKSHOP, tick=False):
            client.force_login(world.staff)  # three weeks later: a new session
            assert client.post(detail_url(registration, "held")).status_code == 302
            response = client.post(detail_url(registration, "invoice"), {"payment_method": "administrative_mandate"})
        assert response.status_code == 302
        assert response["Location"] == detail_url(registration)
        registration.refresh_from_db()
        invoice = registration.invoice
        assert registration.status == RegistrationStatus.INVOICED
        assert (invoice.payment_method, invoice.purchase_order, invoice.buyer_name) == (
            "administrative_mandate",
            "BC-2026-17",
            "École Jules Verne",
        )
        client.logout()
        content = client.get(follow_url(registration)).content.decode()
        pdf_url = reverse("workshops:invoice_pdf", args=[registration.follow_token])
        assert pdf_url in content and invoice.number in content
        pdf = client.get(pdf_url)
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
        assert pdf["Referrer-Policy"] == "no-referrer"
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    def test_the_invoice_accepts_only_transfer_or_mandate(self, client, world, registration):
        registration_confirm(registration=registration, start=WORKSHOP_START, by=world.staff)
        with time_machine.travel(AFTER_WORKSHOP, tick=False):
            registration_mark_held(registration=registration, by=world.staff)
            client.force_login(world.staff)
            response = client.post(detail_url(registration, "invoice"), {"payment_method": "card"})
        assert response.status_code == 400
        registration.refresh_from_db()
        assert registration.invoice is None

    def test_staff_cancel_with_a_reason_and_free_the_machines(self, client, world, registration, machine):
        registration_confirm(registration=registration, start=WORKSHOP_START, by=world.staff, machines=[machine])
        client.force_login(world.staff)
        assert client.post(detail_url(registration, "cancel"), {"reason": ""}).status_code == 400
        response = client.post(detail_url(registration, "cancel"), {"reason": "Lab closed"})
        assert response.status_code == 302
        registration.refresh_from_db()
        assert (registration.status, registration.cancellation_reason) == (RegistrationStatus.CANCELLED, "Lab closed")
        assert not Booking.objects.filter(series=registration.blocks_series, status__in=ACTIVE_STATUSES).exists()


def held(offer, lab, staff, *, start, pupils, level="primary", invoiced=False, **changes):
    """A registration confirmed, held (and invoiced) at `start`."""
    with time_machine.travel(start - dt.timedelta(days=30), tick=False):
        registration = submit(
            offer,
            lab,
            pupils=pupils,
            class_level=level,
            preferred_dates=[(start - dt.timedelta(days=1)).date(), start.date()],
            **changes,
        )
        registration_confirm(registration=registration, start=start, by=staff)
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        registration_mark_held(registration=registration, by=staff)
        if invoiced:
            registration_invoice(registration=registration, by=staff)
    return registration


class TestReport:
    @pytest.fixture
    def year_2025(self, offer, world, lab_c):
        """School year 2025–2026 at Lab A and Lab C (staff of Lab A manage both), plus what must not count."""
        MembershipFactory(user=world.staff, lab=lab_c, role=Role.STAFF)
        lab_c.name = "=HYPERLINK(evil)"
        lab_c.save()
        held(offer, world.lab, world.staff, start=utc(2025, 10, 7, 8), pupils=25, invoiced=True)
        held(offer, world.lab, world.staff, start=utc(2026, 1, 13, 8), pupils=20, level="middle")
        held(offer, lab_c, world.staff, start=utc(2026, 3, 3, 8), pupils=28)
        # Before September in Paris (31 August 23:30 local): the previous school year.
        held(offer, world.lab, world.staff, start=utc(2025, 8, 31, 21, 30), pupils=10)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            submit(offer, world.lab, pupils=30)  # requested, not held: not counted

    def test_it_counts_classes_and_pupils_per_lab_and_level(self, client, world, year_2025, lab_c):
        client.force_login(world.staff)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            response = client.get(reverse("workshops:report"), {"year": "2025"})
        assert response.status_code == 200
        reach = response.context["reach"]
        assert reach["total"] == (3, 73)
        assert [(lab.name, classes, pupils) for lab, classes, pupils in reach["by_lab"]] == [
            ("=HYPERLINK(evil)", 1, 28),
            ("Lab A", 2, 45),
        ]
        by_level = {str(label): (classes, pupils) for label, classes, pupils in reach["by_level"]}
        assert by_level["Primary school"] == (2, 53)
        assert by_level["Middle school (collège)"] == (1, 20)
        assert by_level["High school (lycée)"] == (0, 0)
        assert [choice for choice, _label in response.context["form"].fields["year"].choices] == [2025, 2024]

    def test_it_exports_csv_with_formulas_escaped(self, client, world, year_2025):
        client.force_login(world.staff)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            response = client.get(reverse("workshops:report"), {"year": "2025", "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="school-workshops-2025-2026.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["Lab", "Class level", "Classes", "Pupils"]
        assert ["'=HYPERLINK(evil)", "Primary school", "1", "28"] in rows
        assert ["Lab A", "Middle school (collège)", "1", "20"] in rows
        assert rows[-1] == ["Total", "", "3", "73"]

    def test_the_previous_school_year_has_its_own_figures(self, client, world, year_2025):
        client.force_login(world.staff)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            response = client.get(reverse("workshops:report"), {"year": "2024"})
        assert response.context["reach"]["total"] == (1, 10)

    def test_an_unknown_year_is_a_400(self, client, world, year_2025):
        client.force_login(world.staff)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            response = client.get(reverse("workshops:report"), {"year": "1999"})
        assert response.status_code == 400

    def test_staff_of_another_lab_see_only_their_labs(self, client, world, year_2025):
        client.force_login(world.other_staff)
        with time_machine.travel(utc(2026, 3, 23, 8), tick=False):
            response = client.get(reverse("workshops:report"), {"year": "2025"})
        assert response.context["reach"]["total"] == (0, 0)
