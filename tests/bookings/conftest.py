import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import LabFactory, MachineFactory, UserFactory, give_credits

UTC = dt.UTC
# Monday 23 March 2026, 08:00 UTC = 09:00 in Paris (CET). DST starts on Sunday 29 March.
NOW = dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
# Tuesday 24 March, 10:00–11:00 in Paris, as an API client writes it.
START, END = "2026-03-24T10:00:00+01:00", "2026-03-24T11:00:00+01:00"


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


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def laser(world, frozen_now):
    """A machine of `world.lab`; its member and other member hold 600 credit minutes there."""
    machine = MachineFactory(lab=world.lab, name="Laser")
    for user in (world.member, world.other_member):
        give_credits(user, world.lab, 600)
    return machine
