"""Cached public responses, invalidated by the writes that change them.

A *scope* names a set of public content ("machine:12", "lab:rennes", "projects").
Each scope has a version number in the cache; a cached response's key carries
the versions of its scopes, so `bump(scope)` makes every response built from the
old content unreachable at once (it then ages out). Writers bump after their
transaction commits: a rollback invalidates nothing and a reader never caches
the content of a transaction that is still open.

Only what is the same for everybody is cached: `cached_public` serves one body to
every visitor (anonymous or signed in), so never put it on a page that shows who
is looking, a form with a CSRF token or a nonce.

The backend is `CACHES["default"]`: local memory per process by default, Redis
in production (`CACHE_URL=redis://…`), where every web process sees the bump.
"""

import functools
import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

VERSION_PREFIX = "scope-version:"
RESPONSE_PREFIX = "public-response:"
# Headers of the first response kept with its body (the ETag and caching headers are set anew).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


def machine_scope(machine_id) -> str:
    """A machine's busy times: its bookings, blocks, maintenance, and the machine itself."""
    return f"machine:{machine_id}"


def lab_scope(slug) -> str:
    """A lab's public events: closures, training sessions, and the lab itself."""
    return f"lab:{slug}"


PROJECTS_SCOPE = "projects"


def _initial_version() -> int:
    # Not 1: when the version key is evicted, a new one must not meet an old response's key.
    return time.time_ns()


def scope_versions(scopes) -> tuple[int, ...]:
    keys = [VERSION_PREFIX + scope for scope in scopes]
    found = cache.get_many(keys)
    missing = {key: _initial_version() for key in keys if key not in found}
    if missing:
        # add(), not set(): two processes starting the same scope agree on the first one.
        for key, version in missing.items():
            cache.add(key, version, timeout=None)
        found.update(cache.get_many(list(missing)))
    return tuple(found.get(key, 0) for key in keys)


def _bump_now(scopes) -> None:
    for scope in set(scopes):
        key = VERSION_PREFIX + scope
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): any fresh version will do
            cache.set(key, _initial_version(), timeout=None)


def bump(*scopes: str) -> None:
    """Invalidate what was cached under `scopes`: now, and again when the transaction commits.

    Now, so that the writing transaction itself never reads its old content back;
    after the commit, because another process may have cached the old content
    (it cannot see the uncommitted rows) between the first bump and the commit.
    """
    if scopes:
        _bump_now(scopes)
        transaction.on_commit(functools.partial(_bump_now, scopes))


def cached_public(scopes, *, timeout, max_age, per_day=False):
    """Decorate a public GET view: one cached body per path, language and scope versions.

    The view must not read the query string nor depend on who asks.
    `scopes(request, **kwargs)` returns the scopes the response is built from.
    The ETag is a hash of the body, so an unchanged body keeps its ETag across
    bumps and a client that sends it back gets a 304 without the view running.
    `per_day` adds today's date to the key, for content whose window moves with
    the calendar. `timeout` bounds how long what no scope covers (a member's
    display name, say) may lag behind.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            versions = scope_versions(scopes(request, **kwargs))
            day = timezone.now().date().isoformat() if per_day else ""
            # The path, not the query string: a decorated view reads none, and random
            # query strings must not fill the cache with copies.
            identity = "|".join([request.path, get_language() or "", day, *map(str, versions)])
            key = RESPONSE_PREFIX + hashlib.sha256(identity.encode()).hexdigest()
            stored = cache.get(key)
            if stored is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                stored = (response.content, headers, f'"{hashlib.sha256(response.content).hexdigest()[:40]}"')
                cache.set(key, stored, timeout=timeout)
            content, headers, etag = stored
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response = HttpResponseNotModified()
            else:
                response = HttpResponse(content, headers=headers)
            response.headers["ETag"] = etag
            return _public(response, max_age)

        return wrapper

    return decorator


def _public(response, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    # The body is in the visitor's language, chosen by the cookie or Accept-Language.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
