"""Who hears about credits (sent after the commit)."""

from fablab.notifications.services import notify


def notify_contribution_reviewed(contribution):
    notify(
        contribution.member,
        "contribution_reviewed",
        "credits/email/contribution_reviewed",
        {"contribution": contribution},
    )
