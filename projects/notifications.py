"""Who hears about comments and moderation, and what they receive. Sent after the commit."""

from fablab.core.email import email_user


def _authors(project):
    return [user for user in [project.owner, *project.collaborators.all()] if user.is_active and user.email]


def notify_comment_added(comment):
    for user in _authors(comment.project):
        if user.pk != comment.author_id:
            email_user(user, "projects/email/comment_added", {"comment": comment, "project": comment.project})


def notify_comment_hidden(comment):
    if comment.author.is_active:
        email_user(comment.author, "projects/email/comment_hidden", {"comment": comment, "project": comment.project})


def notify_project_hidden(project):
    for user in _authors(project):
        email_user(user, "projects/email/project_hidden", {"project": project})


def notify_project_restored(project):
    for user in _authors(project):
        email_user(user, "projects/email/project_restored", {"project": project})
