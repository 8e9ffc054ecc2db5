"""Each figure of the staff dashboard against numbers worked out by hand (March 2026, Paris)."""

import datetime as dt

import pytest
import time_machine

from bookings.models import BookingKind, BookingStatus
from fablab.billing.models import ProductKind
from fablab.credits.models import Contribution, EntryKind
from fablab.credits.services import ledger_write
from fablab.labs.models import Role
from frontend.staff.selectors import Period, chart_series, staff_dashboard
from machines.models import MachineStatus
from tests.factories import MachineFactory, MembershipFactory, UserFactory
from tests.staff.conftest import HELD, PARIS, booking, paid_line, paris, school_workshop
from tests.training.conftest import CourseFactory, SessionFactory
from training.models import Enrollment, EnrollmentStatus, RegistrationStatus

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), PARIS)
MONDAY = dt.date(2026, 3, 2)
NOW = paris(MONDAY, 12)


@pytest.fixture
def laser(world):
    return MachineFactory(lab=world.lab, name="Laser")


@pytest.fixture
def other_machine(world):
    return MachineFactory(lab=world.other_lab, name="Lab B router")


def figures(world, labs=None, period=MARCH, now=NOW):
    labs = labs or [world.lab]
    return {**staff_dashboard(labs, period, now=now), **chart_series(labs, period)}


class TestOccupancy:
    @pytest.fixture(autouse=True)
    def bookings(self, world, laser, other_machine):
        booking(laser, world.member, paris(MONDAY, 10), 120)
        booking(laser, world.member, paris(MONDAY, 14), 60, status=BookingStatus.CHECKED_IN)
        booking(laser, world.member, paris(MONDAY, 15), 60, status=BookingStatus.CANCELLED)
        booking(laser, None, paris(MONDAY, 16), 60, kind=BookingKind.BLOCK)
        booking(other_machine, world.other_member, paris(MONDAY, 9), 360)

    def test_it_divides_booked_minutes_by_the_weeks_opening_minutes(self, world, laser):
        occupancy = figures(world)["occupancy"]
        assert occupancy["weeks"][1] == MONDAY
        machine, values = occupancy["rows"][0]
        assert machine == laser
        # Open Monday to Saturday 09:00–18:00: 54 hours; 3 hours booked (cancelled and blocks do not count).
        assert values[1] == round(100 * 180 / (54 * 60), 1)
        assert values[2] == 0.0

    def test_it_leaves_a_week_without_opening_hours_empty(self, world):
        # The period starts on Sunday 1 March, when the lab is closed: nothing to divide by.
        assert figures(world)["occupancy"]["rows"][0][1][0] is None

    def test_it_counts_only_the_opening_hours_inside_the_period(self, world):
        # The last week holds Monday 30 and Tuesday 31 March only: 18 hours.
        half_week = Period(dt.date(2026, 3, 30), dt.date(2026, 3, 31), PARIS)
        booking(world.lab.machines.get(), world.member, paris(dt.date(2026, 3, 31), 9), 540)
        assert figures(world, period=half_week)["occupancy"]["rows"][0][1] == [50.0]

    def test_it_shows_nothing_of_another_lab(self, world, other_machine):
        assert [machine for machine, _values in figures(world)["occupancy"]["rows"]] == [world.lab.machines.get()]


class TestCreditsFlow:
    def test_it_sums_earned_and_spent_minutes_per_month(self, world):
        def write(at, minutes, kind, user=world.member, lab=world.lab):
            with time_machine.travel(at, tick=False):
                ledger_write(user=user, lab=lab, minutes=minutes, kind=kind)

        # 23:30 UTC on 28 February is 00:30 on 1 March in Paris: a March entry.
        write(dt.datetime(2026, 2, 28, 23, 30, tzinfo=dt.UTC), 10, EntryKind.GRANT)
        write(paris(MONDAY, 9), 120, EntryKind.CONTRIBUTION)
        write(paris(MONDAY, 10), 60, EntryKind.GRANT)
        write(paris(MONDAY, 11), 300, EntryKind.PURCHASE)
        write(paris(MONDAY, 12), -90, EntryKind.BOOKING_DEBIT)
        write(paris(MONDAY, 13), 30, EntryKind.CANCELLATION_REFUND)
        write(paris(MONDAY, 14), 15, EntryKind.ADJUSTMENT)
        write(paris(dt.date(2026, 4, 1), 9), 1000, EntryKind.GRANT)
        write(paris(MONDAY, 9), 1000, EntryKind.GRANT, user=world.other_member, lab=world.other_lab)

        assert figures(world)["credits_flow"] == [(dt.date(2026, 3, 1), 490, 60)]

    def test_it_shows_zero_for_a_month_without_entries(self, world):
        assert figures(world)["credits_flow"] == [(dt.date(2026, 3, 1), 0, 0)]


class TestRevenue:
    def test_it_sums_paid_lines_per_month_and_product_net_of_refunds(self, world):
        paid_line(world.lab, world.member, paris(dt.date(2026, 3, 5), 10), ProductKind.CREDIT_PACK, 10000)
        paid_line(
            world.lab,
            world.member,
            paris(dt.date(2026, 3, 20), 10),
            ProductKind.TRAINING_SEAT,
            2000,
            refunded_excl_tax=500,
        )
        paid_line(world.lab, world.member, paris(dt.date(2026, 4, 1), 10), ProductKind.SCHOOL_WORKSHOP, 25000)
        paid_line(world.other_lab, world.other_member, paris(MONDAY, 10), ProductKind.CREDIT_PACK, 9999)

        revenue = figures(world)["revenue"]
        assert [kind for kind, _label in revenue["kinds"]] == list(ProductKind.values)
        assert revenue["rows"] == [(dt.date(2026, 3, 1), [10000, 1500, 0])]


