"""Query budgets: every page and API read costs the same number of queries with 2 rows as with 20,
and no more than its ceiling.

The data set (`tests/perf/data.py`) is built once for the module, each budgeted URL
is requested as the right person, then every list grows by 18 rows of each kind and
each URL is requested again. A page whose count moved has an N+1: fix it in its
selector (`select_related`, `prefetch_related`, annotations).

A new URL must be budgeted in `BUDGETS` or exempted in `EXEMPT` with a reason:
`TestQueryBudgetCoverage` fails otherwise.
"""

import dataclasses
from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from tests.perf.data import PerfData

# The marker makes pytest-django create the test database the module fixture fills.
pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 20
# No page or API read needs more (the heaviest, the project editor, runs 12 today,
# session and user included). Raise a budget's own `ceiling` only with a reason.
CEILING = 15


@dataclasses.dataclass(frozen=True)
class Budget:
    name: str  # the URL name, with its namespace
    who: str  # "anon" or a PerfData attribute: "member", "staff", "trainer"
    url: Callable[[PerfData], str]
    status: int = 200
    label: str = ""  # tells apart two budgets of the same URL name
    ceiling: int = CEILING

    @property
    def id(self):
        return f"{self.name}[{self.label or self.who}]"


def _r(name, *args, query=""):
    return lambda d: reverse(name, args=[arg(d) if callable(arg) else arg for arg in args]) + query


def api(name, *args, query=""):
    return _r(name, *args, query=query)


