"""Outgoing email: always sent by a background task, after the transaction commits.

A failing mail server must never roll back the booking or payment that caused
the message, and a rolled-back transaction must never send one. This is the
transport; what to send to whom goes through `fablab.notifications.services.notify`.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task


@task()
def send_email(*, subject, body, to, html=None, from_email=None, attachments=()):
    """Send one message. `attachments` holds [filename, text content, mimetype] triples."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email or settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def email_on_commit(*, subject, body, to, html=None, from_email=None, attachments=()):
    """Queue a message to be sent once the current transaction commits."""
    kwargs = {
        "subject": str(subject),
        "body": body,
        "to": list(to),
        "html": html,
        "from_email": from_email,
        "attachments": [list(item) for item in attachments],
    }
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))
