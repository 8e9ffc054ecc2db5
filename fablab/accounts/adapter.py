from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from fablab.core.email import email_on_commit


class AccountAdapter(DefaultAccountAdapter):
    """Route allauth's messages (verification, password reset) through the email task."""

    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), None)
        email_on_commit(
            subject=message.subject,
            body=message.body,
            html=html,
            to=message.to,
            from_email=message.from_email,
        )
