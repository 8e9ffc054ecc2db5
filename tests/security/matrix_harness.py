"""Visiting one URL as each role and naming the outcome in one short word."""

from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.security.cast import ROLES

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def outcome(response):
    """`200`, `404`…, `L` (to the sign-in page), `A` (to the admin's sign-in), `R` (any other redirect)."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"]).path
        if location.startswith(LOGIN):
            return "L"
        if location.startswith(ADMIN_LOGIN):
            return "A"
        return "R"
    return str(response.status_code)


def client_for(cast, role, *, api):
    client = Client()
    user = cast.user(role)
    if user is None:
        return client
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {cast.tokens[role]}"
    else:
        client.force_login(user)
    return client


def visit(cast, role, method, path, *, api, client=None):
    """One request whose writes are rolled back, so that every role meets the same data."""
    cache.clear()  # throttle counters: each role starts afresh
    client = client or client_for(cast, role, api=api)
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        elif api:
            response = client.post(path, {}, content_type="application/json")
        else:
            response = client.post(path, {})
        transaction.set_rollback(True)
    return outcome(response)


def row(cast, method, path_for, *, api, clients=None):
    """The outcomes of one method on one URL for every role, in the order of `ROLES`."""
    clients = clients or {role: client_for(cast, role, api=api) for role in ROLES}
    return " ".join(visit(cast, role, method, path_for(cast, role), api=api, client=clients[role]) for role in ROLES)
