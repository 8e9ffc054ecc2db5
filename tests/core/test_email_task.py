import pytest
from django.db import transaction

from fablab.core.email import email_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


class TestEmailOnCommit:
    def test_it_sends_only_after_the_transaction_commits(self, mailoutbox):
        with transaction.atomic():
            email_on_commit(subject="Booked", body="See you", to=["a@example.org"])
            assert mailoutbox == []
        assert [message.subject for message in mailoutbox] == ["Booked"]

    def test_it_sends_nothing_when_the_transaction_rolls_back(self, mailoutbox):
        with pytest.raises(RuntimeError), transaction.atomic():
            email_on_commit(subject="Booked", body="See you", to=["a@example.org"])
            raise RuntimeError
        assert mailoutbox == []

    def test_it_attaches_files_and_an_html_part(self, mailoutbox):
        email_on_commit(
            subject="Invite",
            body="text",
            html="<p>html</p>",
            to=["a@example.org"],
            attachments=[("event.ics", "BEGIN:VCALENDAR", "text/calendar")],
        )
        message = mailoutbox[0]
        assert message.alternatives[0][1] == "text/html"
        assert message.attachments[0][0] == "event.ics"
