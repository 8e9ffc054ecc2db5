"""The editor lists the machines the author booked first, marked as such."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from projects.selectors import machines_for_author
from tests.factories import MachineFactory
from tests.projects.factories import DraftFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def book(machine, member, status=BookingStatus.CONFIRMED, days=0):
    start = START + dt.timedelta(days=days)
    return Booking.objects.create(
        machine=machine,
        member=member,
        start=start,
        end=start + dt.timedelta(hours=1),
        blocked_until=start + dt.timedelta(hours=1),
        status=status,
    )


class TestMachineSuggestions:
    def test_booked_machines_come_first(self, world):
        anvil = MachineFactory(lab=world.lab, name="Anvil")
        laser = MachineFactory(lab=world.lab, name="Laser")
        printer = MachineFactory(lab=world.lab, name="Printer")
        book(laser, world.member)
        book(printer, world.member, status=BookingStatus.CANCELLED, days=1)
        book(anvil, world.other_member, days=2)
        machines = list(machines_for_author(world.member))
        assert [machine.name for machine in machines] == ["Laser", "Anvil", "Printer"]
        assert [machine.booked for machine in machines] == [True, False, False]

    def test_the_editor_marks_them(self, client, world):
        laser = MachineFactory(lab=world.lab, name="Laser")
        MachineFactory(lab=world.lab, name="Anvil")
        book(laser, world.member)
        project = DraftFactory(owner=world.member, lab=world.lab)
        client.force_login(world.member)
        content = client.get(reverse("projects:edit", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Laser (Lab A) — you booked it" in content
        assert "Anvil (Lab A) — you booked it" not in content
        assert content.index("Laser (Lab A)") < content.index("Anvil (Lab A)")
        assert "Machines you booked come first." in content
        new = client.get(reverse("projects:new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Laser (Lab A) — you booked it" in new
