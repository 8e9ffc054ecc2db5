import datetime as dt

import pytest
from rest_framework.test import APIClient

from fablab.credits.models import EntryKind
from fablab.credits.services import contribution_log, ledger_write
from tests.factories import give_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


class TestCreditsApi:
    def test_it_shows_the_members_balance_per_lab(self, api, world):
        give_credits(world.member, world.lab, 600)
        give_credits(world.member, world.other_lab, 60)
        give_credits(world.other_member, world.lab, 999)
        api.force_authenticate(world.member)
        body = api.get("/api/v1/credits/balance/").json()
        assert body["results"] == [
            {"lab": "lab-a", "balance_minutes": 600, "overdraft_minutes": 0},
            {"lab": "lab-b", "balance_minutes": 60, "overdraft_minutes": 0},
        ]
        assert api.get("/api/v1/credits/balance/?lab=lab-b").json()["results"][0]["balance_minutes"] == 60

    def test_it_lists_only_the_members_own_entries_newest_first(self, api, world):
        give_credits(world.member, world.lab, 600)
        ledger_write(user=world.member, lab=world.lab, minutes=-60, kind=EntryKind.ADJUSTMENT, memo="fix")
        give_credits(world.other_member, world.lab, 999)
        api.force_authenticate(world.member)
        body = api.get("/api/v1/credits/entries/").json()
        assert [entry["minutes"] for entry in body["results"]] == [-60, 600]
        assert body["results"][0]["memo"] == "fix"
        assert api.get("/api/v1/credits/entries/?kind=grant").json()["count"] == 1

    def test_another_members_entry_is_a_404(self, api, world):
        entry = give_credits(world.other_member, world.lab, 999)
        api.force_authenticate(world.member)
        assert api.get(f"/api/v1/credits/entries/{entry.pk}/").status_code == 404

    def test_anonymous_callers_get_401(self, api):
        assert api.get("/api/v1/credits/balance/").status_code == 401
        assert api.get("/api/v1/credits/entries/").status_code == 401


class TestContributionRefuseApi:
    def test_another_labs_contribution_is_a_404_before_the_body_is_read(self, api, world):
        contribution = contribution_log(
            member=world.member, lab=world.lab, day=dt.date.today(), minutes=60, description="Tidied the shop"
        )
        api.force_authenticate(world.other_staff)
        foreign = api.post(f"/api/v1/credits/contributions/{contribution.pk}/refuse/", {}, format="json")
        missing = api.post("/api/v1/credits/contributions/999999/refuse/", {}, format="json")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json().keys() == missing.json().keys()


class TestStaffOnlyMemberField:
    def test_a_member_is_refused_before_the_body_says_which_member_ids_exist(self, api, world):
        api.force_authenticate(world.member)
        body = {"lab": "lab-a", "minutes": 60, "memo": "gift"}
        real = api.post("/api/v1/credits/adjustments/", body | {"member": world.other_member.pk}, format="json")
        made_up = api.post("/api/v1/credits/adjustments/", body | {"member": 999999}, format="json")
        assert real.status_code == made_up.status_code == 403

    def test_a_member_logging_hours_for_someone_else_is_refused_whatever_the_id(self, api, world):
        api.force_authenticate(world.member)
        body = {"lab": "lab-a", "day": "2026-03-20", "minutes": 60, "description": "Shelves"}
        real = api.post("/api/v1/credits/contributions/", body | {"member": world.other_member.pk}, format="json")
        made_up = api.post("/api/v1/credits/contributions/", body | {"member": 999999}, format="json")
        assert real.status_code == made_up.status_code == 403
        own = api.post("/api/v1/credits/contributions/", body | {"member": world.member.pk}, format="json")
        assert own.status_code == 201