B = Budget
BUDGETS = [
    # --- public pages and feeds -------------------------------------------------------
    B("frontend:home", "anon", _r("frontend:home")),
    B("frontend:home", "member", _r("frontend:home")),
    B("frontend:lab", "anon", _r("frontend:lab", lambda d: d.lab.slug)),
    B("frontend:legal", "anon", _r("frontend:legal")),
    B("frontend:accessibility", "anon", _r("frontend:accessibility")),
    B("healthz", "anon", _r("healthz")),
    B("sitemap", "anon", _r("sitemap")),
    B("django.contrib.sitemaps.views.sitemap", "anon", lambda d: "/sitemap-projects.xml", label="projects"),
    B("django.contrib.sitemaps.views.sitemap", "anon", lambda d: "/sitemap-machines.xml", label="machines"),
    B("machines:list", "anon", _r("machines:list")),
    B("machines:detail", "anon", _r("machines:detail", lambda d: d.machine.pk)),
    B("machines:detail", "member", _r("machines:detail", lambda d: d.machine.pk)),
    B("calendar:machine", "anon", _r("calendar:machine", lambda d: d.machine.pk)),
    B("calendar:lab", "anon", _r("calendar:lab", lambda d: d.lab.slug)),
    B("calendar:member", "anon", _r("calendar:member", lambda d: d.member.calendar_token)),
    B("projects:list", "anon", _r("projects:list")),
    B("projects:list", "anon", _r("projects:list", query="?q=project&lab=perf-lab"), label="search"),
    B("projects:detail", "anon", _r("projects:detail", lambda d: d.project.slug)),
    B("projects:detail", "member", _r("projects:detail", lambda d: d.project.slug)),
    B("projects:feed", "anon", _r("projects:feed")),
    B("projects:lab_feed", "anon", _r("projects:lab_feed", lambda d: d.lab.slug)),
    B("projects:tag_feed", "anon", _r("projects:tag_feed", lambda d: d.tag.slug)),
    B("projects:export_json", "anon", _r("projects:export_json")),
    B("projects:export_csv", "anon", _r("projects:export_csv")),
    B("training:list", "anon", _r("training:list")),
    B("training:session", "anon", _r("training:session", lambda d: d.session.pk)),
    B("training:session", "member", _r("training:session", lambda d: d.session.pk)),
    B("workshops:list", "anon", _r("workshops:list")),
    B("workshops:register", "anon", _r("workshops:register", lambda d: d.offer.slug)),
    B("workshops:registered", "anon", _r("workshops:registered", lambda d: d.offer.slug)),
    B("workshops:follow", "anon", _r("workshops:follow", lambda d: d.registration.follow_token)),
    # --- member pages -------------------------------------------------------------------
    B("machines:book", "member", lambda d: reverse("machines:book", args=[d.machine.pk]) + d.slot_query),
    B("bookings:list", "member", _r("bookings:list")),
    B("bookings:cancel", "member", _r("bookings:cancel", lambda d: d.booking.pk)),
    B("bookings:waitlist_join", "member", _r("bookings:waitlist_join", query="?machine=0"), status=404),
    B("credits:mine", "member", _r("credits:mine")),
    B("training:mine", "member", _r("training:mine")),
    B("projects:new", "member", _r("projects:new")),
    B("projects:edit", "member", _r("projects:edit", lambda d: d.project.slug)),
    B("projects:step_edit", "member", _r("projects:step_edit", lambda d: d.project.slug, lambda d: d.step.pk)),
    B("billing:credit_packs", "member", _r("billing:credit_packs")),
    B("billing:orders", "member", _r("billing:orders")),
    B("billing:order_detail", "member", _r("billing:order_detail", lambda d: d.order.pk)),
    B("accounts:profile", "member", _r("accounts:profile")),
    B("accounts:privacy", "member", _r("accounts:privacy")),
    B("accounts:delete", "member", _r("accounts:delete")),
    # --- trainers and staff ---------------------------------------------------------------
    B("training:teach", "trainer", _r("training:teach")),
    B("training:roster", "trainer", _r("training:roster", lambda d: d.session.pk)),
    B("training:sign_in_sheet", "staff", _r("training:sign_in_sheet", lambda d: d.session.pk)),
    B("training:qualifications", "staff", _r("training:qualifications")),
    B("bookings:staff_day", "staff", _r("bookings:staff_day")),
    B("bookings:check_in", "staff", _r("bookings:check_in", lambda d: d.booking.check_in_code)),
    B("credits:staff", "staff", _r("credits:staff")),
    B("credits:staff_member", "staff", _r("credits:staff_member", lambda d: d.member.pk)),
    B("workshops:staff", "staff", _r("workshops:staff")),
    B("workshops:staff_detail", "staff", _r("workshops:staff_detail", lambda d: d.registration.pk)),
    B("workshops:report", "staff", _r("workshops:report")),
    B("billing:staff", "staff", _r("billing:staff")),
    B("billing:export", "staff", _r("billing:export")),
    B("billing:export", "staff", lambda d: reverse("billing:export") + d.export_query, label="csv"),
    B("billing:periods", "staff", _r("billing:periods")),
    B("billing:staff_refund", "staff", _r("billing:staff_refund", lambda d: d.paid_order.pk)),
    B("frontend:staff_dashboard", "staff", _r("frontend:staff_dashboard"), ceiling=30),
    B("frontend:staff_exports", "staff", _r("frontend:staff_exports")),
    B("projects:moderation", "staff", _r("projects:moderation")),
    B("projects:report", "member", _r("projects:report", lambda d: d.project.slug)),
    B("notifications:preferences", "member", _r("notifications:preferences")),
    # --- API --------------------------------------------------------------------------------
    B("api-root", "anon", api("api-root")),
    B("api-me", "member", api("api-me")),
    B("api-credit-balance", "member", api("api-credit-balance")),
    B("api-notification-preferences", "member", api("api-notification-preferences")),
    B("lab-list", "anon", api("lab-list")),
    B("lab-detail", "anon", api("lab-detail", lambda d: d.lab.slug)),
    B("machine-list", "anon", api("machine-list")),
    B("machine-detail", "anon", api("machine-detail", lambda d: d.machine.pk)),
    B("machine-availability", "anon", lambda d: reverse("machine-availability", args=[d.machine.pk]) + d.week_query),
    B("booking-list", "member", api("booking-list")),
    B("booking-list", "staff", api("booking-list")),
    B("booking-detail", "member", api("booking-detail", lambda d: d.booking.pk)),
    B("waitlist-list", "member", api("waitlist-list")),
    B("waitlist-detail", "member", api("waitlist-detail", lambda d: d.waitlist_entry.pk)),
    B("invoice-list", "member", api("invoice-list")),
    B("invoice-list", "staff", api("invoice-list")),
    B("invoice-detail", "member", api("invoice-detail", lambda d: d.invoice.pk)),
    B("credit-pack-list", "member", api("credit-pack-list")),
    B("credit-pack-detail", "member", api("credit-pack-detail", lambda d: d.pack.pk)),
    B("order-list", "member", api("order-list")),
    B("order-detail", "member", api("order-detail", lambda d: d.order.pk)),
    B("project-list", "anon", api("project-list")),
    B("project-detail", "anon", api("project-detail", lambda d: d.project.slug)),
    B("course-list", "anon", api("course-list")),
    B("course-detail", "anon", api("course-detail", lambda d: d.course.slug)),
    B("session-list", "anon", api("session-list")),
    B("session-detail", "anon", api("session-detail", lambda d: d.session.pk)),
    B("enrollment-list", "member", api("enrollment-list")),
    B("enrollment-detail", "member", api("enrollment-detail", lambda d: d.enrollment.pk)),
    B("workshop-offer-list", "anon", api("workshop-offer-list")),
    B("workshop-offer-detail", "anon", api("workshop-offer-detail", lambda d: d.offer.slug)),
    B("credit-entry-list", "member", api("credit-entry-list")),
    B("credit-entry-detail", "member", api("credit-entry-detail", lambda d: d.entry.pk)),
    B("credit-contribution-list", "member", api("credit-contribution-list")),
    B("credit-contribution-list", "staff", api("credit-contribution-list")),
    B("credit-contribution-detail", "member", api("credit-contribution-detail", lambda d: d.contribution.pk)),
]

