"""The authors of a project hear about its moderation (the moderation service calls this in its transaction)."""

import pytest
from django.db import transaction

from projects.notifications import notify_project_moderated
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
        notify_project_moderated(project, hidden=True, reason="Spam link")
        by_recipient = {message.to[0]: message for message in mailoutbox}
        assert set(by_recipient) == {"member@example.org", "trainer@example.org"}
        message = by_recipient["member@example.org"]
        assert message.subject == "Your project “Lamp” was hidden by the moderators"
        assert "Reason: Spam link" in message.body
        assert by_recipient["trainer@example.org"].body.startswith("Bonjour")

    def test_a_restored_project_is_announced_too(self, world, project, mailoutbox):
        notify_project_moderated(project, hidden=False)
        assert {m.subject for m in mailoutbox} == {"Your project “Lamp” is visible again"}

    def test_a_rollback_sends_nothing(self, project, mailoutbox):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_project_moderated(project, hidden=True, reason="Spam")
            raise RuntimeError
        assert mailoutbox == []
