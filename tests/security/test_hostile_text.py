"""Hostile text in every free-text field, rendered back on every page type; Markdown
links with dangerous schemes; CSV injection in every CSV export.

The hostile values are written straight into the database (as any path could store
them: form, API, admin, import), so the test covers every field, not only those a
form happens to accept.
"""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from fablab.accounts.models import User
from frontend.staff.exports import EXPORTS
from tests.security import hostile, pages

pytestmark = pytest.mark.django_db

LONG_PAYLOAD = "</script><script>alert('xss')</script>\"><img src=x onerror=alert(1)>"
SHORT_PAYLOAD = "<svg/onload=alert(1)>"
# What must never reach a page unescaped.
MARKERS = ["<script>alert", "<img src=x onerror", "<svg/onload"]
CSV_PAYLOAD = '=HYPERLINK("https://evil.example","x")'

APP_LABELS = {"accounts", "labs", "credits", "billing", "machines", "bookings", "training", "projects"}
# Append-only or hash-chained rows (database triggers refuse UPDATE), and Stripe's own records.
SKIPPED_MODELS = {"LedgerEntry", "Invoice", "InvoiceLine", "StripeEvent", "Payment"}
STRUCTURAL = re.compile(
    r"slug|email|token|code|number|hash|currency|country|zone|url|licence|phone|reference|key|uai|vat|iban|postal|language|sha|ical|uid|password"
)


def free_text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if field.choices or field.unique or isinstance(field, models.SlugField | models.EmailField | models.URLField):
            continue
        if STRUCTURAL.search(field.name) or (field.max_length or 10_000) < len(SHORT_PAYLOAD):
            continue
        yield field


def poison_every_free_text_field(payload_for):
    """Write a hostile value into every free-text column of the project's tables."""
    poisoned = []
    for model in apps.get_models():
        if model._meta.app_label not in APP_LABELS or model.__name__ in SKIPPED_MODELS or model._meta.proxy:
            continue
        for field in free_text_fields(model):
            value = payload_for(field)
            model.objects.update(**{field.name: value[: field.max_length] if field.max_length else value})
            poisoned.append(f"{model.__name__}.{field.name}")
    return poisoned


def xss_payload(field):
    return LONG_PAYLOAD if (field.max_length or 10_000) >= len(LONG_PAYLOAD) else SHORT_PAYLOAD


def audiences():
    return [
        (None, pages.public_pages()),
        (pages.MEMBER_EMAIL, pages.member_pages()),
        (pages.STAFF_EMAIL, pages.staff_pages()),
        (pages.TRAINER_EMAIL, pages.trainer_pages()),
    ]


def client_for(email):
    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    return client


class TestXssInEveryTextField:
    def test_every_page_escapes_every_stored_text(self):
        pages.seed()
        urls_by_audience = audiences()  # computed before poisoning: they need the real names
        poisoned = poison_every_free_text_field(xss_payload)
        assert len(poisoned) >= 40, poisoned
        checked = 0
        for email, urls in urls_by_audience:
            client = client_for(email)
            for url in urls:
                response = client.get(url)
                assert response.status_code in (200, 404), f"{url}: {response.status_code}"
                html = response.content.decode()
                for marker in MARKERS:
                    assert marker not in html, f"{url} renders {marker!r} unescaped"
                checked += 1
        # The machine's week calendar and the feeds render stored text too.
        # JSON is data: served as such (with nosniff) a browser never renders it as a page.
        assert Client().get("/projects/export.json")["Content-Type"].startswith("application/json")
        for url in ["/projects/feed/", "/sitemap.xml"]:
            body = body_of(Client().get(url)).decode()
            for marker in MARKERS:
                assert marker not in body, f"{url} renders {marker!r} unescaped"
        assert checked >= 35


class TestMarkdownLinks:
    @pytest.mark.parametrize("source", hostile.MARKDOWN_LINKS)
    def test_no_dangerous_url_or_markup_reaches_the_project_page(self, world, source):
        from tests.projects.factories import ProjectFactory

        project = ProjectFactory(owner=world.member, lab=world.lab, description=source, what_went_wrong=source)
        html = Client().get(reverse("projects:detail", args=[project.slug])).content.decode()
        parser = MarkupParser()
        parser.feed(html[html.index("<main") :])
        assert not [url for url in parser.urls if re.match(r"\s*(javascript|vbscript|data:text)", url, re.I)], source
        assert not parser.handlers, source
        assert not parser.tags & {"iframe", "script", "object", "embed"}, source


class MarkupParser(HTMLParser):
    """The real tags, URLs and event handlers of a page (escaped text is not markup)."""

    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.handlers = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction"):
                self.urls.append((value or "").replace("\t", "").replace("\n", ""))
            if name.startswith("on"):
                self.handlers.append(name)


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def issue_an_invoice_to_a_hostile_buyer():
    """Issued invoices are frozen: a new one carries the poisoned names, paid with a hostile reference."""
    from fablab.billing.models import Order
    from fablab.billing.orders import order_create, payment_record_offline
    from fablab.labs.models import Lab
    from tests.billing.order_helpers import CreditPackFactory

    lab = Lab.objects.get(slug="rennes")
    pack = CreditPackFactory(lab=lab, name=CSV_PAYLOAD, minutes=60, price_cents=1_000, validity_days=365)
    order = order_create(buyer=User.objects.get(email=pages.MEMBER_EMAIL), lab=lab, items=[(pack, 1)])
    payment_record_offline(
        order=order,
        method="transfer",
        amount_cents=order.total_incl_tax_cents,
        by=User.objects.get(email=pages.STAFF_EMAIL),
        reference=CSV_PAYLOAD,
    )
    assert Order.objects.get(pk=order.pk).invoice_id is not None


def csv_cells(response):
    body = body_of(response)
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


def is_number(cell):
    return re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None


class TestCsvInjection:
    def test_no_cell_of_any_export_starts_a_formula(self):
        pages.seed()
        poison_every_free_text_field(lambda field: CSV_PAYLOAD)
        issue_an_invoice_to_a_hostile_buyer()
        staff = client_for(pages.STAFF_EMAIL)
        exports = [
            (Client(), reverse("projects:export_csv")),
            (staff, reverse("billing:export") + "?lab=rennes&date_from=2000-01-01&date_to=2100-12-31"),
            (staff, reverse("workshops:report") + "?format=csv"),
        ]
        period = "lab=rennes&date_from=2000-01-01&date_to=2100-12-31"
        exports += [(staff, reverse("frontend:staff_exports") + f"?kind={kind}&{period}") for kind in EXPORTS]
        checked, hostile_cells = 0, {}
        for client, url in exports:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"].startswith("text/csv"), url
            for cell in csv_cells(response):
                if is_number(cell):
                    continue
                assert not cell.startswith(tuple(hostile.CSV_INJECTION_STARTS)), f"{url}: {cell!r}"
                checked += 1
                hostile_cells[url] = hostile_cells.get(url, 0) + ("HYPERLINK" in cell)
        assert checked > 50
        # The payload did reach every export (project texts, invoice buyer and payment reference,
        # lab names), defused.
        assert all(count >= 2 for count in hostile_cells.values()), hostile_cells
