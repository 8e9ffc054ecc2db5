"""Staff grant and withdraw qualifications by hand, with a reason, on their own labs' machines only."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from machines.models import Qualification
from machines.services import qualification_grant
from tests.factories import MachineFactory, UserFactory
from tests.training.conftest import utc

pytestmark = pytest.mark.django_db

PAGE = reverse("training:qualifications")
GRANT = reverse("training:qualification_grant")


@pytest.fixture
def laser(world):
    return MachineFactory(lab=world.lab, name="Trotec", requires_qualification=True)


@pytest.fixture
def other_lab_laser(world):
    return MachineFactory(lab=world.other_lab, name="Epilog", requires_qualification=True)


@pytest.fixture
def granted(world, frozen_now, laser, other_lab_laser):
    """Mia is qualified on Lab A's laser; Oscar on Lab B's."""
    return (
        qualification_grant(user=world.member, machine=laser, by=world.trainer, reason="Course"),
        qualification_grant(user=world.other_member, machine=other_lab_laser, by=world.other_staff, reason="Course"),
    )


def revoke_url(qualification):
    return reverse("training:qualification_revoke", args=[qualification.pk])


def snapshot():
    return list(Qualification.objects.order_by("pk").values_list("user_id", "machine_id", "revoked_at", "reason"))


class TestQualificationsPage:
    def test_it_lists_the_live_qualifications_of_the_managed_labs_only(self, client, world, granted, laser):
        expired = qualification_grant(
            user=UserFactory(full_name="Eve Expired"), machine=laser, expires_at=utc(2026, 1, 1), reason="x"
        )
        client.force_login(world.staff)
        response = client.get(PAGE)
        assert response.status_code == 200
        assert list(response.context["qualifications"]) == [granted[0]]
        page = response.content.decode()
        assert "Mia Member" in page
        assert "Tina Trainer" in page
        assert "Oscar Other" not in page
        assert expired.user.full_name not in page

    def test_it_filters_by_machine(self, client, world, granted, laser):
        drill = MachineFactory(lab=world.lab, name="Drill")
        qualification_grant(user=world.other_member, machine=drill, reason="x")
        client.force_login(world.staff)
        assert len(client.get(PAGE).context["qualifications"]) == 2
        response = client.get(PAGE, {"machine": laser.pk})
        assert list(response.context["qualifications"]) == [granted[0]]

    def test_a_machine_of_another_lab_is_a_bad_filter(self, client, world, granted, other_lab_laser):
        client.force_login(world.staff)
        assert client.get(PAGE, {"machine": other_lab_laser.pk}).status_code == 400

    def test_it_takes_the_same_number_of_queries_for_1_or_10_qualifications(self, client, world, granted, laser):
        client.force_login(world.staff)
        client.get(PAGE)  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(PAGE)
        for _ in range(9):
            qualification_grant(user=UserFactory(), machine=MachineFactory(lab=world.lab), by=world.staff, reason="x")
        with CaptureQueriesContext(connection) as many:
            response = client.get(PAGE)
        assert len(response.context["qualifications"]) == 10
        assert len(many) == len(few)

    def test_people_who_do_not_manage_trainings_get_a_403(self, client, world):
        for user in (world.member, world.trainer):
            client.force_login(user)
            assert client.get(PAGE).status_code == 403, user
            assert client.post(GRANT, {}).status_code == 403, user

    def test_anonymous_visitors_are_sent_to_log_in(self, client, world):
        for url in (PAGE, GRANT):
            response = client.get(url) if url == PAGE else client.post(url, {})
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")


class TestGrant:
    def data(self, machine, **overrides):
        data = {
            "email": "OTHER@example.org",
            "machine": machine.pk,
            "expires_on": "",
            "reason": "Trained at another lab",
        }
        return data | overrides

    def test_it_grants_with_who_and_why(self, client, world, frozen_now, laser):
        client.force_login(world.staff)
        response = client.post(GRANT, self.data(laser, expires_on="2026-12-31"))
        assert response.status_code == 302
        qualification = Qualification.objects.get()
        assert qualification.user == world.other_member
        assert qualification.machine == laser
        assert qualification.granted_by == world.staff
        assert qualification.reason == "Trained at another lab"
        # Valid through 31 December in Paris.
        assert qualification.expires_at == dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)

    def test_granting_again_renews(self, client, world, frozen_now, granted, laser):
        client.force_login(world.staff)
        response = client.post(GRANT, self.data(laser, email=world.member.email))
        assert response.status_code == 302
        old, new = Qualification.objects.filter(user=world.member).order_by("pk")
        assert old.revoked_at is not None
        assert new.revoked_at is None and new.granted_by == world.staff

    @pytest.mark.parametrize(
        "bad",
        [
            {"email": "nobody@example.org"},
            {"machine": "other-lab"},
            {"reason": ""},
            {"reason": "   "},
            {"expires_on": "2020-01-01"},
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, client, world, granted, laser, other_lab_laser, bad):
        if bad.get("machine") == "other-lab":
            bad = {"machine": other_lab_laser.pk}
        before = snapshot()
        client.force_login(world.staff)
        response = client.post(GRANT, self.data(laser) | bad)
        assert response.status_code == 400
        assert response.context["grant_form"].errors
        assert snapshot() == before

    def test_staff_of_another_lab_cannot_grant_on_this_labs_machines(self, client, world, frozen_now, laser):
        client.force_login(world.other_staff)
        response = client.post(GRANT, self.data(laser))
        assert response.status_code == 400
        assert Qualification.objects.count() == 0


class TestRevoke:
    def test_it_withdraws_with_the_reason(self, client, world, granted):
        client.force_login(world.staff)
        response = client.post(revoke_url(granted[0]), {"reason": "Unsafe use"})
        assert response.status_code == 302
        granted[0].refresh_from_db()
        assert granted[0].revoked_at is not None
        assert granted[0].reason == "Unsafe use"
        assert list(client.get(PAGE).context["qualifications"]) == []

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_an_empty_reason_is_refused_and_changes_nothing(self, client, world, granted, reason):
        before = snapshot()
        client.force_login(world.staff)
        response = client.post(revoke_url(granted[0]), {"reason": reason})
        assert response.status_code == 400
        assert "Say why the qualification is withdrawn." in response.content.decode()
        assert snapshot() == before

    def test_staff_of_another_lab_get_a_404_and_change_nothing(self, client, world, granted):
        before = snapshot()
        client.force_login(world.other_staff)
        assert client.post(revoke_url(granted[0]), {"reason": "Mine now"}).status_code == 404
        assert snapshot() == before

    def test_a_withdrawn_qualification_cannot_be_withdrawn_again(self, client, world, granted):
        client.force_login(world.staff)
        client.post(revoke_url(granted[0]), {"reason": "Unsafe use"})
        assert client.post(revoke_url(granted[0]), {"reason": "Again"}).status_code == 404

    def test_members_get_a_403_and_anonymous_visitors_log_in(self, client, world, granted):
        client.force_login(world.member)
        assert client.post(revoke_url(granted[0]), {"reason": "x"}).status_code == 403
        client.logout()
        response = client.post(revoke_url(granted[0]), {"reason": "x"})
        assert response.status_code == 302
        assert Qualification.objects.get(pk=granted[0].pk).revoked_at is None
