"""The sign-in sheet as a PDF: for the session's trainer and the lab's staff, with one row per seated participant."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from fablab.labs.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world, frozen_now):
    """Laser safety, 14:00–16:00 in Paris on Thursday 26 March 2026, trained by Tina."""
    course = CourseFactory(title="Laser safety")
    return SessionFactory(course=course, lab=world.lab, trainer=world.trainer, start=utc(2026, 3, 26, 13))


@pytest.fixture
def seats(world, session):
    """Mia and Oscar have seats; Wanda waits and Carl cancelled."""
    for member, status in (
        (world.member, EnrollmentStatus.CONFIRMED),
        (world.other_member, EnrollmentStatus.CONFIRMED),
        (UserFactory(full_name="Wanda Waiting"), EnrollmentStatus.WAITLISTED),
        (UserFactory(full_name="Carl Cancelled"), EnrollmentStatus.CANCELLED),
    ):
        Enrollment.objects.create(session=session, member=member, status=status)


def url(session):
    return reverse("training:sign_in_sheet_pdf", args=[session.pk])


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


class TestSignInSheetPdf:
    def test_it_lists_the_seated_participants_with_the_lab_course_time_and_trainer(self, client, world, session, seats):
        client.force_login(world.trainer)
        response = client.get(url(session))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="sign-in-sheet-laser-safety-2026-03-26.pdf"'
        reader = PdfReader(io.BytesIO(response.content))
        assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4 portrait
        text = pdf_text(response.content)
        for expected in ("Lab A", "Laser safety", "Thursday 26 March 2026", "14:00–16:00", "Tina Trainer"):
            assert expected in text, expected
        assert "Mia Member" in text
        assert "Oscar Other" in text
        assert "Wanda Waiting" not in text
        assert "Carl Cancelled" not in text
        assert "Trainer's signature" in text

    def test_it_is_written_in_the_requesters_language(self, client, world, session, seats):
        world.staff.preferred_language = "fr"
        world.staff.save()
        client.force_login(world.staff)
        response = client.get(url(session), headers={"accept-language": "fr"})
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert "eudi 26 mars 2026" in text  # capitalised or not, as the French date format has it
        assert "Formateur" in text
        assert "Mia Member" in text

    def test_the_roster_links_it(self, client, world, session, seats):
        client.force_login(world.trainer)
        response = client.get(reverse("training:roster", args=[session.pk]))
        assert url(session) in response.content.decode()


class TestSignInSheetPdfAccess:
    def test_the_trainer_the_labs_staff_and_a_superuser_get_it(self, client, world, session, seats):
        for user in (world.trainer, world.staff, world.superuser):
            client.force_login(user)
            assert client.get(url(session)).status_code == 200, user

    def test_everyone_else_gets_a_404(self, client, world, session, seats):
        other_trainer = UserFactory()
        MembershipFactory(user=other_trainer, lab=world.lab, role=Role.TRAINER)
        for user in (other_trainer, world.other_staff, world.member):
            client.force_login(user)
            assert client.get(url(session)).status_code == 404, user

    def test_anonymous_visitors_are_sent_to_log_in(self, client, session):
        response = client.get(url(session))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
