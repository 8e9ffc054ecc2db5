import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from bookings.models import ACTIVE_STATUSES, Booking
from fablab.accounts.models import User
from fablab.credits.models import CreditAccount, LedgerEntry
from fablab.labs.models import Lab, Membership
from frontend.scale.checks import overlapping_bookings, unbalanced_accounts
from machines.models import Machine
from projects.models import Project, ProjectStatus, Step
from projects.selectors import project_search
from training.models import Session

pytestmark = pytest.mark.django_db

TINY = {
    "labs": 3,
    "machines": 6,
    "members": 40,
    "bookings": 900,
    "ledger_entries": 120,
    "sessions": 8,
    "projects": 12,
    "bench_users": 3,
    "seed": 7,
    "no_progress": True,
}


@pytest.fixture
def seeded(settings):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_scale", **TINY)


class TestSeedScale:
    def test_it_writes_the_sizes_asked_for(self, seeded):
        labs = Lab.objects.filter(slug__startswith="scale-")
        assert labs.count() == 3
        assert labs.filter(main_lab__isnull=True).count() == 1
        assert Machine.objects.filter(lab__in=labs).count() == 6
        assert Membership.objects.filter(role="member", user__email__startswith="bench-").count() == 3
        assert User.objects.filter(memberships__role="member").distinct().count() == 40 + 3
        assert Booking.objects.count() == 900
        assert LedgerEntry.objects.count() == 120
        assert Session.objects.count() == 8
        assert Project.objects.filter(status=ProjectStatus.PUBLISHED).count() == 12

    def test_it_never_lets_two_active_bookings_overlap(self, seeded):
        assert overlapping_bookings() == 0
        assert Booking.objects.filter(status__in=ACTIVE_STATUSES).exists()
        assert Booking.objects.exclude(status__in=ACTIVE_STATUSES).exists()

    def test_it_keeps_every_balance_the_sum_of_its_ledger(self, seeded):
        assert unbalanced_accounts() == 0
        assert not CreditAccount.objects.filter(balance_minutes__lt=0).exists()
        assert LedgerEntry.objects.filter(kind="booking_debit", reference_id__isnull=False).exists()

    def test_it_publishes_projects_with_steps_tags_and_search_data(self, seeded):
        project = Project.objects.order_by("pk").first()
        assert Step.objects.filter(project=project).count() >= 2
        assert project.tags.exists()
        assert project.licence and project.summary
        word = project.title.split()[0]
        assert project in project_search(word)

    def test_it_gives_the_bench_users_api_tokens(self, seeded, client):
        token = Token.objects.get(user__email="bench-1@scale.example.org")
        response = client.get("/api/v1/me/", headers={"authorization": f"Token {token.key}"})
        assert response.status_code == 200

    def test_it_refuses_a_database_that_already_holds_scale_data(self, seeded):
        with pytest.raises(CommandError):
            call_command("seed_scale", **TINY)

    def test_it_refuses_without_permission_for_made_up_data(self, settings):
        settings.ALLOW_DEMO_DATA = False
        with pytest.raises(CommandError):
            call_command("seed_scale", **TINY)
        assert not Lab.objects.exists()
