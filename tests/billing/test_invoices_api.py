import pytest
from rest_framework.test import APIClient

from fablab.billing.services import Buyer, credit_note_issue
from tests.billing.factories import BillingLabFactory, issue_invoice

# fablab/api_urls.py does not route the invoices yet: these tests bring their own URLs.
pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def invoice(world):
    """An invoice of lab A bought by the member."""
    world.lab.invoice_prefix, world.lab.legal_name = "LABA", "Association Lab A"
    world.lab.save()
    return issue_invoice(world.lab, buyer=Buyer("Mia Member", "3 rue X", "member@example.org", user=world.member))


class TestInvoicesApi:
    def test_the_buyer_lists_and_reads_their_invoices(self, api, world, invoice):
        issue_invoice(world.lab)  # someone else's
        api.force_authenticate(world.member)
        body = api.get("/api/v1/invoices/").json()
        assert [item["number"] for item in body["results"]] == [invoice.number]
        detail = api.get(f"/api/v1/invoices/{invoice.pk}/").json()
        assert detail["buyer_name"] == "Mia Member"
        assert detail["lab"] == "lab-a"
        assert detail["total_incl_tax_cents"] == invoice.total_incl_tax_cents
        assert [line["position"] for line in detail["lines"]] == [1, 2]
        assert detail["pdf"].endswith(f"/api/v1/invoices/{invoice.pk}/pdf/")

    def test_another_member_gets_404(self, api, world, invoice):
        api.force_authenticate(world.other_member)
        assert api.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
        assert api.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404
        assert api.get("/api/v1/invoices/").json()["count"] == 0

    def test_staff_of_the_lab_see_its_invoices_and_credit_notes(self, api, world, invoice):
        note = credit_note_issue(invoice=invoice, reason="Cancelled")
        issue_invoice(world.other_lab)
        api.force_authenticate(world.staff)
        body = api.get("/api/v1/invoices/").json()
        assert sorted(item["number"] for item in body["results"]) == sorted([invoice.number, note.number])
        assert api.get(f"/api/v1/invoices/{note.pk}/").json()["corrects"] == invoice.number
        assert api.get("/api/v1/invoices/?kind=credit_note").json()["count"] == 1

    def test_staff_of_another_lab_get_404(self, api, world, invoice):
        api.force_authenticate(world.other_staff)
        assert api.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
        assert api.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404
        assert api.get("/api/v1/invoices/").json()["count"] == 0

    def test_a_trainer_of_the_lab_is_not_billing_staff(self, api, world, invoice):
        api.force_authenticate(world.trainer)
        assert api.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404

    def test_anonymous_callers_get_401(self, api, invoice):
        assert api.get("/api/v1/invoices/").status_code == 401
        assert api.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 401
        response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"

    def test_the_pdf_endpoint_answers_a_refusal_with_a_readable_problem_document(self, api, world, invoice):
        api.force_authenticate(world.other_member)
        response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404

    def test_the_pdf_endpoint_returns_the_stored_copy(self, api, world, invoice):
        with invoice.pdf.open("rb") as stored:
            legal_copy = stored.read()
        api.force_authenticate(world.member)
        response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert invoice.number in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == legal_copy

    def test_the_list_costs_the_same_number_of_queries_for_more_invoices(
        self, api, world, invoice, django_assert_max_num_queries
    ):
        lab = BillingLabFactory()
        for _ in range(5):
            issue_invoice(lab, buyer=Buyer("Mia Member", "", "", user=world.member))
        api.force_authenticate(world.member)
        with django_assert_max_num_queries(6):
            assert api.get("/api/v1/invoices/").json()["count"] == 6
