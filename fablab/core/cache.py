"""Cached public responses, invalidated by the writes that change them.

A *scope* names a set of public content ("machine:12", "lab:rennes", "projects").
Each scope has a version number in the cache; a cached response's key carries
the versions of its scopes, so `bump(scope)` makes every response built from the
old content unreachable at once (it then ages out). Writers bump after their
transaction commits: a rollback invalidates nothing and a reader never caches
the content of a transaction that is still open.

Three ways in:
- `cached_public` serves one body to every visitor (anonymous or signed in): the
  feeds, which show nobody's own data, no form and no nonce.
- `cached_for_visitors` serves the public pages to visitors who are not signed
  in and carry no session; everybody else gets the page built for them. What
  belongs to one response is not shared: the copy is kept with placeholders for
  the CSP nonce and the CSRF token, and each response gets a fresh nonce and the
  visitor's own token. A page that sets a cookie of its own is never stored.
- `cached_value` keeps what a function computed (availability, the staff charts).

The backend is `CACHES["default"]`: local memory per process by default, Redis
in production (`CACHE_URL=redis://…`), where every web process sees the bump.
What a versioned key holds never changes, so each process also keeps a copy in
`CACHES["process"]` and asks Redis only for the versions.
"""

import functools
import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

VERSION_PREFIX = "scope-version:"
RESPONSE_PREFIX = "public-response:"
PAGE_PREFIX = "visitor-page:"
VALUE_PREFIX = "computed:"
# How long a process keeps its copy of what it read from the shared cache (a few seconds
# beyond the shared copy's `timeout` at worst) or wrote to it (at most that `timeout`).
PROCESS_COPY_SECONDS = 10
# What stands in a kept copy for what each response gets its own of.
NONCE_PLACEHOLDER = b"__csp_nonce__"
TOKEN_PLACEHOLDER = b"__csrf_token__"
_TOKEN_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
# Headers of the first response kept with its body (the ETag and caching headers are set anew).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


def machine_scope(machine_id) -> str:
    """A machine's busy times: its bookings, blocks, maintenance, and the machine itself."""
    return f"machine:{machine_id}"


def lab_scope(slug) -> str:
    """A lab's public events: closures, training sessions, and the lab itself."""
    return f"lab:{slug}"


PROJECTS_SCOPE = "projects"
# Every lab's name, address, hours and closures: the home page lists them all.
LABS_SCOPE = "labs"
# What the staff dashboard's charts count: bookings, ledger entries, orders, sessions, school workshops.
STAFF_FIGURES_SCOPE = "staff-figures"


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
            key = _key(RESPONSE_PREFIX, [request.path, get_language() or "", day, *versions])
            response, kept = _kept_response(request, key, timeout, lambda: view(request, *args, **kwargs))
            return _public(response, max_age) if kept else response

        return wrapper

    return decorator


def cached_for_visitors(scopes, *, timeout, vary_on_headers=()):
    """Decorate a public page: visitors who are not signed in share one rendering per URL and language.

    Signed-in members, and anyone with a session (it may hold a message to show),
    get the page built for them. The key holds the whole URL (the page may read
    its query string), the language, the `vary_on_headers` request headers and
    the versions of `scopes(request, **kwargs)`; `timeout` bounds how long what
    changes with the clock (past slots, "open now") or what no scope covers may
    lag behind. The kept copy holds placeholders for the CSP nonce and the CSRF
    token, filled in anew for each response; a response that sets a cookie of its
    own is not kept.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _plain_visitor(request):
                return view(request, *args, **kwargs)
            versions = scope_versions(scopes(request, **kwargs))
            headers = [request.headers.get(name, "") for name in vary_on_headers]
            key = _key(PAGE_PREFIX, [request.get_full_path(), get_language() or "", *headers, *versions])
            response, kept = _kept_response(request, key, timeout, lambda: view(request, *args, **kwargs))
            if not kept:
                return response
            # The browser asks again each time (an unchanged page is a 304); no shared cache
            # keeps it, as it holds the visitor's CSRF token.
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ("Accept-Language", "Cookie", *vary_on_headers))
            return response

        return wrapper

    return decorator


def cached_value(parts, scopes, *, timeout, build):
    """What `build()` returns, kept under `parts` (strings or numbers) and the versions of `scopes`."""
    key = _key(VALUE_PREFIX, [*parts, *scope_versions(scopes)])
    value = _get(key)
    if value is None:
        value = build()
        _set(key, value, timeout)
    return value


def _get(key):
    process = caches["process"]
    value = process.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            process.set(key, value, PROCESS_COPY_SECONDS)
    return value


def _set(key, value, timeout):
    cache.set(key, value, timeout=timeout)
    caches["process"].set(key, value, timeout=min(timeout, PROCESS_COPY_SECONDS))


def _key(prefix, parts) -> str:
    identity = "|".join(map(str, parts))
    return prefix + hashlib.sha256(identity.encode()).hexdigest()


def _plain_visitor(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    return not request.user.is_authenticated


def _kept_response(request, key, timeout, build):
    """(response, whether it is the kept copy): the copy under `key`, else what `build()` makes,
    kept if it can be shared: a 200 with a body that sets no cookie of its own."""
    stored = _get(key)
    if stored is None:
        response = build()
        if response.status_code != 200 or response.streaming or response.cookies:
            return response, False
        content = _TOKEN_FIELD.sub(rb"\1" + TOKEN_PLACEHOLDER + rb"\2", response.content)
        nonce = get_nonce(request)
        if nonce:  # used by this rendering
            content = content.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        etag = f'"{hashlib.sha256(content).hexdigest()[:40]}"'
        # Weak when each response fills in its own nonce or token: the same page, not the same bytes.
        if NONCE_PLACEHOLDER in content or TOKEN_PLACEHOLDER in content:
            etag = "W/" + etag
        stored = (content, headers, etag)
        _set(key, stored, timeout)
    return _from_store(request, stored), True


def _from_store(request, stored):
    content, headers, etag = stored
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(_personal(request, content), headers=headers)
    response.headers["ETag"] = etag
    return response


def _public(response, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    # The body is in the visitor's language, chosen by the cookie or Accept-Language.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _personal(request, content):
    """The kept copy with this response's CSP nonce (the middleware puts it in the header, as
    it was used) and the visitor's CSRF token (the middleware sets their cookie if need be)."""
    nonce = get_nonce(request)
    if NONCE_PLACEHOLDER in content and nonce is not None:
        content = content.replace(NONCE_PLACEHOLDER, str(nonce).encode())
    if TOKEN_PLACEHOLDER in content:
        content = content.replace(TOKEN_PLACEHOLDER, get_token(request).encode())
    return content
