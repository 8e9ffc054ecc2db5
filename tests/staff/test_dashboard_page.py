"""The dashboard page: who gets in, what each sees, the filters, bad input, and a constant query count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.credits.models import Contribution, ContributionStatus
from fablab.labs.models import Role
from tests.factories import MachineFactory, MembershipFactory
from tests.staff.conftest import MARCH, paris

pytestmark = pytest.mark.django_db

URL = "/staff/"


@pytest.fixture
def machines(world):
    return (
        MachineFactory(lab=world.lab, name="Lab A laser"),
        MachineFactory(lab=world.other_lab, name="Lab B router"),
    )


class TestDashboardAccess:
    def test_it_sends_anonymous_visitors_to_log_in(self, client, world):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_it_refuses_members_and_trainers(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(URL).status_code == 403

    def test_it_shows_staff_their_lab_and_nothing_of_another(self, client, world, machines):
        Contribution.objects.create(
            member=world.other_member, lab=world.other_lab, day=dt.date(2026, 3, 2), minutes=60, description="B only"
        )
        client.force_login(world.staff)
        response = client.get(URL, MARCH)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Lab A laser" in body
        assert "Lab B router" not in body
        assert "B only" not in body
        assert 'id="dashboard-charts"' in body
        assert body.count("<caption") == 5  # one data table per chart

    def test_it_refuses_the_filter_on_another_lab_with_a_form_error(self, client, world, machines):
        client.force_login(world.staff)
        response = client.get(URL, {**MARCH, "lab": world.other_lab.slug})
        assert response.status_code == 400
        assert "Lab B router" not in response.content.decode()
        assert "lab" in response.context["form"].errors

    def test_it_shows_staff_of_two_labs_both_or_one(self, client, world, machines):
        MembershipFactory(user=world.staff, lab=world.other_lab, role=Role.STAFF)
        client.force_login(world.staff)
        both = client.get(URL, MARCH).content.decode()
        assert "Lab A laser" in both and "Lab B router" in both
        only_b = client.get(URL, {**MARCH, "lab": world.other_lab.slug}).content.decode()
        assert "Lab B router" in only_b and "Lab A laser" not in only_b

    def test_it_links_the_dashboard_in_the_staff_navigation(self, client, world):
        client.force_login(world.staff)
        assert 'href="/staff/"' in client.get("/").content.decode()
        client.force_login(world.member)
        assert 'href="/staff/"' not in client.get("/").content.decode()


class TestDashboardFilters:
    def test_it_defaults_to_the_last_six_months(self, client, world):
        client.force_login(world.staff)
        response = client.get(URL)
        assert response.status_code == 200
        period = response.context["period"]
        assert period.date_from.day == 1
        assert (period.date_to - period.date_from).days < 186

    @pytest.mark.parametrize(
        "params",
        [
            {"date_from": "yesterday", "date_to": "2026-03-31"},
            {"date_from": "2026-03-31", "date_to": "2026-03-01"},
            {"date_from": "2024-01-01", "date_to": "2026-03-01"},
            {"date_from": "2026-03-01"},
            {**MARCH, "lab": "no-such-lab"},
        ],
    )
    def test_it_answers_bad_input_with_a_form_error(self, client, world, params):
        client.force_login(world.staff)
        response = client.get(URL, params)
        assert response.status_code == 400
        assert response.context["form"].errors
        assert 'class="errorlist' in response.content.decode()


class TestDashboardQueryCount:
    def bulk_bookings(self, machines, count):
        """`count` member bookings of 30 minutes spread over the machines, none overlapping."""
        start = paris(dt.date(2026, 3, 2), 9)
        rows = []
        for index in range(count):
            machine = machines[index % len(machines)]
            begin = start + dt.timedelta(minutes=30 * (index // len(machines)))
            rows.append(
                Booking(
                    machine=machine,
                    member_id=machine.member_id,
                    kind=BookingKind.MEMBER,
                    start=begin,
                    end=begin + dt.timedelta(minutes=30),
                    blocked_until=begin + dt.timedelta(minutes=30),
                    status=BookingStatus.CHECKED_IN if index % 3 == 0 else BookingStatus.CONFIRMED,
                )
            )
        Booking.objects.bulk_create(rows, batch_size=1000)

    def queries(self, client):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-08-31"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    def test_it_runs_as_many_queries_for_ten_thousand_bookings_as_for_ten(self, client, world):
        machines = [MachineFactory(lab=world.lab, name=f"Machine {n}") for n in range(10)]
        for machine in machines:
            machine.member_id = world.member.pk
        client.force_login(world.staff)
        self.bulk_bookings(machines, 10)
        with_ten = self.queries(client)
        Booking.objects.all().delete()
        self.bulk_bookings(machines, 10_000)
        assert Booking.objects.count() == 10_000
        assert self.queries(client) == with_ten


class TestApproveFromDashboard:
    @pytest.fixture
    def pending(self, world):
        return Contribution.objects.create(
            member=world.member, lab=world.lab, day=dt.date(2026, 3, 2), minutes=60, description="Tidy-up"
        )

    def test_it_approves_and_comes_back_to_the_dashboard(self, client, world, pending):
        client.force_login(world.staff)
        page = client.get(URL, MARCH).content.decode()
        assert f'action="/credits/contributions/{pending.pk}/approve/"' in page
        back = f"{URL}?date_from=2026-03-01&date_to=2026-03-31"
        response = client.post(f"/credits/contributions/{pending.pk}/approve/", {"next": back})
        assert response["Location"] == back
        pending.refresh_from_db()
        assert pending.status == ContributionStatus.APPROVED

    def test_it_never_sends_staff_to_another_site(self, client, world, pending):
        client.force_login(world.staff)
        response = client.post(f"/credits/contributions/{pending.pk}/approve/", {"next": "https://evil.test/"})
        assert response["Location"] == "/credits/staff/?lab=lab-a"
