import datetime as dt

import pytest
import time_machine

from fablab.core.errors import ConflictError, DomainError
from fablab.labs.models import Role
from machines.models import Qualification
from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.models import Enrollment, EnrollmentStatus, SessionStatus
from training.services import (
    attendance_record,
    enrollment_accept_offer,
    enrollment_cancel,
    enrollment_create,
    enrollment_offers_expire,
    sessions_cancel_under_minimum,
)

pytestmark = pytest.mark.django_db


class TestEnrollmentCreate:
    def test_it_takes_a_seat_and_confirms_it_by_email(
        self, session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            enrollment = enrollment_create(session=session, member=people[0])
        assert enrollment.status == EnrollmentStatus.CONFIRMED
        assert enrollment.price_cents == 4000
        assert "confirmed" in mailoutbox[0].subject

    def test_members_of_the_lab_pay_the_member_price(self, session, people):
        MembershipFactory(user=people[0], lab=session.lab, role=Role.MEMBER)
        assert enrollment_create(session=session, member=people[0]).price_cents == 2000

    def test_a_full_session_puts_people_on_its_waiting_list(self, session, people):
        statuses = [enrollment_create(session=session, member=person).status for person in people[:4]]
        assert statuses == ["confirmed"] * 3 + ["waitlisted"]

    def test_enrolling_twice_is_refused(self, session, people):
        enrollment_create(session=session, member=people[0])
        with pytest.raises(ConflictError) as error:
            enrollment_create(session=session, member=people[0])
        assert error.value.code == "already_enrolled"
        assert Enrollment.objects.count() == 1

    def test_prerequisites_are_required(self, session, people, lab):
        advanced = CourseFactory()
        advanced.prerequisites.add(session.course)
        advanced_session = SessionFactory(course=advanced, lab=lab, start=utc(2026, 3, 27, 13))
        with pytest.raises(DomainError) as error:
            enrollment_create(session=advanced_session, member=people[0])
        assert error.value.code == "prerequisites"

    def test_a_started_or_cancelled_session_is_closed(self, session, people):
        with time_machine.travel(utc(2026, 3, 26, 13, 30), tick=False), pytest.raises(DomainError):
            enrollment_create(session=session, member=people[0])
        session.status = SessionStatus.CANCELLED
        session.save()
        with pytest.raises(DomainError):
            enrollment_create(session=session, member=people[0])


class TestSeatsFreeingUp:
    def test_a_cancelled_seat_is_offered_to_the_first_waiting(self, session, people):
        seats = [enrollment_create(session=session, member=person) for person in people[:5]]
        enrollment_cancel(enrollment=seats[0], by=people[0])
        statuses = [Enrollment.objects.get(pk=e.pk).status for e in seats]
        assert statuses == ["cancelled", "confirmed", "confirmed", "offered", "waitlisted"]
        offered = Enrollment.objects.get(pk=seats[3].pk)
        assert enrollment_accept_offer(enrollment=offered, member=people[3]).status == "confirmed"

    def test_an_unanswered_offer_passes_to_the_next(self, session, people):
        seats = [enrollment_create(session=session, member=person) for person in people[:5]]
        enrollment_cancel(enrollment=seats[0], by=people[0])
        with time_machine.travel(utc(2026, 3, 24, 8, 1), tick=False):
            assert enrollment_offers_expire() == 1
            assert enrollment_offers_expire() == 0
        assert Enrollment.objects.get(pk=seats[3].pk).status == "cancelled"
        assert Enrollment.objects.get(pk=seats[4].pk).status == "offered"

    def test_only_the_member_or_staff_cancel(self, session, people):
        enrollment = enrollment_create(session=session, member=people[0])
        with pytest.raises(DomainError):
            enrollment_cancel(enrollment=enrollment, by=people[1])


class TestAttendance:
    def test_attending_grants_the_qualification_with_trainer_and_expiry(self, session, people, machine):
        trainer = UserFactory()
        MembershipFactory(user=trainer, lab=session.lab, role=Role.TRAINER)
        session.trainer = trainer
        session.save()
        came, missed = (
            enrollment_create(session=session, member=people[0]),
            enrollment_create(session=session, member=people[1]),
        )
        with time_machine.travel(utc(2026, 3, 26, 15), tick=False):
            attendance_record(session=session, present={came.pk: True, missed.pk: False}, by=trainer)
        qualification = Qualification.objects.get(user=people[0], machine=machine)
        assert qualification.granted_by == trainer
        assert qualification.expires_at == utc(2026, 3, 26, 15) + dt.timedelta(days=365)
        assert not Qualification.objects.filter(user=people[1]).exists()
        assert Enrollment.objects.get(pk=missed.pk).status == "absent"

    def test_another_trainer_or_a_member_cannot_record(self, session, people):
        enrollment = enrollment_create(session=session, member=people[0])
        stranger = UserFactory()
        MembershipFactory(user=stranger, lab=session.lab, role=Role.TRAINER)
        with time_machine.travel(utc(2026, 3, 26, 15), tick=False):
            for user in (stranger, people[0]):
                with pytest.raises(DomainError):
                    attendance_record(session=session, present={enrollment.pk: True}, by=user)
        assert not Qualification.objects.exists()


class TestSessionCancellation:
    def test_a_session_below_its_minimum_is_cancelled_and_people_told(
        self, session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        session.course.min_headcount = 2
        session.course.save()
        enrollment_create(session=session, member=people[0])
        with time_machine.travel(utc(2026, 3, 24, 14), tick=False), django_capture_on_commit_callbacks(execute=True):
            assert len(sessions_cancel_under_minimum()) == 1
            assert sessions_cancel_under_minimum() == []
        session.refresh_from_db()
        assert session.status == SessionStatus.CANCELLED
        assert any("cancelled" in message.subject.lower() for message in mailoutbox)


@pytest.mark.django_db(transaction=True)
class TestEnrollmentRace:
    def test_twenty_people_racing_for_three_seats_never_oversell(self, frozen_now, lab, course):
        session = SessionFactory(course=course, lab=lab)
        people = [UserFactory() for _ in range(20)]

        results = race([lambda person=person: enrollment_create(session=session, member=person) for person in people])

        statuses = sorted(result.status for result in results)
        assert statuses.count("confirmed") == 3
        assert statuses.count("waitlisted") == 17
