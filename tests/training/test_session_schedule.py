import pytest

from bookings.models import Booking, BookingKind
from bookings.services import booking_create
from fablab.core.errors import DomainError, NotAllowedError
from fablab.labs.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.training.conftest import utc
from training.models import Session
from training.services import session_cancel, session_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(lab):
    user = UserFactory()
    MembershipFactory(user=user, lab=lab, role=Role.STAFF)
    return user


class TestSessionSchedule:
    def test_it_blocks_the_sessions_machines_in_the_booking_calendar(self, frozen_now, course, lab, machine, staff):
        session = session_schedule(
            course=course, lab=lab, start=utc(2026, 3, 26, 13), end=utc(2026, 3, 26, 15), by=staff, machines=[machine]
        )
        block = Booking.objects.get(series=session.blocks_series)
        assert (block.kind, block.machine, block.start) == (BookingKind.BLOCK, machine, utc(2026, 3, 26, 13))

    def test_a_taken_machine_refuses_the_whole_session(self, frozen_now, course, lab, machine, member, staff):
        booking_create(member=member, machine=machine, start=utc(2026, 3, 26, 14), end=utc(2026, 3, 26, 15))
        with pytest.raises(DomainError) as error:
            session_schedule(
                course=course,
                lab=lab,
                start=utc(2026, 3, 26, 13),
                end=utc(2026, 3, 26, 15),
                by=staff,
                machines=[machine],
            )
        assert error.value.code == "slot_taken"
        assert Session.objects.count() == 0
        assert Booking.objects.filter(kind=BookingKind.BLOCK).count() == 0

    def test_only_the_labs_staff_schedule(self, frozen_now, course, lab, member):
        with pytest.raises(NotAllowedError):
            session_schedule(course=course, lab=lab, start=utc(2026, 3, 26, 13), end=utc(2026, 3, 26, 15), by=member)

    def test_cancelling_frees_the_machines(self, frozen_now, course, lab, machine, staff):
        session = session_schedule(
            course=course, lab=lab, start=utc(2026, 3, 26, 13), end=utc(2026, 3, 26, 15), by=staff, machines=[machine]
        )
        session_cancel(session=session, by=staff, reason="Trainer ill")
        assert Booking.objects.get(series=session.blocks_series).status == "cancelled"
