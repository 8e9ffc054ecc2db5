"""Error pages: HTML for people, RFC 9457 problem documents under /api/."""

import json
import sys

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults

from fablab.core.api import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from fablab.core.middleware import DATABASE_OUTAGE_ERRORS, service_unavailable


def _problem(status, code, title):
    body = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "detail": title, "code": code}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return _problem(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if request.path.startswith("/api/"):
        return _problem(403, "permission_denied", _("You are not allowed to do this."))
    return defaults.permission_denied(request, exception)


def server_error(request):
    # A database outage met before any view ran (sessions, authentication) lands here.
    if isinstance(sys.exc_info()[1], DATABASE_OUTAGE_ERRORS):
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return _problem(500, "server_error", _("Server error. Nothing was saved."))
    return defaults.server_error(request)
