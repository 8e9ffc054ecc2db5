import datetime as dt

import pytest

from fablab.labs.selectors import opening_intervals
from tests.factories import ClosureFactory, LabFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


class TestOpeningIntervals:
    def test_it_converts_local_hours_to_utc_in_winter_and_summer(self):
        lab = LabFactory(hours=[(0, "10:00", "19:00")])  # Mondays
        winter = opening_intervals(lab, utc(2026, 1, 5), utc(2026, 1, 6))
        summer = opening_intervals(lab, utc(2026, 7, 6), utc(2026, 7, 7))
        assert winter == [(utc(2026, 1, 5, 9), utc(2026, 1, 5, 18))]
        assert summer == [(utc(2026, 7, 6, 8), utc(2026, 7, 6, 17))]

    def test_it_keeps_wall_clock_hours_on_the_spring_forward_day(self):
        lab = LabFactory(hours=[(6, "01:00", "05:00"), (6, "10:00", "19:00")])  # Sunday 29 March 2026
        intervals = opening_intervals(lab, utc(2026, 3, 28, 22), utc(2026, 3, 29, 22))
        # 01:00 CET is 00:00 UTC; 05:00 CEST is 03:00 UTC: the night lasts 3 real hours.
        assert intervals == [
            (utc(2026, 3, 29, 0), utc(2026, 3, 29, 3)),
            (utc(2026, 3, 29, 8), utc(2026, 3, 29, 17)),
        ]

    def test_it_keeps_wall_clock_hours_on_the_fall_back_day(self):
        lab = LabFactory(hours=[(6, "01:00", "05:00")])  # Sunday 25 October 2026
        intervals = opening_intervals(lab, utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
        # 01:00 CEST is 23:00 UTC the day before; 05:00 CET is 04:00 UTC: five real hours.
        assert intervals == [(utc(2026, 10, 24, 23), utc(2026, 10, 25, 4))]

    def test_it_removes_closed_days(self):
        lab = LabFactory(hours=[(day, "09:00", "18:00") for day in range(7)])
        ClosureFactory(lab=lab, first_day=dt.date(2026, 12, 24), last_day=dt.date(2026, 12, 26))
        intervals = opening_intervals(lab, utc(2026, 12, 23), utc(2026, 12, 28))
        days = [start.date() for start, _end in intervals]
        assert days == [dt.date(2026, 12, 23), dt.date(2026, 12, 27)]

    def test_it_clips_intervals_to_the_requested_range(self):
        lab = LabFactory(hours=[(0, "09:00", "18:00")])
        intervals = opening_intervals(lab, utc(2026, 1, 5, 10), utc(2026, 1, 5, 12))
        assert intervals == [(utc(2026, 1, 5, 10), utc(2026, 1, 5, 12))]

    def test_it_uses_the_labs_own_time_zone(self):
        lab = LabFactory(time_zone="America/Montreal", hours=[(0, "09:00", "17:00")])
        assert opening_intervals(lab, utc(2026, 1, 5), utc(2026, 1, 6)) == [(utc(2026, 1, 5, 14), utc(2026, 1, 5, 22))]
