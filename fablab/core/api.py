"""API plumbing shared by every app: pagination and the RFC 9457 error format."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from fablab.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://fablab.test/problems/"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE


def problem_response(*, status_code, code, title, detail, errors=None, headers=None):
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": str(title),
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    # Render problems as JSON whatever the negotiated renderer (e.g. the browsable API).
    response.accepted_renderer = ProblemJSONRenderer()
    response.accepted_media_type = PROBLEM_CONTENT_TYPE
    response.renderer_context = {}
    return response


def _field_errors(detail, prefix=""):
    """Flatten DRF's nested validation detail into {"field.sub": ["message", ...]}."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        items = enumerate(detail)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix or "non_field_errors": [str(message) for message in messages]}
    flat = {}
    for key, value in items:
        flat.update(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def problem_exception_handler(exc, context):
    """Turn every API error into one format: RFC 9457 problem details."""
    if isinstance(exc, DomainError):
        errors = {exc.field: [str(exc.message)]} if exc.field else None
        return problem_response(
            status_code=exc.status, code=exc.code, title=exc.title, detail=exc.message, errors=errors
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        non_field = errors.pop("non_field_errors", None)
        detail = " ".join(non_field) if non_field else _("Some fields are invalid.")
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid",
            title=_("The request is invalid."),
            detail=detail,
            errors=errors or None,
        )
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    return problem_response(
        status_code=exc.status_code,
        code=code,
        title=exc.default_detail,
        detail=exc.detail if isinstance(exc.detail, str) else exc.default_detail,
        headers=headers,
    )
