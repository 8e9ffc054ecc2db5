"""Qualifications lapse after N months without a booking of their machine (a lab setting), with one reminder first."""

import datetime as dt

import pytest
import time_machine

from bookings.rules import BookingError
from bookings.services import booking_cancel, booking_create
from fablab.core.periodic import jobs
from machines.models import Qualification
from machines.services import qualification_grant
from tests.factories import MachineFactory, give_credits
from tests.training.conftest import utc
from training.lapse import lapse_date, qualifications_lapse, qualifications_watched
from training.models import QualificationReminder

pytestmark = pytest.mark.django_db

# Granted on Monday 5 January 2026, 11:00 in Paris. Six months later: Sunday 5 July 2026, 11:00 in Paris
# (summer time), and the reminder window opens 14 days before.
GRANTED = utc(2026, 1, 5, 10)
LAPSES = utc(2026, 7, 5, 9)
IN_WINDOW = utc(2026, 6, 25, 8)
BEFORE_WINDOW = utc(2026, 6, 20, 8)
AFTER_LAPSE = utc(2026, 7, 6, 8)


@pytest.fixture
def laser(world):
    world.lab.qualification_lapse_months = 6
    world.lab.qualification_reminder_days = 14
    world.lab.save()
    machine = MachineFactory(lab=world.lab, name="Trotec Speedy 400", requires_qualification=True)
    give_credits(world.member, world.lab, 600)
    return machine


def grant(user, machine, at=GRANTED, **options):
    with time_machine.travel(at, tick=False):
        return qualification_grant(user=user, machine=machine, **options)


@pytest.fixture
def qualification(world, laser):
    return grant(world.member, laser)


@pytest.fixture
def run_at(django_capture_on_commit_callbacks):
    """Run the job as the scheduler would at `when`, the emails sent."""

    def run(when):
        with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
            return qualifications_lapse()

    return run


def book(member, machine, *, at, start):
    """`member` books `machine` at the instant `at`, for one hour from `start`."""
    with time_machine.travel(at, tick=False):
        return booking_create(member=member, machine=machine, start=start, end=start + dt.timedelta(hours=1))


def subjects(outbox):
    return [message.subject for message in outbox]


class TestReminder:
    def test_it_waits_for_the_reminder_window(self, qualification, run_at, mailoutbox):
        run = run_at(BEFORE_WINDOW)
        assert (run.reminded, run.lapsed, mailoutbox) == ([], [], [])

    def test_it_reminds_the_member_once(self, world, qualification, run_at, mailoutbox):
        run = run_at(IN_WINDOW)
        assert run.reminded == [qualification.pk]
        [message] = mailoutbox
        assert message.to == ["member@example.org"]
        assert message.subject == "Your qualification for Trotec Speedy 400 lapses soon"
        assert "July 5, 2026" in message.body
        assert f"/machines/{qualification.machine_id}/" in message.body

        assert run_at(IN_WINDOW).reminded == []
        assert run_at(IN_WINDOW + dt.timedelta(days=3)).reminded == []
        assert len(mailoutbox) == 1
        assert QualificationReminder.objects.get().sent_at == IN_WINDOW
        qualification.refresh_from_db()
        assert qualification.revoked_at is None

    def test_it_writes_in_the_members_language(self, world, qualification, run_at, mailoutbox):
        world.member.preferred_language = "fr"
        world.member.save()
        run_at(IN_WINDOW)
        [message] = mailoutbox
        assert "5 juillet 2026" in message.body

    def test_a_lab_may_send_no_reminder(self, world, qualification, run_at, mailoutbox):
        world.lab.qualification_reminder_days = 0
        world.lab.save()
        assert run_at(IN_WINDOW).reminded == []
        assert run_at(AFTER_LAPSE).lapsed == [qualification.pk]
        assert subjects(mailoutbox) == ["Your qualification for Trotec Speedy 400 has lapsed"]


class TestLapse:
    def test_it_withdraws_the_qualification_once_and_tells_the_member(self, qualification, run_at, mailoutbox):
        run_at(IN_WINDOW)
        assert run_at(LAPSES - dt.timedelta(minutes=1)).lapsed == []
        run = run_at(LAPSES)
        assert run.lapsed == [qualification.pk]
        qualification.refresh_from_db()
        assert qualification.revoked_at == LAPSES
        assert qualification.reason == "Lapsed: the machine was not booked for 6 months."
        assert subjects(mailoutbox) == [
            "Your qualification for Trotec Speedy 400 lapses soon",
            "Your qualification for Trotec Speedy 400 has lapsed",
        ]
        assert "/trainings/" in mailoutbox[1].body

        again = run_at(AFTER_LAPSE)
        assert (again.reminded, again.lapsed) == ([], [])
        assert len(mailoutbox) == 2
        assert Qualification.objects.filter(revoked_at__isnull=True).count() == 0

    def test_it_lapses_even_when_the_reminder_was_never_sent(self, qualification, run_at, mailoutbox):
        assert run_at(AFTER_LAPSE).lapsed == [qualification.pk]
        assert subjects(mailoutbox) == ["Your qualification for Trotec Speedy 400 has lapsed"]

    def test_a_lapsed_qualification_no_longer_lets_the_member_book(self, world, laser, qualification, run_at):
        run_at(AFTER_LAPSE)
        with pytest.raises(BookingError) as refused:
            book(world.member, laser, at=AFTER_LAPSE, start=utc(2026, 7, 7, 8))
        assert refused.value.code == "qualification_required"

    def test_the_months_are_counted_on_the_labs_calendar(self, world, laser):
        qualification = grant(world.member, laser, at=utc(2026, 8, 31, 9))
        # 31 August + 6 months is the last day of February, at the same local time (11:00 → 11:00).
        assert lapse_date(qualification, qualification.granted_at) == utc(2027, 2, 28, 10)


