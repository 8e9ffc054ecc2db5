import pytest
from django.contrib.auth.models import Permission

from fablab.labs.models import Role
from tests.billing.factories import BillingLabFactory, issue_invoice
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return issue_invoice(BillingLabFactory(invoice_prefix="ADM"))


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


class TestInvoiceAdmin:
    def test_it_lists_and_shows_invoices_read_only(self, client, superuser, invoice):
        client.force_login(superuser)
        listing = client.get("/admin/billing/invoice/?q=ADM")
        assert listing.status_code == 200
        assert invoice.number in listing.content.decode()
        page = client.get(f"/admin/billing/invoice/{invoice.pk}/change/")
        assert page.status_code == 200
        content = page.content.decode()
        assert invoice.buyer_name in content
        assert f"/admin/billing/invoice/{invoice.pk}/pdf/" in content
        assert 'name="_save"' not in content

    def test_it_offers_no_add_change_or_delete(self, client, superuser, invoice):
        client.force_login(superuser)
        assert client.get("/admin/billing/invoice/add/").status_code == 403
        assert client.get(f"/admin/billing/invoice/{invoice.pk}/delete/").status_code == 403
        assert client.post(f"/admin/billing/invoice/{invoice.pk}/change/", {"buyer_name": "X"}).status_code == 403

    def test_it_serves_the_stored_pdf(self, client, superuser, invoice):
        with invoice.pdf.open("rb") as stored:
            legal_copy = stored.read()
        client.force_login(superuser)
        response = client.get(f"/admin/billing/invoice/{invoice.pk}/pdf/")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == legal_copy

    def test_admin_users_see_only_the_labs_whose_billing_they_manage(self, client, invoice):
        clerk = UserFactory(is_staff=True)
        clerk.user_permissions.add(Permission.objects.get(codename="view_invoice"))
        MembershipFactory(user=clerk, lab=BillingLabFactory(), role=Role.STAFF)
        client.force_login(clerk)
        assert invoice.number not in client.get("/admin/billing/invoice/").content.decode()
        assert client.get(f"/admin/billing/invoice/{invoice.pk}/pdf/").status_code == 404
        MembershipFactory(user=clerk, lab=invoice.lab, role=Role.STAFF)
        assert invoice.number in client.get("/admin/billing/invoice/").content.decode()
