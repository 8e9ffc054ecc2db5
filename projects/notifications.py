"""Who hears about moderation of a project (sent after the commit, see fablab/notifications).

The moderation service (hide with a reason, restore) calls `notify_project_moderated`
inside its transaction: the owner and the collaborators learn what happened and why.
"""

from fablab.notifications.services import notify


def notify_project_moderated(project, *, hidden: bool, reason: str = ""):
    authors = {project.owner_id: project.owner}
    for user in project.collaborators.all():
        authors.setdefault(user.pk, user)
    for user in authors.values():
        notify(
            user,
            "moderation",
            "projects/email/project_moderated",
            {"project": project, "hidden": hidden, "reason": reason},
        )
