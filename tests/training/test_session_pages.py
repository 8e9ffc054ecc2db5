"""A session's page: booking a seat, the waiting list, cancelling and taking an offered seat."""

import pytest
import time_machine
from django.urls import reverse

from fablab.labs.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.training.conftest import utc
from training.models import Enrollment, EnrollmentStatus, SessionStatus
from training.services import enrollment_cancel, enrollment_create

pytestmark = pytest.mark.django_db


def page(session):
    return reverse("training:session", args=[session.pk])


def enroll_url(session):
    return reverse("training:enroll", args=[session.pk])


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def full(session, people):
    """The session's three seats are taken by people[0..2]."""
    return [enrollment_create(session=session, member=person) for person in people[:3]]


class TestSessionPage:
    def test_it_shows_the_session_to_anyone(self, client, session, lab):
        trainer = UserFactory(full_name="Tina Trainer")
        MembershipFactory(user=trainer, lab=lab, role=Role.TRAINER)
        session.trainer = trainer
        session.save()
        content = client.get(page(session), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert session.course.title in content
        assert "Thursday 26 March 2026" in content and "14:00–16:00" in content
        assert "Tina Trainer" in content
        assert "3 of 3" in content
        assert "Log in to book a seat" in content
        assert enroll_url(session) not in content

    def test_it_lists_the_prerequisites(self, signed_in, session, lab):
        from tests.training.conftest import CourseFactory

        basics = CourseFactory(title="Workshop basics")
        session.course.prerequisites.add(basics)
        content = signed_in.get(page(session)).content.decode()
        assert "Workshop basics" in content
        assert "attended its prerequisite courses first" in content

    def test_it_is_404_for_an_unknown_session_or_an_unpublished_course(self, client, session):
        assert client.get(reverse("training:session", args=[999])).status_code == 404
        session.course.is_published = False
        session.course.save()
        assert client.get(page(session)).status_code == 404

    def test_it_shows_the_members_price_and_the_book_button(self, signed_in, session, member, lab):
        MembershipFactory(user=member, lab=lab, role=Role.MEMBER)
        content = signed_in.get(page(session)).content.decode()
        assert "€20.00 for you" in content
        assert f'action="{enroll_url(session)}"' in content
        assert "Book a seat" in content


class TestBookASeat:
    def test_it_confirms_the_seat_and_says_so(self, signed_in, session, member):
        response = signed_in.post(enroll_url(session))
        assert response.status_code == 302 and response["Location"] == page(session)
        enrollment = Enrollment.objects.get(member=member)
        assert (enrollment.status, enrollment.payment_mode, enrollment.price_cents) == ("confirmed", "on_site", 4000)
        content = signed_in.get(response["Location"]).content.decode()
        assert "Your seat is confirmed: " in content and "You pay €40.00 at the lab." in content
        assert "Seat confirmed" in content
        assert reverse("training:enrollment_cancel", args=[enrollment.pk]) in content
        assert f'action="{enroll_url(session)}"' not in content

    def test_a_full_session_puts_the_member_on_its_waiting_list(self, signed_in, session, member, full):
        content = signed_in.get(page(session)).content.decode()
        assert "Join the waiting list" in content
        response = signed_in.post(enroll_url(session))
        assert response.status_code == 302
        assert Enrollment.objects.get(member=member).status == EnrollmentStatus.WAITLISTED
        content = signed_in.get(page(session)).content.decode()
        assert "is full: you are on its waiting list" in content
        assert "Leave the waiting list" in content

    def test_booking_twice_is_a_409_and_writes_nothing(self, signed_in, session, member):
        signed_in.post(enroll_url(session))
        response = signed_in.post(enroll_url(session))
        assert response.status_code == 409
        assert "You are already enrolled in this session." in response.content.decode()
        assert Enrollment.objects.count() == 1

    def test_a_cancelled_session_refuses_with_a_400(self, signed_in, session):
        session.status = SessionStatus.CANCELLED
        session.save()
        response = signed_in.post(enroll_url(session))
        assert response.status_code == 400
        assert "no longer open for enrollment" in response.content.decode()
        assert Enrollment.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_log_in(self, client, session):
        response = client.post(enroll_url(session))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
        assert Enrollment.objects.count() == 0

    def test_get_is_not_allowed(self, signed_in, session):
        assert signed_in.get(enroll_url(session)).status_code == 405


class TestCancelAndAccept:
    def test_the_member_cancels_their_seat(self, signed_in, session, member):
        enrollment = enrollment_create(session=session, member=member)
        response = signed_in.post(reverse("training:enrollment_cancel", args=[enrollment.pk]))
        assert response.status_code == 302 and response["Location"] == page(session)
        assert Enrollment.objects.get().status == EnrollmentStatus.CANCELLED
        content = signed_in.get(page(session)).content.decode()
        assert "is cancelled." in content
        assert f'action="{enroll_url(session)}"' in content  # they may book again

    def test_cancelling_goes_back_to_my_trainings_when_asked(self, signed_in, session, member):
        enrollment = enrollment_create(session=session, member=member)
        url = reverse("training:enrollment_cancel", args=[enrollment.pk])
        assert signed_in.post(url, {"next": reverse("training:mine")})["Location"] == reverse("training:mine")

    def test_it_never_redirects_to_another_site(self, signed_in, session, member):
        enrollment = enrollment_create(session=session, member=member)
        url = reverse("training:enrollment_cancel", args=[enrollment.pk])
        assert signed_in.post(url, {"next": "https://evil.example/"})["Location"] == page(session)

    def test_a_seat_offered_from_the_waiting_list_is_accepted(self, signed_in, session, member, full, people):
        waiting = enrollment_create(session=session, member=member)
        enrollment_cancel(enrollment=full[0], by=people[0])
        content = signed_in.get(page(session)).content.decode()
        assert "A seat is held for you until" in content
        accept = reverse("training:enrollment_accept", args=[waiting.pk])
        assert accept in content
        response = signed_in.post(accept)
        assert response.status_code == 302
        assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.CONFIRMED
        assert "The seat is yours" in signed_in.get(page(session)).content.decode()

    def test_an_expired_offer_is_a_409(self, signed_in, session, member, full, people):
        waiting = enrollment_create(session=session, member=member)
        enrollment_cancel(enrollment=full[0], by=people[0])
        with time_machine.travel(utc(2026, 3, 24, 9), tick=False):
            response = signed_in.post(reverse("training:enrollment_accept", args=[waiting.pk]))
        assert response.status_code == 409
        assert "This offer is no longer open." in response.content.decode()
        assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.OFFERED

    def test_another_members_enrollment_is_404_for_every_action(self, signed_in, session, people, full):
        waiting = enrollment_create(session=session, member=people[3])
        enrollment_cancel(enrollment=full[0], by=people[0])
        for name, enrollment in (("training:enrollment_cancel", full[1]), ("training:enrollment_accept", waiting)):
            assert signed_in.post(reverse(name, args=[enrollment.pk])).status_code == 404
        statuses = list(Enrollment.objects.order_by("pk").values_list("status", flat=True))
        assert statuses == ["cancelled", "confirmed", "confirmed", "offered"]

    def test_anonymous_visitors_are_sent_to_log_in(self, client, session, full):
        for name in ("training:enrollment_cancel", "training:enrollment_accept"):
            response = client.post(reverse(name, args=[full[0].pk]))
            assert response["Location"].startswith("/accounts/login/")
        assert Enrollment.objects.get(pk=full[0].pk).status == EnrollmentStatus.CONFIRMED

    def test_a_started_session_cannot_be_cancelled_by_the_member(self, signed_in, session, member):
        enrollment = enrollment_create(session=session, member=member)
        with time_machine.travel(utc(2026, 3, 26, 13, 30), tick=False):
            response = signed_in.post(reverse("training:enrollment_cancel", args=[enrollment.pk]))
        assert response.status_code == 400
        assert Enrollment.objects.get().status == EnrollmentStatus.CONFIRMED