class TestBookingActivity:
    def test_a_booking_postpones_the_lapse_and_the_reminder(self, world, laser, qualification, run_at, mailoutbox):
        # Tuesday 10 March, 10:00 in Paris: the lapse moves to 10 September.
        book(world.member, laser, at=utc(2026, 3, 9, 8), start=utc(2026, 3, 10, 9))
        assert run_at(AFTER_LAPSE).lapsed == []
        assert mailoutbox == []
        assert run_at(utc(2026, 8, 30, 8)).reminded == [qualification.pk]
        assert run_at(utc(2026, 9, 10, 8)).lapsed == [qualification.pk]

    def test_a_new_booking_after_a_reminder_allows_the_next_reminder(
        self, world, laser, qualification, run_at, mailoutbox
    ):
        run_at(IN_WINDOW)
        # Monday 29 June, 10:00 in Paris: the next lapse is on 29 December.
        book(world.member, laser, at=utc(2026, 6, 26, 8), start=utc(2026, 6, 29, 8))
        assert run_at(AFTER_LAPSE).lapsed == []
        assert run_at(utc(2026, 12, 20, 9)).reminded == [qualification.pk]
        assert len(mailoutbox) == 2

    def test_a_booking_to_come_keeps_the_qualification(self, world, laser, qualification, run_at, mailoutbox):
        book(world.member, laser, at=BEFORE_WINDOW, start=utc(2026, 7, 10, 8))
        run = run_at(AFTER_LAPSE)
        assert (run.reminded, run.lapsed, mailoutbox) == ([], [], [])

    def test_a_cancelled_booking_does_not_count(self, world, laser, qualification, run_at):
        booking = book(world.member, laser, at=utc(2026, 3, 9, 8), start=utc(2026, 3, 10, 9))
        with time_machine.travel(utc(2026, 3, 9, 9), tick=False):
            booking_cancel(booking=booking, by=world.member)
        assert run_at(AFTER_LAPSE).lapsed == [qualification.pk]

    def test_another_members_booking_does_not_count(self, world, laser, qualification, run_at):
        grant(world.other_member, laser)
        give_credits(world.other_member, world.lab, 600)
        book(world.other_member, laser, at=utc(2026, 3, 9, 8), start=utc(2026, 3, 10, 9))
        assert qualification.pk in run_at(AFTER_LAPSE).lapsed


class TestOutOfScope:
    def test_labs_without_the_setting_are_untouched(self, world, qualification, run_at, mailoutbox):
        elsewhere = MachineFactory(lab=world.other_lab, name="Shaper", requires_qualification=True)
        kept = grant(world.member, elsewhere)
        run = run_at(utc(2028, 1, 5, 10))
        assert run.lapsed == [qualification.pk]
        kept.refresh_from_db()
        assert kept.revoked_at is None
        assert subjects(mailoutbox) == ["Your qualification for Trotec Speedy 400 has lapsed"]

    def test_a_qualification_that_expires_first_gets_no_reminder_and_does_not_lapse(
        self, world, laser, run_at, mailoutbox
    ):
        expiring = grant(world.member, laser, expires_at=utc(2026, 7, 1))
        assert run_at(IN_WINDOW).reminded == []
        assert run_at(AFTER_LAPSE).lapsed == []
        expiring.refresh_from_db()
        assert (expiring.revoked_at, mailoutbox) == (None, [])

    def test_a_qualification_withdrawn_by_staff_is_left_alone(self, world, qualification, run_at, mailoutbox):
        from machines.services import qualification_revoke

        qualification_revoke(qualification=qualification, by=world.staff, reason="Unsafe use")
        run = run_at(AFTER_LAPSE)
        assert (run.lapsed, mailoutbox) == ([], [])
        qualification.refresh_from_db()
        assert qualification.reason == "Unsafe use"


class TestJob:
    def test_it_reads_every_qualification_with_its_last_booking_in_one_query(
        self, world, laser, qualification, django_assert_num_queries
    ):
        for user in (world.other_member, world.trainer, world.staff):
            grant(user, laser)
        book(world.member, laser, at=utc(2026, 3, 9, 8), start=utc(2026, 3, 10, 9))
        with django_assert_num_queries(1):
            watched = {q.user_id: q.last_booking_start for q in qualifications_watched(AFTER_LAPSE)}
        assert watched[world.member.pk] == utc(2026, 3, 10, 9)
        assert watched[world.staff.pk] is None
        assert len(watched) == 4

    def test_it_is_registered_as_a_periodic_job(self, qualification):
        with time_machine.travel(AFTER_LAPSE, tick=False):
            assert jobs()["training.qualifications_lapse"]() == "0 reminder(s) sent, 1 qualification(s) lapsed"
