"""Who hears about credits (sent after the commit)."""

from fablab.core.email import email_user


def notify_contribution_reviewed(contribution):
    email_user(contribution.member, "credits/email/contribution_reviewed", {"contribution": contribution})
