"""Every model has an admin, and every admin page opens for a superuser and for lab staff."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from bookings.services import booking_create
from machines.services import qualification_grant
from tests.billing.factories import issue_invoice
from tests.bookings.conftest import utc

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "labs", "audit", "credits", "billing", "machines", "bookings", "training", "projects"}
# Rows shown inside their parent's admin (inlines) or internal to another model's admin.
INLINE_ONLY = {
    "labs.OpeningHours",
    "labs.Closure",
    "billing.InvoiceLine",
    "billing.OrderLine",
    "projects.Step",
    "projects.Material",
    "projects.ProjectFile",
}


def changelist_urls():
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]


class TestAdminPages:
    def test_every_model_of_ours_is_registered(self):
        missing = {
            model._meta.label
            for model in apps.get_models()
            if model._meta.app_label in OUR_APPS and model not in admin.site._registry
        }
        assert missing - INLINE_ONLY == set()

    def test_every_changelist_change_and_add_page_opens(self, client, world, laser):
        booking_create(member=world.member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        qualification_grant(user=world.member, machine=laser, by=world.staff)
        issue_invoice(world.lab)
        for user, allowed in ((world.superuser, {200}), (world.staff, {200, 403})):
            client.force_login(user)
            for model, model_admin in admin.site._registry.items():
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                assert client.get(url).status_code in allowed, (user, url)
                assert client.get(f"{url}add/").status_code in {200, 403}, (user, url)
                request = RequestFactory().get(url)
                request.user = user
                row = model_admin.get_queryset(request).first()
                if row is not None:
                    assert client.get(f"{url}{row.pk}/change/").status_code in allowed, (user, url)
