"""The one way the platform tells someone something: `notify` (members) and `notify_address` (no account).

Each app's `notifications.py` decides who hears about what happened in it and
calls `notify` with a kind from `kinds.py`. Here we decide whether and how: an
optional kind the member turned off sends nothing; the message is rendered in
the recipient's language (subject, text, and the HTML fragment inside the
common layout `notifications/email/base.html`), carries its `.ics` when an
event is involved, and is queued with `email_on_commit`, so a rollback sends
nothing and a mail failure never undoes the write that caused it.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from fablab.core.email import email_on_commit
from fablab.notifications.kinds import kind as kind_named
from fablab.notifications.kinds import optional_kinds
from fablab.notifications.models import NotificationOptOut, SentNotification
from fablab.notifications.selectors import is_opted_out


def _render(template, context, *, language, kind, recipient_is_member):
    site_url = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        context = {"site_url": site_url, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        fragment = render_to_string(f"{template}.html", context)
        html = render_to_string(
            "notifications/email/base.html",
            {
                **context,
                "subject": subject,
                "content": mark_safe(fragment),  # noqa: S308 (our own template, already escaped)
                "kind": kind,
                "language": language,
                "preferences_url": site_url + reverse("notifications:preferences") if recipient_is_member else "",
            },
        )
    return subject, body, html


def notify(user, kind, template, context=None, *, attachments=(), once_key=None) -> bool:
    """Queue the message `template` of kind `kind` to `user`; return whether it was queued.

    `once_key` makes it idempotent: the same (user, kind, key) is sent at most
    once (periodic reminders). Call it inside the transaction that makes the change.
    """
    notice = kind_named(kind)
    if not user.email or not user.is_active:
        return False
    if notice.optional and is_opted_out(user, kind):
        return False
    if once_key is not None and not _first_time(user, kind, once_key):
        return False
    subject, body, html = _render(
        template,
        {"user": user, **(context or {})},
        language=user.preferred_language,
        kind=notice,
        recipient_is_member=True,
    )
    email_on_commit(subject=subject, body=body, html=html, to=[user.email], attachments=attachments)
    return True


def notify_address(email, kind, template, context=None, *, language, attachments=()) -> bool:
    """A message to someone without an account (a school's teacher): mandatory kinds only."""
    notice = kind_named(kind)
    if notice.optional:
        raise ValueError(f"{kind!r} is optional: only a member can turn it off, so only a member may receive it")
    subject, body, html = _render(
        template, dict(context or {}), language=language, kind=notice, recipient_is_member=False
    )
    email_on_commit(subject=subject, body=body, html=html, to=[email], attachments=attachments)
    return True


def _first_time(user, kind, key) -> bool:
    """Record the occasion; False when it was already recorded (by an earlier or a concurrent run)."""
    try:
        with transaction.atomic():
            _, created = SentNotification.objects.get_or_create(user=user, kind=kind, key=key)
    except IntegrityError:  # a concurrent run inserted it between our read and our write
        return False
    return created


def preferences_set(*, user, receive: set[str]) -> None:
    """Keep the optional kinds in `receive`, turn the others offered to `user` off. Mandatory ones stay on.

    A kind not offered to the user (a trainers' message for a member) is left as it is.
    """
    optional = {item.code for item in optional_kinds(user)}
    unknown = set(receive) - optional
    if unknown:
        raise ValueError(f"Not optional kinds for this user: {sorted(unknown)}")
    with transaction.atomic():
        NotificationOptOut.objects.filter(user=user, kind__in=set(receive)).delete()
        existing = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
        NotificationOptOut.objects.bulk_create(
            [NotificationOptOut(user=user, kind=code) for code in sorted(optional - set(receive) - existing)]
        )


def erase_for_account(sender, user, **kwargs):
    """GDPR erasure: the member's settings and the log of their reminders go with them."""
    NotificationOptOut.objects.filter(user=user).delete()
    SentNotification.objects.filter(user=user).delete()
