import datetime as dt

import pytest
import time_machine

from tests.factories import LabFactory, MachineFactory, UserFactory, give_credits

UTC = dt.UTC
# Monday 23 March 2026, 08:00 UTC = 09:00 in Paris (CET). DST starts on Sunday 29 March.
NOW = dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def lab(db):
    return LabFactory(slug="rennes", hours=[(day, "09:00", "18:00") for day in range(7)])


@pytest.fixture
def machine(lab):
    return MachineFactory(lab=lab, name="Laser", slug="laser")


@pytest.fixture
def member(lab):
    user = UserFactory(email="maker@example.org")
    give_credits(user, lab, 600)
    return user
