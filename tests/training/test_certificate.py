"""The attendance certificate: a PDF for the member who attended, in their language, and for nobody else."""

import hashlib
import hmac
import io

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from fablab.labs.models import Role
from tests.factories import MachineFactory, MembershipFactory, UserFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.certificates import render_certificate_html, verification_code
from training.models import Enrollment, EnrollmentStatus
from training.services import attendance_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def laser(world):
    return MachineFactory(lab=world.lab, name="Trotec Speedy 400", requires_qualification=True)


@pytest.fixture
def session(world, frozen_now, laser):
    """Laser safety, 07:00–09:00 in Paris on Monday 23 March 2026, trained by Tina; it is 09:00 now."""
    course = CourseFactory(title="Laser cutter safety", qualification_valid_days=365)
    course.qualifies_for.add(laser)
    return SessionFactory(course=course, lab=world.lab, trainer=world.trainer, start=utc(2026, 3, 23, 6))


def seat(session, member, status=EnrollmentStatus.CONFIRMED):
    return Enrollment.objects.create(session=session, member=member, status=status)


@pytest.fixture
def attended(world, session):
    enrollment = seat(session, world.member)
    attendance_record(session=session, present={enrollment.pk: True}, by=world.trainer)
    enrollment.refresh_from_db()
    return enrollment


def url(enrollment):
    return reverse("training:certificate", args=[enrollment.pk])


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


class TestCertificate:
    def test_it_gives_the_member_a_pdf_with_their_name_the_course_and_the_qualification(self, client, world, attended):
        client.force_login(world.member)
        response = client.get(url(attended))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"] == 'attachment; filename="certificate-laser-cutter-safety-2026-03-23.pdf"'
        )
        text = pdf_text(response.content)
        for expected in (
            "Mia Member",
            "Laser cutter safety",
            "Lab A",
            "Association Lab A",
            "Tina Trainer",
            "Trotec Speedy 400",
            "2 hours",
            verification_code(attended),
        ):
            assert expected in text, expected

    def test_it_is_written_in_the_members_language(self, world, attended):
        world.member.preferred_language = "fr"
        world.member.save()
        attended.member.refresh_from_db()
        html = render_certificate_html(attended)
        assert '<html lang="fr">' in html
        # Dates in French, read in the lab's zone: the session and the qualification's expiry.
        assert "23 mars 2026" in html
        assert "23 mars 2027" in html
        assert "2 heures" in html

    def test_it_prints_the_qualification_expiry_or_no_expiry(self, client, world, session):
        session.course.qualification_valid_days = None
        session.course.save()
        enrollment = seat(session, world.member)
        attendance_record(session=session, present={enrollment.pk: True}, by=world.trainer)
        html = render_certificate_html(Enrollment.objects.get(pk=enrollment.pk))
        assert "Trotec Speedy 400: no expiry" in html

    def test_the_verification_code_is_an_hmac_of_the_enrollment_id(self, world, session, attended):
        digest = hmac.new(b"x", f"training.certificate:{attended.pk}".encode(), hashlib.sha256).hexdigest()
        with override_settings(SECRET_KEY="x"):
            code = verification_code(attended)
        assert code.replace("-", "") == digest[:12].upper()
        assert len(code) == 14
        other = seat(session, world.other_member)
        assert verification_code(other) != verification_code(attended)

    def test_the_members_trainings_page_links_the_certificate_of_attended_sessions_only(
        self, client, world, session, attended
    ):
        coming = seat(SessionFactory(course=session.course, lab=world.lab), world.member)
        client.force_login(world.member)
        content = client.get(reverse("training:mine")).content.decode()
        assert url(attended) in content
        assert url(coming) not in content


class TestCertificateAccess:
    @pytest.mark.parametrize(
        "status", [EnrollmentStatus.CONFIRMED, EnrollmentStatus.ABSENT, EnrollmentStatus.CANCELLED]
    )
    def test_there_is_none_before_or_without_attendance(self, client, world, session, status):
        enrollment = seat(session, world.member, status=status)
        client.force_login(world.member)
        assert client.get(url(enrollment)).status_code == 404

    @pytest.mark.parametrize("who", ["other_member", "trainer", "staff", "other_staff"])
    def test_nobody_else_gets_it(self, client, world, attended, who):
        client.force_login(getattr(world, who))
        assert client.get(url(attended)).status_code == 404

    def test_a_member_of_the_lab_gets_404_for_an_unknown_enrollment(self, client, world, attended):
        MembershipFactory(user=UserFactory(), lab=world.lab, role=Role.MEMBER)
        client.force_login(world.member)
        assert client.get(reverse("training:certificate", args=[attended.pk + 100])).status_code == 404

    def test_anonymous_visitors_are_sent_to_log_in(self, client, attended):
        assert client.get(url(attended))["Location"].startswith("/accounts/login/?next=")

    def test_it_only_answers_get(self, client, world, attended):
        client.force_login(world.member)
        assert client.post(url(attended)).status_code == 405
