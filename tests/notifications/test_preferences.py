"""The member's notification settings page, and the opt-outs in the GDPR export."""

import json

import pytest

from fablab.notifications.kinds import KINDS, optional_kinds
from fablab.notifications.models import NotificationOptOut

pytestmark = pytest.mark.django_db

URL = "/accounts/notifications/"


def opted_out(user):
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


class TestPreferencesPage:
    def test_it_requires_a_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_it_shows_every_optional_kind_ticked_by_default(self, client, world):
        client.force_login(world.member)
        content = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert content.count('type="checkbox"') == len(optional_kinds(world.member))
        assert content.count("checked") == len(optional_kinds(world.member))
        assert "<fieldset" in content and "<legend" in content
        assert str(KINDS["invoice_issued"].label) in content  # listed as always sent

    def test_unticking_turns_a_kind_off_and_ticking_turns_it_back_on(self, client, world):
        client.force_login(world.member)
        keep = [item.code for item in optional_kinds(world.member) if item.code != "booking_reminder"]
        response = client.post(URL, {"receive": keep})
        assert response.status_code == 302
        assert opted_out(world.member) == {"booking_reminder"}
        assert 'value="booking_reminder"' in client.get(URL).content.decode()
        client.post(URL, {"receive": [*keep, "booking_reminder"]})
        assert opted_out(world.member) == set()

    def test_nothing_ticked_turns_every_optional_kind_off(self, client, world):
        client.force_login(world.member)
        client.post(URL, {})
        assert opted_out(world.member) == {item.code for item in optional_kinds(world.member)}

    def test_a_mandatory_or_unknown_kind_is_a_form_error_and_writes_nothing(self, client, world):
        client.force_login(world.member)
        for bad in ("invoice_issued", "nonsense"):
            response = client.post(URL, {"receive": [bad]})
            assert response.status_code == 200
            assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
        assert opted_out(world.member) == set()

    def test_it_changes_only_the_signed_in_members_settings(self, client, world):
        NotificationOptOut.objects.create(user=world.other_member, kind="seat_offered")
        client.force_login(world.member)
        client.post(URL, {})
        assert opted_out(world.other_member) == {"seat_offered"}

    def test_a_member_is_not_offered_the_trainers_message_and_a_trainer_is(self, client, world):
        client.force_login(world.member)
        assert 'value="session_under_minimum"' not in client.get(URL).content.decode()
        client.post(URL, {})
        assert "session_under_minimum" not in opted_out(world.member)  # left on for the day they teach
        client.force_login(world.trainer)
        assert 'value="session_under_minimum"' in client.get(URL).content.decode()

    def test_the_profile_page_links_to_it(self, client, world):
        client.force_login(world.member)
        assert URL in client.get("/accounts/profile/").content.decode()


class TestPersonalDataExport:
    def test_it_lists_what_the_member_receives(self, client, world):
        NotificationOptOut.objects.create(user=world.member, kind="booking_reminder")
        client.force_login(world.member)
        data = json.loads(client.get("/accounts/privacy/my-data.json").content)
        receive = {row["kind"]: row["receive"] for row in data["notification_preferences"]}
        assert receive["booking_reminder"] is False
        assert receive["seat_offered"] is True
        assert set(receive) == {item.code for item in optional_kinds(world.member)}


class TestPreferencesApi:
    API = "/api/v1/me/notifications/"

    def test_it_lists_every_kind_and_what_the_member_receives(self, world):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(world.member)
        rows = {row["kind"]: row for row in api.get(self.API).json()}
        assert set(rows) == set(KINDS) - {"session_under_minimum"}  # a trainers' and staff's message
        assert rows["invoice_issued"] == {**rows["invoice_issued"], "optional": False, "receive": True}
        assert rows["booking_reminder"]["optional"] is True

    def test_a_put_sets_the_optional_kinds(self, world):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(world.member)
        response = api.put(self.API, {"receive": ["seat_offered"]}, format="json")
        assert response.status_code == 200
        assert opted_out(world.member) == {item.code for item in optional_kinds(world.member)} - {"seat_offered"}

    def test_a_mandatory_kind_is_a_400_and_writes_nothing(self, world):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(world.member)
        response = api.put(self.API, {"receive": ["invoice_issued"]}, format="json")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert opted_out(world.member) == set()

    def test_a_kind_not_offered_to_the_member_is_a_400_and_writes_nothing(self, world):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(world.member)
        response = api.put(self.API, {"receive": ["session_under_minimum"]}, format="json")
        assert response.status_code == 400
        assert opted_out(world.member) == set()

    def test_it_requires_authentication(self, client):
        assert client.get(self.API).status_code in (401, 403)


class TestErasure:
    def test_erasing_the_account_removes_its_settings_and_sent_log(self, world):
        from fablab.accounts.services import account_erase
        from fablab.notifications.models import SentNotification

        NotificationOptOut.objects.create(user=world.member, kind="booking_reminder")
        SentNotification.objects.create(user=world.member, kind="booking_reminder", key="booking:1")
        account_erase(user=world.member)
        assert opted_out(world.member) == set()
        assert not SentNotification.objects.filter(user=world.member).exists()
