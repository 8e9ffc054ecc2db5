"""Who hears about comments and moderation, and what they receive (sent after the commit, see fablab/notifications).

The moderation services call these inside their transactions: the authors learn
that their project was hidden (and why) or restored, a commenter that a comment
was hidden, the authors that someone commented.
"""

from fablab.notifications.services import notify


def _authors(project):
    authors = {project.owner_id: project.owner}
    for user in project.collaborators.all():
        authors.setdefault(user.pk, user)
    return list(authors.values())


def notify_comment_added(comment):
    for user in _authors(comment.project):
        if user.pk != comment.author_id:
            notify(
                user,
                "project_comment",
                "projects/email/comment_added",
                {"comment": comment, "project": comment.project},
            )


def notify_comment_hidden(comment):
    notify(
        comment.author,
        "moderation",
        "projects/email/comment_hidden",
        {"comment": comment, "project": comment.project},
    )


def notify_project_hidden(project):
    for user in _authors(project):
        notify(user, "moderation", "projects/email/project_hidden", {"project": project})


def notify_project_restored(project):
    for user in _authors(project):
        notify(user, "moderation", "projects/email/project_restored", {"project": project})
