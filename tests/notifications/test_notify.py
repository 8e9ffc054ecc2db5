"""`notify`: the one function every app calls to tell a member something."""

import pytest
from django.db import transaction

from fablab.notifications.models import NotificationOptOut, SentNotification
from fablab.notifications.services import notify, notify_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class TestNotify:
    def test_it_renders_text_and_html_in_the_recipients_language(self, mail_templates, mailoutbox):
        user = UserFactory(preferred_language="fr", full_name="Zoé")
        assert notify(user, "booking_confirmed", mail_templates) is True
        [message] = mailoutbox
        assert message.to == [user.email]
        assert message.subject == "Hi fr"
        assert message.body == "Bonjour Zoé,"
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert '<html lang="fr">' in html
        assert "<p>Hello <b>Zoé</b></p>" in html

    def test_an_optional_kind_links_to_the_settings_a_mandatory_one_does_not(self, mail_templates, mailoutbox):
        user = UserFactory(preferred_language="en")
        notify(user, "booking_reminder", mail_templates)
        notify(user, "payment_received", mail_templates)
        optional_html, mandatory_html = (message.alternatives[0][0] for message in mailoutbox)
        assert "/accounts/notifications/" in optional_html
        assert "/accounts/notifications/" not in mandatory_html
        assert "always sent" in mandatory_html

    def test_it_sends_nothing_of_an_optional_kind_the_member_turned_off(self, mail_templates, mailoutbox):
        user = UserFactory()
        NotificationOptOut.objects.create(user=user, kind="booking_reminder")
        assert notify(user, "booking_reminder", mail_templates) is False
        assert mailoutbox == []

    def test_a_mandatory_kind_ignores_an_opt_out(self, mail_templates, mailoutbox):
        user = UserFactory()
        NotificationOptOut.objects.create(user=user, kind="invoice_issued")
        assert notify(user, "invoice_issued", mail_templates) is True
        assert len(mailoutbox) == 1

    def test_it_carries_attachments(self, mail_templates, mailoutbox):
        notify(
            UserFactory(), "booking_confirmed", mail_templates, attachments=[("event.ics", "BEGIN", "text/calendar")]
        )
        assert mailoutbox[0].attachments[0][0] == "event.ics"

    def test_it_sends_an_occasion_once(self, mail_templates, mailoutbox):
        user = UserFactory()
        assert notify(user, "booking_reminder", mail_templates, once_key="booking:1") is True
        assert notify(user, "booking_reminder", mail_templates, once_key="booking:1") is False
        assert notify(user, "booking_reminder", mail_templates, once_key="booking:2") is True
        assert len(mailoutbox) == 2
        assert SentNotification.objects.filter(user=user).count() == 2

    def test_it_refuses_an_unknown_kind(self, mail_templates):
        with pytest.raises(LookupError):
            notify(UserFactory(), "no_such_kind", mail_templates)

    def test_it_writes_to_no_inactive_account(self, mail_templates, mailoutbox):
        assert notify(UserFactory(is_active=False), "booking_confirmed", mail_templates) is False
        assert mailoutbox == []


class TestNotifyAfterCommit:
    def test_it_sends_only_after_the_commit(self, mail_templates, mailoutbox):
        user = UserFactory()
        with transaction.atomic():
            notify(user, "booking_confirmed", mail_templates)
            assert mailoutbox == []
        assert len(mailoutbox) == 1

    def test_a_rollback_sends_nothing_and_forgets_the_occasion(self, mail_templates, mailoutbox):
        user = UserFactory()
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(user, "booking_reminder", mail_templates, once_key="booking:1")
            raise RuntimeError
        assert mailoutbox == []
        assert notify(user, "booking_reminder", mail_templates, once_key="booking:1") is True
        assert len(mailoutbox) == 1


class TestNotifyAddress:
    def test_it_writes_to_someone_without_an_account_in_their_language(self, mail_templates, mailoutbox):
        notify_address("teacher@school.example", "school_request", mail_templates, language="fr")
        [message] = mailoutbox
        assert (message.to, message.subject) == (["teacher@school.example"], "Hi fr")
        assert "/accounts/notifications/" not in message.alternatives[0][0]

    def test_it_refuses_an_optional_kind(self, mail_templates):
        with pytest.raises(ValueError):
            notify_address("teacher@school.example", "booking_reminder", mail_templates, language="en")
