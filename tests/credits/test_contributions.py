import datetime as dt

import pytest
from rest_framework.test import APIClient

from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.credits.models import Contribution, ContributionStatus, EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from fablab.credits.services import (
    contribution_approve,
    contribution_log,
    contribution_record,
    contribution_refuse,
    credits_adjust,
    credits_set_overdraft,
)

pytestmark = pytest.mark.django_db

YESTERDAY = dt.date.today() - dt.timedelta(days=1)


@pytest.fixture
def logged(world):
    return contribution_log(
        member=world.member, lab=world.lab, day=YESTERDAY, minutes=120, description="Workshop tidy-up"
    )


class TestContributionReview:
    def test_a_logged_contribution_waits_for_staff_and_credits_nothing_yet(self, logged, world):
        assert logged.status == ContributionStatus.PENDING
        assert balance_minutes(user=world.member, lab=world.lab) == 0

    def test_approval_credits_the_minutes_once_and_tells_the_member(
        self, logged, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            contribution_approve(contribution=logged, by=world.staff)
        with pytest.raises(ConflictError):
            contribution_approve(contribution=logged, by=world.staff)
        entry = LedgerEntry.objects.get()
        assert (entry.kind, entry.minutes, entry.reference, entry.author) == (
            EntryKind.CONTRIBUTION,
            120,
            logged,
            world.staff,
        )
        assert balance_minutes(user=world.member, lab=world.lab) == 120
        assert "120" in mailoutbox[0].subject

    def test_refusal_needs_a_reason_and_credits_nothing(self, logged, world):
        with pytest.raises(DomainError):
            contribution_refuse(contribution=logged, by=world.staff, reason="  ")
        refused = contribution_refuse(contribution=logged, by=world.staff, reason="Not on the rota")
        assert (refused.status, refused.refusal_reason) == (ContributionStatus.REFUSED, "Not on the rota")
        assert LedgerEntry.objects.count() == 0

    @pytest.mark.parametrize("who", ["member", "other_member", "trainer", "other_staff"])
    def test_only_the_labs_staff_review(self, logged, world, who):
        with pytest.raises(NotAllowedError):
            contribution_approve(contribution=logged, by=getattr(world, who))
        logged.refresh_from_db()
        assert logged.status == ContributionStatus.PENDING

    def test_staff_log_a_contribution_that_is_credited_at_once(self, world):
        contribution = contribution_record(
            member=world.member, lab=world.lab, day=YESTERDAY, minutes=90, description="Open day", by=world.staff
        )
        assert contribution.status == ContributionStatus.APPROVED
        assert balance_minutes(user=world.member, lab=world.lab) == 90

    @pytest.mark.parametrize(
        "day, minutes, description",
        [
            (YESTERDAY, 0, "x"),
            (YESTERDAY, 25 * 60, "x"),
            (dt.date.today() + dt.timedelta(days=2), 60, "x"),
            (YESTERDAY, 60, " "),
        ],
    )
    def test_bad_contributions_are_refused_and_nothing_is_written(self, world, day, minutes, description):
        with pytest.raises(DomainError):
            contribution_log(member=world.member, lab=world.lab, day=day, minutes=minutes, description=description)
        assert Contribution.objects.count() == 0


class TestStaffAdjustments:
    def test_staff_grant_and_withdraw_with_a_memo(self, world):
        credits_adjust(member=world.member, lab=world.lab, minutes=300, memo="Volunteer of the month", by=world.staff)
        credits_adjust(member=world.member, lab=world.lab, minutes=-60, memo="Correction", by=world.staff)
        assert balance_minutes(user=world.member, lab=world.lab) == 240
        assert list(LedgerEntry.objects.order_by("id").values_list("kind", flat=True)) == ["grant", "adjustment"]

    def test_an_adjustment_needs_a_memo_and_staff_of_that_lab(self, world):
        with pytest.raises(DomainError):
            credits_adjust(member=world.member, lab=world.lab, minutes=60, memo="", by=world.staff)
        with pytest.raises(NotAllowedError):
            credits_adjust(member=world.member, lab=world.lab, minutes=60, memo="gift", by=world.other_staff)
        assert LedgerEntry.objects.count() == 0

    def test_staff_allow_an_overdraft(self, world):
        credits_set_overdraft(member=world.member, lab=world.lab, minutes=60, by=world.staff)
        credits_adjust(member=world.member, lab=world.lab, minutes=-60, memo="Advance", by=world.staff)
        assert balance_minutes(user=world.member, lab=world.lab) == -60
        with pytest.raises(DomainError):
            credits_set_overdraft(member=world.member, lab=world.lab, minutes=0, by=world.staff)


class TestContributionsApi:
    @pytest.fixture
    def api(self):
        return APIClient()

    def test_a_member_logs_hours_and_staff_approve(self, api, world):
        api.force_authenticate(world.member)
        response = api.post(
            "/api/v1/credits/contributions/",
            {"lab": "lab-a", "day": YESTERDAY.isoformat(), "minutes": 120, "description": "Repair café"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
        contribution_id = response.json()["id"]
        api.force_authenticate(world.other_staff)
        assert api.post(f"/api/v1/credits/contributions/{contribution_id}/approve/").status_code == 404
        api.force_authenticate(world.staff)
        assert api.get("/api/v1/credits/contributions/?status=pending").json()["count"] == 1
        assert api.post(f"/api/v1/credits/contributions/{contribution_id}/approve/").status_code == 200
        assert balance_minutes(user=world.member, lab=world.lab) == 120

    def test_a_member_cannot_approve_their_own(self, api, world, logged):
        api.force_authenticate(world.member)
        response = api.post(f"/api/v1/credits/contributions/{logged.pk}/approve/")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    def test_refusing_without_a_reason_is_a_400(self, api, world, logged):
        api.force_authenticate(world.staff)
        response = api.post(f"/api/v1/credits/contributions/{logged.pk}/refuse/", {}, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]

    def test_a_member_cannot_log_for_someone_else(self, api, world):
        api.force_authenticate(world.member)
        response = api.post(
            "/api/v1/credits/contributions/",
            {
                "lab": "lab-a",
                "member": world.other_member.pk,
                "day": YESTERDAY.isoformat(),
                "minutes": 60,
                "description": "x",
            },
            format="json",
        )
        assert response.status_code == 403
        assert Contribution.objects.count() == 0

    def test_staff_adjust_through_the_api(self, api, world):
        api.force_authenticate(world.staff)
        response = api.post(
            "/api/v1/credits/adjustments/",
            {"member": world.member.pk, "lab": "lab-a", "minutes": 120, "memo": "Welcome pack"},
            format="json",
        )
        assert response.status_code == 201
        api.force_authenticate(world.member)
        response = api.post(
            "/api/v1/credits/adjustments/",
            {"member": world.member.pk, "lab": "lab-a", "minutes": 999, "memo": "me"},
            format="json",
        )
        assert response.status_code == 403
        assert balance_minutes(user=world.member, lab=world.lab) == 120
