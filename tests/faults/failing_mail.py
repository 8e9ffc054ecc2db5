"""A mail backend whose server is down: every send raises, as smtplib does."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    attempts = 0

    def send_messages(self, email_messages):
        FailingEmailBackend.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
