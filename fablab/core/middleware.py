"""Cross-cutting HTTP behaviour: the Permissions-Policy header, and a database outage
answered as 503 "try again" rather than a 500 with a trace.
"""

import json
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fablab.core.api import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

logger = logging.getLogger(__name__)

# No page uses these browser features; denying them limits what an injected script
# or a framed page could ask the visitor for. Django has no setting for this header.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

DATABASE_OUTAGE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def service_unavailable(request):
    """The 503 answer: a problem document under /api/, else a page that needs no database."""
    if request.path.startswith("/api/"):
        title = _("The service is briefly unavailable. Nothing was saved; try again in a moment.")
        body = {
            "type": PROBLEM_TYPE_BASE + "service_unavailable",
            "title": title,
            "status": 503,
            "detail": title,
            "code": "service_unavailable",
        }
        response = HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        # No request in the context: the context processors would query the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", getattr(settings, "PERMISSIONS_POLICY", PERMISSIONS_POLICY))
        return response


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection (or a lock that timed out) is an outage,
    not a bug: answer 503 with Retry-After and a page that says nothing was saved.

    The transaction of the request was rolled back by `atomic` before the exception
    got here, so "nothing was saved" is true. Errors raised before a view runs
    (sessions, authentication) reach `frontend.errors.server_error`, which answers
    the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_OUTAGE_ERRORS):
            return None
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        return service_unavailable(request)