class TestTrainingFill:
    def test_it_divides_seats_taken_by_seats_offered_per_month(self, world):
        course = CourseFactory(capacity=4)
        full = SessionFactory(course=course, lab=world.lab, start=paris(dt.date(2026, 3, 10), 14))
        quiet = SessionFactory(course=course, lab=world.lab, start=paris(dt.date(2026, 3, 20), 14))
        SessionFactory(course=course, lab=world.lab, start=paris(dt.date(2026, 3, 25), 14), status="cancelled")
        SessionFactory(course=course, lab=world.other_lab, start=paris(dt.date(2026, 3, 25), 14))
        statuses = [
            EnrollmentStatus.CONFIRMED,
            EnrollmentStatus.ATTENDED,
            EnrollmentStatus.ABSENT,
            EnrollmentStatus.WAITLISTED,
            EnrollmentStatus.CANCELLED,
        ]
        for status in statuses:
            Enrollment.objects.create(session=full, member=UserFactory(), status=status)
        Enrollment.objects.create(session=quiet, member=UserFactory(), status=EnrollmentStatus.CONFIRMED)

        assert figures(world)["training_fill"] == [(dt.date(2026, 3, 1), 4, 8, 50.0)]

    def test_it_has_no_rate_without_sessions(self, world):
        assert figures(world)["training_fill"] == [(dt.date(2026, 3, 1), 0, 0, None)]


class TestPupilsReached:
    def test_it_sums_the_pupils_of_workshops_held(self, world, offer):
        school_workshop(offer, world.lab, pupils=25, status=HELD, start=paris(dt.date(2026, 3, 12), 9))
        school_workshop(
            offer, world.lab, pupils=20, status=RegistrationStatus.INVOICED, start=paris(dt.date(2026, 3, 19), 9)
        )
        school_workshop(
            offer, world.lab, pupils=30, status=RegistrationStatus.CONFIRMED, start=paris(dt.date(2026, 3, 26), 9)
        )
        school_workshop(offer, world.lab, pupils=28, status=RegistrationStatus.REQUESTED)
        school_workshop(offer, world.other_lab, pupils=99, status=HELD, start=paris(dt.date(2026, 3, 12), 9))

        assert figures(world)["pupils"] == [(dt.date(2026, 3, 1), 45, 2)]


class TestTodayAndQueues:
    def test_it_counts_todays_bookings_and_check_ins(self, world, laser, other_machine):
        booking(laser, world.member, paris(MONDAY, 10), 120)
        booking(laser, world.member, paris(MONDAY, 14), 60, status=BookingStatus.CHECKED_IN)
        booking(laser, world.member, paris(MONDAY, 15), 60, status=BookingStatus.CANCELLED)
        booking(laser, world.member, paris(MONDAY + dt.timedelta(days=1), 10), 60)
        booking(other_machine, world.other_member, paris(MONDAY, 10), 60)

        assert figures(world)["today"] == {"bookings": 2, "checked_in": 1}

    def test_it_lists_what_waits_for_staff_in_their_labs_only(self, world, laser, other_machine, offer):
        laser.status = MachineStatus.MAINTENANCE
        laser.save()
        other_machine.status = MachineStatus.OUT_OF_ORDER
        other_machine.save()
        mine = Contribution.objects.create(member=world.member, lab=world.lab, day=MONDAY, minutes=60, description="x")
        Contribution.objects.create(
            member=world.other_member, lab=world.other_lab, day=MONDAY, minutes=60, description="y"
        )
        request = school_workshop(offer, world.lab, pupils=20, status=RegistrationStatus.REQUESTED)
        school_workshop(offer, world.other_lab, pupils=20, status=RegistrationStatus.REQUESTED)

        numbers = figures(world)
        assert numbers["machines_unavailable"] == [laser]
        assert numbers["pending_contributions"] == [mine]
        assert numbers["school_requests"] == [request]
        assert numbers["queues"] == {"contributions": 1, "school_requests": 1, "unpaid_invoices": 0, "unpaid_cents": 0}

    def test_it_lists_sessions_short_of_their_minimum_headcount(self, world):
        course = CourseFactory(capacity=8, min_headcount=3)
        short = SessionFactory(course=course, lab=world.lab, start=NOW + dt.timedelta(days=3))
        enough = SessionFactory(course=course, lab=world.lab, start=NOW + dt.timedelta(days=4))
        SessionFactory(course=course, lab=world.lab, start=NOW + dt.timedelta(days=30))  # too far to worry
        Enrollment.objects.create(session=short, member=UserFactory(), status=EnrollmentStatus.CONFIRMED)
        for _ in range(3):
            Enrollment.objects.create(session=enough, member=UserFactory(), status=EnrollmentStatus.CONFIRMED)

        sessions = figures(world)["low_fill_sessions"]
        assert sessions == [short]
        assert sessions[0].seated == 1


class TestSeveralLabs:
    def test_it_adds_up_the_labs_of_a_staff_member_of_both(self, world, offer):
        MembershipFactory(user=world.staff, lab=world.other_lab, role=Role.STAFF)
        school_workshop(offer, world.lab, pupils=25, status=HELD, start=paris(dt.date(2026, 3, 12), 9))
        school_workshop(offer, world.other_lab, pupils=10, status=HELD, start=paris(dt.date(2026, 3, 13), 9))
        assert figures(world, labs=[world.lab, world.other_lab])["pupils"] == [(dt.date(2026, 3, 1), 35, 2)]
