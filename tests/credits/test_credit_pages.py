import datetime as dt

import pytest

from fablab.credits.models import Contribution, ContributionStatus
from fablab.credits.selectors import balance_minutes
from fablab.credits.services import contribution_log
from tests.factories import give_credits

pytestmark = pytest.mark.django_db
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


class TestMyCreditsPage:
    def test_it_shows_balances_and_history_of_the_member_only(self, client, world):
        give_credits(world.member, world.lab, 600)
        give_credits(world.other_member, world.lab, 999)
        client.force_login(world.member)
        content = client.get("/credits/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "600 minutes" in content
        assert "999" not in content

    def test_a_member_logs_a_contribution_from_the_page(self, client, world):
        client.force_login(world.member)
        response = client.post(
            "/credits/", {"lab": world.lab.pk, "day": YESTERDAY.isoformat(), "hours": "1.5", "description": "Open day"}
        )
        assert response.status_code == 302
        assert Contribution.objects.get().minutes == 90

    def test_bad_input_shows_errors_and_writes_nothing(self, client, world):
        client.force_login(world.member)
        future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
        response = client.post("/credits/", {"lab": world.lab.pk, "day": future, "hours": "2", "description": "x"})
        assert response.status_code == 400
        response = client.post(
            "/credits/", {"lab": world.lab.pk, "day": YESTERDAY.isoformat(), "hours": "-1", "description": ""}
        )
        assert response.status_code == 400
        assert Contribution.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get("/credits/")["Location"].startswith("/accounts/login/")


class TestStaffCreditsPage:
    @pytest.fixture
    def pending(self, world):
        return contribution_log(member=world.member, lab=world.lab, day=YESTERDAY, minutes=60, description="Tidy-up")

    def test_staff_see_and_approve_pending_contributions(self, client, world, pending):
        client.force_login(world.staff)
        assert "Tidy-up" in client.get("/credits/staff/").content.decode()
        response = client.post(f"/credits/contributions/{pending.pk}/approve/")
        assert response.status_code == 302
        assert balance_minutes(user=world.member, lab=world.lab) == 60

    def test_refusing_needs_a_reason(self, client, world, pending):
        client.force_login(world.staff)
        client.post(f"/credits/contributions/{pending.pk}/refuse/", {"reason": ""})
        pending.refresh_from_db()
        assert pending.status == ContributionStatus.PENDING
        client.post(f"/credits/contributions/{pending.pk}/refuse/", {"reason": "Not on the rota"})
        pending.refresh_from_db()
        assert pending.status == ContributionStatus.REFUSED

    @pytest.mark.parametrize(
        "who, status", [("member", 302), ("other_member", 404), ("trainer", 404), ("other_staff", 404)]
    )
    def test_others_cannot_review(self, client, world, pending, who, status):
        client.force_login(getattr(world, who))
        response = client.post(f"/credits/contributions/{pending.pk}/approve/")
        assert response.status_code == status  # the member sees their own, and is told they may not
        pending.refresh_from_db()
        assert pending.status == ContributionStatus.PENDING

    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_the_staff_page_is_404_for_people_who_manage_no_credits(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get("/credits/staff/").status_code == 404

    def test_staff_of_another_lab_cannot_open_this_labs_page(self, client, world):
        client.force_login(world.other_staff)
        assert client.get("/credits/staff/?lab=lab-a").status_code == 404

    def test_staff_grant_credits_with_a_memo(self, client, world):
        client.force_login(world.staff)
        response = client.post(
            "/credits/staff/", {"lab": "lab-a", "member": world.member.pk, "minutes": 120, "memo": "Welcome"}
        )
        assert response.status_code == 302
        assert balance_minutes(user=world.member, lab=world.lab) == 120

    def test_staff_cannot_grant_to_someone_outside_their_lab(self, client, world):
        client.force_login(world.staff)
        response = client.post(
            "/credits/staff/", {"lab": "lab-a", "member": world.other_staff.pk, "minutes": 120, "memo": "x"}
        )
        assert response.status_code == 400
        assert balance_minutes(user=world.other_staff, lab=world.lab) == 0


class TestStaffMemberHistory:
    def test_staff_see_a_members_balance_and_history_in_their_lab(self, client, world):
        give_credits(world.member, world.lab, 600)
        client.force_login(world.staff)
        listing = client.get("/credits/staff/?lab=lab-a", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"/credits/staff/members/{world.member.pk}/?lab=lab-a" in listing
        response = client.get(f"/credits/staff/members/{world.member.pk}/?lab=lab-a", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert "test credit" in response.content.decode()

    @pytest.mark.parametrize("who", ["member", "other_member", "trainer", "other_staff"])
    def test_nobody_else_sees_it(self, client, world, who):
        give_credits(world.member, world.lab, 600)
        client.force_login(getattr(world, who))
        assert client.get(f"/credits/staff/members/{world.member.pk}/?lab=lab-a").status_code == 404

    def test_a_member_without_credits_in_that_lab_is_a_404(self, client, world):
        give_credits(world.member, world.other_lab, 600)
        client.force_login(world.staff)
        assert client.get(f"/credits/staff/members/{world.member.pk}/?lab=lab-a").status_code == 404