WRITE = "a write (POST only): its cost is the service's, not a page's"
PDF = "one stored or rendered document; its queries do not depend on list sizes (WeasyPrint dominates)"
EXEMPT = {
    # Third-party and framework pages.
    "admin:*": "Django's admin: not ours to budget",
    "account_*": "django-allauth's account pages: fixed queries, not ours",
    "mfa_*": "django-allauth's two-factor pages: not ours",
    "api-schema": "the OpenAPI schema is generated from code, it reads no rows",
    "api-docs": "static Swagger UI page",
    "api-token": WRITE,
    "api-credit-adjustment": WRITE,
    "api-school-registration": WRITE,
    # Writes.
    "accounts:set_language": WRITE,
    "accounts:calendar_token_revoke": WRITE,
    "accounts:personal_data": "the GDPR export reads every section of one person's data on purpose",
    "bookings:no_show": WRITE,
    "bookings:waitlist_leave": WRITE,
    "bookings:block": WRITE,
    "bookings:book_for_member": WRITE,
    "bookings:offer": "shows one offered entry; needs a live offer, covered by tests/bookings/test_waitlist_pages.py",
    "block-list": WRITE,
    "project-steps": WRITE,
    "project-materials": WRITE,
    "booking-cancel": WRITE,
    "booking-check-in": WRITE,
    "booking-no-show": WRITE,
    "waitlist-accept": WRITE,
    "waitlist-decline": WRITE,
    "waitlist-leave": WRITE,
    "order-checkout": WRITE,
    "invoice-pdf": PDF,
    "project-publish": WRITE,
    "project-unpublish": WRITE,
    "project-remix": WRITE,
    "enrollment-accept": WRITE,
    "enrollment-cancel": WRITE,
    "credit-contribution-approve": WRITE,
    "credit-contribution-refuse": WRITE,
    "credits:approve": WRITE,
    "credits:refuse": WRITE,
    "training:enroll": WRITE,
    "training:enrollment_cancel": WRITE,
    "training:enrollment_accept": WRITE,
    "training:qualification_grant": WRITE,
    "training:qualification_revoke": WRITE,
    "training:sign_in_sheet_pdf": PDF,
    "training:certificate": PDF,
    "workshops:follow_cancel": WRITE,
    "workshops:quote_pdf": PDF,
    "workshops:invoice_pdf": PDF,
    "workshops:staff_quote_pdf": PDF,
    "workshops:staff_confirm": WRITE,
    "workshops:staff_quote": WRITE,
    "workshops:staff_held": WRITE,
    "workshops:staff_invoice": WRITE,
    "workshops:staff_cancel": WRITE,
    "projects:publish": WRITE,
    "projects:unpublish": WRITE,
    "projects:remix": WRITE,
    "projects:step_add": WRITE,
    "projects:step_delete": "a confirmation page for one step; its POST is the write",
    "projects:step_move": WRITE,
    "projects:material_add": WRITE,
    "projects:material_delete": WRITE,
    "projects:collaborator_add": WRITE,
    "projects:collaborator_remove": WRITE,
    "billing:stripe_webhook": WRITE,
    "billing:order_pay": WRITE,
    "billing:order_cancel": WRITE,
    "billing:checkout_success": "redirects to the order page after Stripe; the order page is budgeted",
    "billing:checkout_cancel": "redirects to the order page after Stripe; the order page is budgeted",
    "billing:invoice_pdf": PDF,
    "billing:staff_payment": WRITE,
    "billing:staff_mandate": WRITE,
    "billing:staff_cancel": WRITE,
    "billing:period_archive": "one stored ZIP archive, streamed; no list behind it",
    "projects:documentation_pdf": PDF,
    "projects:files_zip": "one project's files zipped from storage; queries fixed, bytes grow with the files",
    "projects:file_download": "one stored file, streamed",
    "projects:file_add": WRITE,
    "projects:file_delete": WRITE,
    "projects:step_image_add": WRITE,
    "projects:step_image_delete": WRITE,
    "projects:comment_add": WRITE,
    "projects:comment_hide": WRITE,
    "projects:comment_restore": WRITE,
    "projects:dismiss_report": WRITE,
    "projects:project_hide": WRITE,
    "projects:project_restore": WRITE,
    "project-files": WRITE,
    "project-step-images": WRITE,
}


