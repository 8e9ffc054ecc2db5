"""Walking sequential ids never tells another member's objects from missing ones.

Another member (and staff of another lab) who counts through the ids of bookings,
orders, invoices, ledger entries, contributions, enrollments and waiting-list entries
gets the same 404 for member A's objects as for ids that do not exist.
"""

import json

import time_machine
from django.core.cache import cache
from django.test import Client, TestCase

from bookings.models import Booking, WaitlistEntry
from fablab.billing.models import Invoice, Order
from fablab.credits.models import Contribution, LedgerEntry
from tests.security.cast import NOW, Cast
from training.models import Enrollment

# (model, the member's own objects, URL templates for an id: HTML pages and API endpoints)
PRIVATE = [
    (Booking, "member", ["/bookings/{}/cancel/", "/api/v1/bookings/{}/"]),
    (Order, "buyer", ["/payments/orders/{}/", "/payments/orders/{}/paid/", "/api/v1/orders/{}/"]),
    (Invoice, "buyer", ["/payments/invoices/{}/pdf/", "/api/v1/invoices/{}/", "/api/v1/invoices/{}/pdf/"]),
    (LedgerEntry, "account__user", ["/api/v1/credits/entries/{}/"]),
    (Contribution, "member", ["/api/v1/credits/contributions/{}/"]),
    (Enrollment, "member", ["/api/v1/trainings/enrollments/{}/"]),
    (WaitlistEntry, "member", ["/bookings/offers/{}/", "/api/v1/waitlist/{}/"]),
]


def _normalised(response):
    """What a prober learns: the status and, for the API, the problem document without the path."""
    if response["Content-Type"].startswith("application/problem+json") or response["Content-Type"].startswith(
        "application/json"
    ):
        body = json.loads(response.content)
        body.pop("instance", None)
        return response.status_code, json.dumps(body, sort_keys=True)
    return response.status_code, None


@time_machine.travel(NOW, tick=False)
class IdEnumerationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = Cast()

    def client_as(self, user):
        client = Client()
        client.force_login(user)
        return client

    def probe(self, client, template, ids):
        cache.clear()
        return {pk: _normalised(client.get(template.format(pk))) for pk in ids}

    def test_it_answers_404_alike_for_a_foreign_id_and_a_missing_one(self):
        for prober in (self.cast.other_member, self.cast.other_staff, self.cast.trainer):
            client = self.client_as(prober)
            for model, owner, templates in PRIVATE:
                foreign = list(model.objects.exclude(**{owner: prober}).values_list("pk", flat=True))
                self.assertNotEqual(foreign, [], model)
                missing = max(model.objects.values_list("pk", flat=True)) + 1000
                for template in templates:
                    with self.subTest(prober=prober.email, url=template):
                        answers = self.probe(client, template, [*foreign, missing])
                        self.assertEqual(set(answers.values()), {answers[missing]})
                        self.assertEqual(answers[missing][0], 404)

    def test_a_sequential_walk_of_the_api_finds_only_ones_own(self):
        client = self.client_as(self.cast.other_member)
        for model, owner, templates in PRIVATE:
            own = set(model.objects.filter(**{owner: self.cast.other_member}).values_list("pk", flat=True))
            # Every id around the cast's: on PostgreSQL sequences are not reset between
            # tests, and walking from 1 would run into the API's rate limit.
            pks = model.objects.values_list("pk", flat=True)
            low, top = max(min(pks) - 3, 1), max(pks) + 3
            for template in (t for t in templates if t.startswith("/api/") and t.endswith("/{}/")):
                with self.subTest(url=template):
                    answers = self.probe(client, template, range(low, top))
                    found = {pk for pk, (status, _) in answers.items() if status == 200}
                    self.assertEqual(found, own)

    def test_lists_hold_only_ones_own(self):
        client = self.client_as(self.cast.other_member)
        for path in (
            "/api/v1/bookings/",
            "/api/v1/orders/",
            "/api/v1/invoices/",
            "/api/v1/credits/entries/",
            "/api/v1/credits/contributions/",
            "/api/v1/trainings/enrollments/",
            "/api/v1/waitlist/",
        ):
            with self.subTest(path=path):
                body = client.get(path).json()
                results = body["results"] if isinstance(body, dict) else body
                self.assertNotIn(self.cast.member.email, json.dumps(results))
                for ignored in ("member", "user", "buyer"):
                    self.assertNotIn(
                        self.cast.member.pk, [item.get(ignored) for item in results if isinstance(item, dict)]
                    )

    def test_a_personal_calendar_feed_opens_only_with_its_exact_token(self):
        token = self.cast.member.calendar_token
        client = Client()
        self.assertEqual(client.get(f"/calendar/me/{token}.ics").status_code, 200)
        other = self.cast.other_member.calendar_token
        # The near miss must differ from the other member's real token, whatever its last character is.
        near_miss = other[:-1] + ("B" if other.endswith("A") else "A")
        for guess in (token.swapcase(), token[:-1], token + "x", near_miss):
            with self.subTest(guess=guess):
                self.assertEqual(client.get(f"/calendar/me/{guess}.ics").status_code, 404)

    def test_a_revoked_calendar_token_is_a_404(self):
        old = self.cast.member.calendar_token
        client = self.client_as(self.cast.member)
        client.post("/accounts/calendar-token/revoke/")
        self.assertEqual(Client().get(f"/calendar/me/{old}.ics").status_code, 404)
