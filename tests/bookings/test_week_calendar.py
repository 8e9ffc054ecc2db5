"""The machine's week calendar: a grid in the lab's wall-clock time, each cell free, busy, closed or past."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.selectors import CellState, machine_week_calendar
from tests.bookings.conftest import utc
from tests.factories import ClosureFactory, LabFactory, MachineFactory, MaintenanceWindowFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 23)  # the week in which Paris moves to summer time (Sunday 29 March)


def hold(machine, start, end, *, status=BookingStatus.CONFIRMED, member=None):
    """A booking straight in the table: these tests are about reading, not about the booking rules."""
    return Booking.objects.create(
        machine=machine,
        member=member,
        kind=BookingKind.MEMBER if member else BookingKind.BLOCK,
        start=start,
        end=end,
        blocked_until=end + dt.timedelta(minutes=machine.buffer_minutes),
        status=status,
    )


def states(calendar):
    """{UTC start of the cell: state} over the whole grid."""
    return {cell.start: cell.state for _label, cells in calendar.rows for cell in cells}


def cell_at(calendar, day, label):
    row = dict(calendar.rows)[label]
    return row[(day - calendar.monday).days]


def page_states(content):
    """{UTC start: state} read back from the rendered calendar."""
    return {
        dt.datetime.fromisoformat(start): state
        for state, start in re.findall(r'<td class="cell cell-(\w+)[^"]*" data-start="([^"]+)"', content)
    }


class TestWeekCalendar:
    def test_it_lays_out_seven_days_and_the_slots_from_opening_to_closing(self, frozen_now, machine):
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        assert calendar.days == [MONDAY + dt.timedelta(days=n) for n in range(7)]
        assert [label for label, _cells in calendar.rows] == [
            f"{hour:02d}:{minute:02d}" for hour in range(9, 18) for minute in (0, 30)
        ]
        assert all(len(cells) == 7 for _label, cells in calendar.rows)

    def test_it_marks_free_and_busy_cells(self, frozen_now, machine, member):
        hold(machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member)  # Tuesday 10:00–11:00 in Paris
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        tuesday = MONDAY + dt.timedelta(days=1)
        assert cell_at(calendar, tuesday, "09:30").state == CellState.FREE
        assert cell_at(calendar, tuesday, "10:00").state == CellState.BUSY
        assert cell_at(calendar, tuesday, "10:30").state == CellState.BUSY
        assert cell_at(calendar, tuesday, "11:00").state == CellState.FREE

    def test_a_cancelled_booking_leaves_its_cells_free(self, frozen_now, machine, member):
        hold(machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member, status=BookingStatus.CANCELLED)
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        assert cell_at(calendar, MONDAY + dt.timedelta(days=1), "10:00").state == CellState.FREE

    def test_it_marks_the_buffer_and_maintenance_busy(self, frozen_now, lab, member):
        laser = MachineFactory(lab=lab, buffer_minutes=30)
        hold(laser, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member)
        MaintenanceWindowFactory(machine=laser, start=utc(2026, 3, 26, 13), end=utc(2026, 3, 26, 14))
        calendar = machine_week_calendar(laser, MONDAY, now=frozen_now)
        assert cell_at(calendar, dt.date(2026, 3, 24), "11:00").state == CellState.BUSY  # the buffer
        assert cell_at(calendar, dt.date(2026, 3, 24), "11:30").state == CellState.FREE
        assert cell_at(calendar, dt.date(2026, 3, 26), "14:00").state == CellState.BUSY
        assert cell_at(calendar, dt.date(2026, 3, 26), "14:30").state == CellState.BUSY
        assert cell_at(calendar, dt.date(2026, 3, 26), "15:00").state == CellState.FREE

    def test_a_free_cell_before_a_booking_is_not_offered_when_the_buffer_would_overlap_it(
        self, frozen_now, lab, member
    ):
        laser = MachineFactory(lab=lab, buffer_minutes=30)
        hold(laser, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member)  # 10:00 in Paris
        calendar = machine_week_calendar(laser, MONDAY, now=frozen_now)
        just_before = cell_at(calendar, dt.date(2026, 3, 24), "09:30")
        assert (just_before.state, just_before.bookable) == (CellState.FREE, False)
        assert cell_at(calendar, dt.date(2026, 3, 24), "09:00").bookable is True

    def test_it_marks_closed_days_and_hours(self, frozen_now, machine):
        ClosureFactory(lab=machine.lab, first_day=dt.date(2026, 3, 25), last_day=dt.date(2026, 3, 25))
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        wednesday = [cells[2].state for _label, cells in calendar.rows]
        assert set(wednesday) == {CellState.CLOSED}
        assert cell_at(calendar, dt.date(2026, 3, 26), "09:00").state == CellState.FREE

    def test_it_spans_the_earliest_opening_to_the_latest_closing_and_closes_the_rest(self, frozen_now):
        lab = LabFactory(hours=[(0, "10:00", "12:00"), (0, "14:00", "16:00"), (5, "13:00", "20:00")])
        printer = MachineFactory(lab=lab, slot_minutes=60, min_minutes=60)
        calendar = machine_week_calendar(printer, MONDAY, now=frozen_now)
        assert [label for label, _cells in calendar.rows] == [f"{hour:02d}:00" for hour in range(10, 20)]
        assert cell_at(calendar, MONDAY, "11:00").state == CellState.FREE
        assert cell_at(calendar, MONDAY, "12:00").state == CellState.CLOSED  # lunch break
        assert cell_at(calendar, MONDAY, "14:00").state == CellState.FREE
        assert cell_at(calendar, dt.date(2026, 3, 28), "12:00").state == CellState.CLOSED
        assert cell_at(calendar, dt.date(2026, 3, 28), "19:00").state == CellState.FREE
        assert cell_at(calendar, dt.date(2026, 3, 24), "11:00").state == CellState.CLOSED  # closed on Tuesdays

    def test_it_has_no_rows_when_the_lab_is_closed_all_week(self, frozen_now, machine):
        ClosureFactory(lab=machine.lab, first_day=dt.date(2026, 3, 23), last_day=dt.date(2026, 3, 29))
        assert machine_week_calendar(machine, MONDAY, now=frozen_now).rows == []

    def test_it_marks_cells_before_now_as_past(self, machine):
        now = utc(2026, 3, 24, 12)  # Tuesday 13:00 in Paris
        calendar = machine_week_calendar(machine, MONDAY, now=now)
        assert cell_at(calendar, MONDAY, "17:30").state == CellState.PAST
        assert cell_at(calendar, dt.date(2026, 3, 24), "12:30").state == CellState.PAST
        assert cell_at(calendar, dt.date(2026, 3, 24), "13:00").state == CellState.FREE

    def test_it_offers_only_cells_inside_the_notice_and_horizon(self, frozen_now, machine):
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)  # now: Monday 09:00 in Paris
        assert cell_at(calendar, MONDAY, "09:30").bookable is False  # less than an hour's notice
        assert cell_at(calendar, MONDAY, "10:00").bookable is True
        far = machine_week_calendar(machine, dt.date(2026, 4, 20), now=frozen_now)
        assert cell_at(far, dt.date(2026, 4, 20), "10:00").bookable is True  # 28 days ahead
        assert cell_at(far, dt.date(2026, 4, 21), "10:00").bookable is False

    def test_it_keeps_wall_clock_rows_across_the_change_to_summer_time(self, frozen_now, machine, member):
        # Sunday 29 March, Paris is on UTC+2: 09:00 local is 07:00 UTC (on Saturday it was 08:00 UTC).
        hold(machine, utc(2026, 3, 29, 7), utc(2026, 3, 29, 8), member=member)
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        sunday, saturday = dt.date(2026, 3, 29), dt.date(2026, 3, 28)
        assert cell_at(calendar, saturday, "09:00").start == utc(2026, 3, 28, 8)
        assert cell_at(calendar, sunday, "09:00").start == utc(2026, 3, 29, 7)
        assert cell_at(calendar, sunday, "09:00").state == CellState.BUSY
        assert cell_at(calendar, sunday, "09:30").state == CellState.BUSY
        assert cell_at(calendar, sunday, "10:00").state == CellState.FREE
        assert cell_at(calendar, saturday, "09:00").state == CellState.FREE
        # The last slot of Sunday still ends at 18:00 local, 16:00 UTC, and is open.
        last = cell_at(calendar, sunday, "17:30")
        assert (last.start, last.end, last.state) == (utc(2026, 3, 29, 15, 30), utc(2026, 3, 29, 16), CellState.FREE)

    def test_it_keeps_wall_clock_rows_across_the_change_to_winter_time(self, lab, member):
        machine = MachineFactory(lab=lab)
        with time_machine.travel(utc(2026, 10, 19, 6), tick=False):
            # Sunday 25 October, Paris is back on UTC+1: 09:00 local is 08:00 UTC.
            hold(machine, utc(2026, 10, 25, 8), utc(2026, 10, 25, 9), member=member)
            calendar = machine_week_calendar(machine, dt.date(2026, 10, 19), now=utc(2026, 10, 19, 6))
        sunday, saturday = dt.date(2026, 10, 25), dt.date(2026, 10, 24)
        assert len(calendar.rows) == 18
        assert cell_at(calendar, saturday, "09:00").start == utc(2026, 10, 24, 7)
        assert cell_at(calendar, saturday, "09:00").state == CellState.FREE
        assert cell_at(calendar, sunday, "09:00").start == utc(2026, 10, 25, 8)
        assert cell_at(calendar, sunday, "09:00").state == CellState.BUSY
        assert cell_at(calendar, sunday, "10:00").state == CellState.FREE

    def test_it_closes_wall_clock_times_that_do_not_exist(self, frozen_now):
        night_lab = LabFactory(hours=[(6, "00:00", "04:00")])  # Sunday night, when 02:00 becomes 03:00
        machine = MachineFactory(lab=night_lab, slot_minutes=60, min_minutes=60)
        calendar = machine_week_calendar(machine, MONDAY, now=frozen_now)
        sunday = dt.date(2026, 3, 29)
        assert cell_at(calendar, sunday, "01:00").state == CellState.FREE
        assert cell_at(calendar, sunday, "02:00").state == CellState.CLOSED
        assert cell_at(calendar, sunday, "03:00").state == CellState.FREE

    def test_it_links_the_shortest_booking_from_a_cell(self, frozen_now, lab):
        printer = MachineFactory(lab=lab, min_minutes=90)
        cell = cell_at(machine_week_calendar(printer, MONDAY, now=frozen_now), dt.date(2026, 3, 24), "10:00")
        assert cell.book_query == "start=2026-03-24T10%3A00%3A00%2B01%3A00&end=2026-03-24T11%3A30%3A00%2B01%3A00"


class TestWeekCalendarPage:
    def test_the_page_marks_free_busy_and_closed_cells_in_a_dst_week(self, client, frozen_now, machine, member):
        hold(machine, utc(2026, 3, 29, 7), utc(2026, 3, 29, 8), member=member)  # Sunday 09:00–10:00 CEST
        hold(machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member)  # Tuesday 10:00–11:00 CET
        ClosureFactory(lab=machine.lab, first_day=dt.date(2026, 3, 25), last_day=dt.date(2026, 3, 25))
        response = client.get(reverse("machines:detail", args=[machine.pk]), {"week": "2026-03-26"})
        found = page_states(response.content.decode())
        assert response.status_code == 200
        assert len(found) == 7 * 18
        assert found[utc(2026, 3, 29, 7)] == "busy"
        assert found[utc(2026, 3, 29, 8)] == "free"
        assert found[utc(2026, 3, 28, 8)] == "free"
        assert found[utc(2026, 3, 24, 9)] == "busy"
        assert found[utc(2026, 3, 24, 10)] == "free"
        assert found[utc(2026, 3, 25, 10)] == "closed"
        assert found[utc(2026, 3, 23, 8)] == "free"

    def test_the_page_shows_no_member_names(self, client, frozen_now, machine, member):
        member.full_name = "Secret Maker"
        member.save()
        hold(machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=member)
        client.force_login(UserFactory())
        assert "Secret Maker" not in client.get(reverse("machines:detail", args=[machine.pk])).content.decode()

    def test_the_page_says_when_the_lab_is_closed_all_week(self, client, frozen_now, machine):
        ClosureFactory(lab=machine.lab, first_day=dt.date(2026, 3, 23), last_day=dt.date(2026, 3, 29))
        content = client.get(reverse("machines:detail", args=[machine.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "The lab is closed all this week." in content

    def test_the_page_runs_the_same_number_of_queries_for_2_or_30_bookings(
        self, client, frozen_now, machine, member, django_assert_num_queries
    ):
        client.force_login(member)
        url = reverse("machines:detail", args=[machine.pk])
        for day in (24, 25):
            hold(machine, utc(2026, 3, day, 9), utc(2026, 3, day, 10), member=member)
        client.get(url)
        with django_assert_num_queries(10) as small:
            client.get(url)
        for day in (26, 27, 28):
            for hour in range(8, 16, 1):
                hold(machine, utc(2026, 3, day, hour), utc(2026, 3, day, hour, 30), member=member)
        MaintenanceWindowFactory(machine=machine, start=utc(2026, 3, 24, 13), end=utc(2026, 3, 24, 14))
        with django_assert_num_queries(len(small.captured_queries)):
            client.get(url)