def url_names(resolver=None, namespace=None):
    """Every named URL of the project, with its namespace."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if inner:
                inner = f"{namespace}:{inner}" if namespace else inner
            yield from url_names(pattern, inner or namespace)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def exempted(name):
    return any(name == key or (key.endswith("*") and name.startswith(key[:-1])) for key in EXEMPT)


def _measure(data, budget):
    client = Client()
    if budget.who != "anon":
        client.force_login(getattr(data, budget.who))
    url = budget.url(data)
    # Throttle counters, cached pages and Django's per-process caches would make a request cheaper.
    for each in caches.all():
        each.clear()
    Site.objects.clear_cache()
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    return url, response.status_code, [query["sql"] for query in queries.captured_queries]


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """{budget id: (small, large)} measured on one data set that grows, rolled back afterwards."""
    results = {}
    with django_db_blocker.unblock(), transaction.atomic():
        data = PerfData()
        data.step = data.project.steps.create(position=1, title="First", body="Measure.")
        data.grow(SMALL)
        small = {budget.id: _measure(data, budget) for budget in BUDGETS}
        data.grow(LARGE - SMALL)
        large = {budget.id: _measure(data, budget) for budget in BUDGETS}
        results = {key: (small[key], large[key]) for key in small}
        transaction.set_rollback(True)
    return results


class TestQueryBudgets:
    @pytest.mark.parametrize("budget", BUDGETS, ids=lambda budget: budget.id)
    def test_it_costs_the_same_with_more_rows(self, measured, budget):
        (url, small_status, small), (_, large_status, large) = measured[budget.id]
        assert (small_status, large_status) == (budget.status, budget.status), url
        extra = "\n".join(sql for sql in large if sql not in small)
        message = f"{url}: {len(small)} queries with {SMALL} rows, {len(large)} with {LARGE}\n{extra}"
        assert len(large) == len(small), message
        assert len(large) <= budget.ceiling, f"{url}: {len(large)} queries, over its ceiling of {budget.ceiling}"


class TestQueryBudgetCoverage:
    def test_it_budgets_or_exempts_every_url(self):
        budgeted = {budget.name for budget in BUDGETS}
        missing = sorted(name for name in set(url_names()) if name not in budgeted and not exempted(name))
        assert missing == [], "Budget these URLs in tests/perf/test_query_budgets.py (or exempt them with a reason)"

    def test_it_exempts_only_urls_that_exist(self):
        names = set(url_names())
        stale = [key for key in EXEMPT if not key.endswith("*") and key not in names]
        assert stale == []
