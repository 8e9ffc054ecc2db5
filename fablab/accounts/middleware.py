import re

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from fablab.labs.permissions import is_staff_anywhere


class PreferredLanguageMiddleware:
    """Speak a signed-in user's preferred language unless they picked one this visit.

    The language switcher sets the cookie (and the preference); without a cookie,
    the account's preference beats the browser's Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """Staff reach the back office only with two-factor authentication (TOTP) set up.

    Staff pages hold every member's data and the lab's money; a stolen password
    alone must not open them. Off in the demo (STAFF_MFA_REQUIRED follows DEBUG).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.staff_patterns = [re.compile(pattern) for pattern in getattr(settings, "STAFF_PATH_PATTERNS", ())]

    def is_staff_page(self, path):
        return path.startswith(settings.STAFF_PATH_PREFIXES) or any(
            pattern.match(path) for pattern in self.staff_patterns
        )

    def __call__(self, request):
        if (
            settings.STAFF_MFA_REQUIRED
            and self.is_staff_page(request.path)
            and request.user.is_authenticated
            and (request.user.is_staff or is_staff_anywhere(request.user))
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(request, _("Set up two-factor authentication to open the staff pages."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
