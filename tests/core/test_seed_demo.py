import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fablab.accounts.models import User
from fablab.labs.models import Lab, Membership, OpeningHours

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

    def test_it_is_idempotent(self):
        call_command("seed_demo", quiet_logins=True)
        counts = (User.objects.count(), Lab.objects.count(), Membership.objects.count(), OpeningHours.objects.count())
        call_command("seed_demo", quiet_logins=True)
        assert counts == (
            User.objects.count(),
            Lab.objects.count(),
            Membership.objects.count(),
            OpeningHours.objects.count(),
        )

    def test_it_refuses_to_run_in_production(self, settings):
        settings.ALLOW_DEMO_DATA = False
        with pytest.raises(CommandError):
            call_command("seed_demo", quiet_logins=True)
        assert Lab.objects.count() == 0
