import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bookings.models import Booking
from fablab.accounts.models import User
from fablab.billing.models import Invoice
from fablab.credits.models import LedgerEntry
from fablab.credits.selectors import balance_minutes, entries_for_user
from fablab.labs.models import Lab, Membership, OpeningHours
from machines.models import Machine, Qualification
from projects.models import Project

pytestmark = pytest.mark.django_db


class TestSeedDemo:
    def test_it_creates_the_labs_and_accounts_the_spec_names(self, client):
        call_command("seed_demo", quiet_logins=True)
        assert set(Lab.objects.values_list("slug", flat=True)) == {"rennes", "champs-libres", "maurepas"}
        assert Lab.objects.get(slug="champs-libres").main_lab.slug == "rennes"
        assert User.objects.get(email="admin@fablab.test").is_superuser
        assert Membership.objects.filter(user__email="staff@fablab.test", lab__slug="rennes", role="staff").exists()
        response = client.post("/accounts/login/", {"login": "member@fablab.test", "password": "fablab-demo"})
        assert response.status_code == 302

    def test_it_gives_the_member_ten_credit_hours_and_the_laser_qualification(self):
        call_command("seed_demo", quiet_logins=True)
        member = User.objects.get(email="member@fablab.test")
        newcomer = User.objects.get(email="newcomer@fablab.test")
        assert balance_minutes(user=member, lab=Lab.objects.get(slug="rennes")) == 600
        assert Qualification.objects.filter(user=member, machine__requires_qualification=True).exists()
        assert not Qualification.objects.filter(user=newcomer).exists()
        assert [entry.kind for entry in entries_for_user(newcomer)] == ["grant"]
        assert Machine.objects.filter(requires_qualification=False, category__slug="3d-printer").exists()

    def test_every_page_has_something_to_show(self):
        from training.models import RegistrationStatus, SchoolRegistration, Session

        call_command("seed_demo", quiet_logins=True)
        assert set(SchoolRegistration.objects.values_list("status", flat=True)) == set(RegistrationStatus.values)
        assert Session.objects.count() == 4
        assert Project.objects.filter(status="published").count() == 3
        assert Invoice.objects.count() >= 1

    def test_it_is_idempotent(self):
        call_command("seed_demo", quiet_logins=True)
        models = [User, Lab, Membership, OpeningHours, Machine, Qualification, Booking, LedgerEntry, Project, Invoice]
        counts = [model.objects.count() for model in models]
        call_command("seed_demo", quiet_logins=True)
        assert counts == [model.objects.count() for model in models]

    def test_it_refuses_to_run_in_production(self, settings):
        settings.ALLOW_DEMO_DATA = False
        with pytest.raises(CommandError):
            call_command("seed_demo", quiet_logins=True)
        assert Lab.objects.count() == 0
