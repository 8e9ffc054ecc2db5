"""Issue 6's journeys in a real browser.

A teacher, without an account, goes from the public workshop offers to a
registration and its private follow-up link; the lab's staff confirm a date,
record the workshop as held and invoice it; the teacher downloads the invoice.
A member books a seat in a laser course, the trainer records attendance, and
the member, now qualified, books the laser.

The clock is moved with time_machine, which patches it for the whole process:
the live server's thread sees the same time as the test.
"""

import datetime as dt
import re
import time
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from fablab.labs.models import Role
from machines.models import Qualification
from tests.browser.test_booking_flow import book_first_free_slot_next_week
from tests.browser.test_newcomer_journey import log_in, submit
from tests.factories import LabFactory, MachineFactory, MembershipFactory, UserFactory, give_credits
from tests.training.conftest import CourseFactory, SessionFactory
from training.models import Enrollment, EnrollmentStatus, RegistrationStatus, SchoolRegistration, WorkshopOffer

pytestmark = pytest.mark.browser

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def wait_for_emails(outbox, count, *, timeout=5.0):
    """Emails are sent by a task once the live server's transaction commits: wait for the `count`-th."""
    deadline = time.monotonic() + timeout
    while len(outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(outbox) == count, [message.subject for message in outbox]
    return outbox[-1]


def local(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


@pytest.fixture
def lab(transactional_db):
    return LabFactory(
        slug="rennes",
        name="Fab Lab Rennes",
        legal_name="Association Fab Lab Rennes",
        legal_address="2 place du Lab\n35000 Rennes",
        invoice_prefix="RNS",
        hours=[(day, "09:00", "18:00") for day in range(7)],
    )


@pytest.fixture
def staff(lab):
    user = UserFactory(email="staff@fablab.test", full_name="Stan Staff")
    MembershipFactory(user=user, lab=lab, role=Role.STAFF)
    return user


@pytest.fixture
def offer(lab):
    offer = WorkshopOffer.objects.create(
        theme="Build a robot",
        slug="robot",
        school_levels=["primary", "middle"],
        max_pupils=30,
        price_per_class_cents=25000,
        vat_rate_bp=2000,
    )
    offer.labs.add(lab)
    return offer


def fill_registration(page, first_day):
    page.select_option("#id_class_level", "primary")
    page.fill("#id_pupils", "25")
    page.fill("#id_date_1", first_day.isoformat())
    page.fill("#id_date_2", (first_day + dt.timedelta(days=2)).isoformat())
    page.fill("#id_school_name", "École Jules Verne")
    page.fill("#id_school_code", "0750655E")
    page.fill("#id_address", "1 rue de l'École\n35000 Rennes")
    page.fill("#id_teacher_name", "Anne Enseignante")
    page.fill("#id_teacher_email", "anne@ecole.test")
    page.fill("#id_teacher_phone", "02 99 00 00 01")
    page.fill("#id_purchase_order", "BC-2026-17")


class TestSchoolWorkshopJourney:
    def test_a_teacher_registers_a_class_and_staff_take_it_to_an_issued_invoice(
        self, new_page, lab, staff, offer, mailoutbox
    ):
        teacher = new_page()
        teacher.goto(reverse("workshops:list"))
        register_url = reverse("workshops:register", args=[offer.slug])
        with teacher.expect_navigation():
            teacher.locator(f'a[href="{register_url}"]').click()
        workshop_day = timezone.localdate() + dt.timedelta(days=3)
        fill_registration(teacher, workshop_day)
        submit(teacher, register_url)
        assert urlsplit(teacher.url).path == reverse("workshops:registered", args=[offer.slug])

        message = wait_for_emails(mailoutbox, 1)
        assert message.to == ["anne@ecole.test"]
        follow_path = re.search(r"https?://[^/\s]+(/workshops/requests/[^/\s]+/)", message.body).group(1)
        teacher.goto(follow_path)
        assert teacher.locator(".badge.workshop-status-requested").count() == 1
        registration = SchoolRegistration.objects.get()
        assert (registration.school_code, registration.pupils, registration.language) == ("0750655E", 25, "fr")

        desk = new_page()
        log_in(desk, staff.email)
        desk.goto(reverse("workshops:staff"))
        detail_url = reverse("workshops:staff_detail", args=[registration.pk])
        with desk.expect_navigation():
            desk.locator(f'a[href="{detail_url}"]').click()
        # The first preferred day is offered; the staff member picks the hour.
        assert desk.input_value("#confirm-date") == workshop_day.isoformat()
        desk.fill("#confirm-start_time", "10:00")
        submit(desk, reverse("workshops:staff_confirm", args=[registration.pk]))
        assert desk.locator(".badge.workshop-status-confirmed").count() == 1
        wait_for_emails(mailoutbox, 2)

        with time_machine.travel(local(workshop_day, 12), tick=True):
            desk.goto(detail_url)
            submit(desk, reverse("workshops:staff_held", args=[registration.pk]))
            assert desk.locator(".badge.workshop-status-held").count() == 1
            submit(desk, reverse("workshops:staff_invoice", args=[registration.pk]))
            assert desk.locator(".badge.workshop-status-invoiced").count() == 1
            wait_for_emails(mailoutbox, 4)

            registration.refresh_from_db()
            assert registration.status == RegistrationStatus.INVOICED
            invoice = registration.invoice
            assert (invoice.purchase_order, invoice.buyer_name) == ("BC-2026-17", "École Jules Verne")

            teacher.goto(follow_path)
            assert teacher.locator(".badge.workshop-status-invoiced").count() == 1
            pdf_url = reverse("workshops:invoice_pdf", args=[registration.follow_token])
            link = teacher.locator(f'a[href="{pdf_url}"]')
            assert invoice.number in link.inner_text()
            response = teacher.request.get(pdf_url)
            assert response.status == 200
            assert response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF")


@pytest.fixture
def laser_course(lab):
    """Laser safety tomorrow at 10:00 in Paris, trained by Tina; it qualifies for the laser."""
    laser = MachineFactory(lab=lab, name="Trotec Speedy 400", requires_qualification=True, horizon_days=21)
    course = CourseFactory(title="Laser cutter safety", qualification_valid_days=730)
    course.qualifies_for.add(laser)
    trainer = UserFactory(email="trainer@fablab.test", full_name="Tina Trainer")
    MembershipFactory(user=trainer, lab=lab, role=Role.TRAINER)
    start = local(timezone.localdate() + dt.timedelta(days=1), 10)
    session = SessionFactory(course=course, lab=lab, trainer=trainer, start=start)
    return laser, session, trainer


class TestTrainingJourney:
    def test_a_member_enrolls_is_qualified_by_attending_and_books_the_laser(self, new_page, lab, laser_course):
        laser, session, trainer = laser_course
        member = UserFactory(email="maker@example.org", full_name="Mia Maker")
        give_credits(member, lab, 600)

        page = new_page()
        log_in(page, member.email)
        # Without the qualification, the laser refuses the booking.
        book_first_free_slot_next_week(page, laser, htmx=False)
        assert urlsplit(page.url).path == reverse("machines:book", args=[laser.pk])
        assert page.locator('[role="alert"], .errorlist').count() >= 1
        assert not Booking.objects.exists()

        page.goto(reverse("training:list"))
        session_url = reverse("training:session", args=[session.pk])
        with page.expect_navigation():
            page.locator(f'a[href="{session_url}"]').click()
        submit(page, reverse("training:enroll", args=[session.pk]))
        assert page.locator(".seat-box .enrollment-status-confirmed").count() == 1
        enrollment = Enrollment.objects.get(member=member)
        assert enrollment.status == EnrollmentStatus.CONFIRMED

        with time_machine.travel(session.start + dt.timedelta(minutes=10), tick=True):
            roster = new_page()
            log_in(roster, trainer.email)
            roster.goto(reverse("training:teach"))
            roster_url = reverse("training:roster", args=[session.pk])
            with roster.expect_navigation():
                roster.locator(f'a[href="{roster_url}"]').first.click()
            roster.check(f"#present-{enrollment.pk}")
            submit(roster, roster_url)
            enrollment.refresh_from_db()
            assert enrollment.status == EnrollmentStatus.ATTENDED
            assert Qualification.objects.get(user=member, machine=laser, revoked_at__isnull=True)

            book_first_free_slot_next_week(page, laser, htmx=True)
            assert urlsplit(page.url).path == reverse("bookings:list")
            booking = Booking.objects.get(member=member)
            assert (booking.machine, booking.status) == (laser, BookingStatus.CONFIRMED)
            assert page.get_by_text(laser.name).count() >= 1
