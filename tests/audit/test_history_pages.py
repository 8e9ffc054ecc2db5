"""Staff see "who changed what and when" on the staff pages of the objects, in one query."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fablab.credits.services import contribution_log, contribution_refuse, credits_adjust
from machines.models import MachineStatus
from machines.services import machine_set_status
from tests.factories import give_credits

pytestmark = pytest.mark.django_db
CREDITS_URL = "/credits/staff/members/{}/?lab=lab-a"


class TestMemberCreditsHistory:
    def test_it_shows_adjustments_and_contribution_reviews(self, client, world):
        give_credits(world.member, world.lab, 60)
        credits_adjust(member=world.member, lab=world.lab, minutes=30, memo="Helped at the fair", by=world.staff)
        contribution = contribution_log(
            member=world.member, lab=world.lab, day=dt.date(2026, 1, 5), minutes=60, description="Tidied up"
        )
        contribution_refuse(contribution=contribution, by=world.staff, reason="Not that day")
        client.force_login(world.staff)
        content = client.get(CREDITS_URL.format(world.member.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Change history" in content
        assert "Credits granted" in content
        assert "Contribution refused" in content
        assert "Stan Staff" in content

    def test_its_queries_do_not_grow_with_the_history(self, client, world):
        give_credits(world.member, world.lab, 600)
        client.force_login(world.staff)
        url = CREDITS_URL.format(world.member.pk)
        credits_adjust(member=world.member, lab=world.lab, minutes=30, memo="One", by=world.staff)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for memo in ("Two", "Three", "Four"):
            credits_adjust(member=world.member, lab=world.lab, minutes=-10, memo=memo, by=world.superuser)
        with CaptureQueriesContext(connection) as more:
            client.get(url)
        assert len(more) == len(few)


class TestMachineHistory:
    @pytest.fixture
    def changed(self, world, laser):
        machine_set_status(machine=laser, status=MachineStatus.MAINTENANCE, by=world.staff, reason="New lens")
        return laser

    def test_the_labs_staff_see_it_on_the_machine_page(self, client, world, changed):
        client.force_login(world.staff)
        content = client.get(f"/machines/{changed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Change history" in content
        assert "Status changed: New lens" in content

    @pytest.mark.parametrize("who", ["member", "trainer", "other_staff"])
    def test_others_do_not(self, client, world, changed, who):
        client.force_login(getattr(world, who))
        content = client.get(f"/machines/{changed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Change history" not in content
        assert "New lens" not in content
