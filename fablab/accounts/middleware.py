from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Speak a signed-in user's preferred language unless they picked one this visit.

    The language switcher sets the cookie (and the preference); without a cookie,
    the account's preference beats the browser's Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
