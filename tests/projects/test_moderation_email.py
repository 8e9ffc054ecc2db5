"""The authors of a project hear about its moderation (the moderation service calls this in its transaction)."""

import pytest
from django.db import transaction

from projects.notifications import notify_project_hidden, notify_project_restored
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(world):
    project = ProjectFactory(owner=world.member, lab=world.lab, title="Lamp")
    project.collaborators.add(world.trainer)
    return project


class TestModerationEmail:
    def test_the_owner_and_collaborators_learn_it_was_hidden_and_why(self, world, project, mailoutbox):
        world.trainer.preferred_language = "fr"
        world.trainer.save(update_fields=["preferred_language"])
        project.hidden_reason = "Spam link"
        notify_project_hidden(project)
        by_recipient = {message.to[0]: message for message in mailoutbox}
        assert set(by_recipient) == {"member@example.org", "trainer@example.org"}
        message = by_recipient["member@example.org"]
        assert message.subject == "“Lamp” was hidden by the moderators"
        assert "Reason: Spam link" in message.body
        assert by_recipient["trainer@example.org"].body.startswith("Bonjour")

    def test_a_restored_project_is_announced_too(self, world, project, mailoutbox):
        notify_project_restored(project)
        assert {m.subject for m in mailoutbox} == {"“Lamp” is public again"}

    def test_a_rollback_sends_nothing(self, project, mailoutbox):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_project_hidden(project)
            raise RuntimeError
        assert mailoutbox == []
