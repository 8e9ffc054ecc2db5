"""The public machine catalogue and a machine's page (rules, calendar, week navigation)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from machines.models import MachineStatus
from tests.factories import CategoryFactory, LabFactory, MachineFactory, UserFactory

pytestmark = pytest.mark.django_db

# Monday 23 March 2026, 08:00 UTC = 09:00 in Paris.
NOW = dt.datetime(2026, 3, 23, 8, 0, tzinfo=dt.UTC)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def rennes(db):
    return LabFactory(slug="rennes", name="Fab Lab Rennes", hours=[(day, "09:00", "18:00") for day in range(7)])


@pytest.fixture
def laser(rennes):
    return MachineFactory(
        lab=rennes,
        name="Trotec laser",
        category=CategoryFactory(name="Laser cutter", slug="laser-cutter"),
        credits_per_hour=90,
        requires_qualification=True,
        description="Cuts wood and acrylic.",
        specifications={"Work area": "600 × 400 mm", "Power": "60 W"},
    )


def catalogue(client, **params):
    return client.get(reverse("machines:list"), params, **EN)


class TestMachineCatalogue:
    def test_it_lists_public_machines_with_lab_category_status_cost_and_qualification(self, client, laser):
        MachineFactory(lab=laser.lab, name="Hidden CNC", is_public=False)
        MachineFactory(lab=LabFactory(is_active=False), name="Machine of a closed lab")
        response = catalogue(client)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Trotec laser" in content
        assert reverse("machines:detail", args=[laser.pk]) in content
        assert "Fab Lab Rennes" in content
        assert "Laser cutter" in content
        assert "Available" in content
        assert "90 credit minutes" in content
        assert "Qualification required" in content
        assert "Hidden CNC" not in content
        assert "Machine of a closed lab" not in content

    def test_it_filters_by_lab(self, client, laser):
        MachineFactory(lab=LabFactory(slug="brest", name="Brest"), name="Brest printer")
        content = catalogue(client, lab="brest").content.decode()
        assert "Brest printer" in content
        assert "Trotec laser" not in content

    def test_it_filters_by_category(self, client, laser):
        printers = CategoryFactory(name="3D printer", slug="3d-printer")
        MachineFactory(lab=laser.lab, category=printers, name="Prusa")
        content = catalogue(client, category="3d-printer").content.decode()
        assert "Prusa" in content
        assert "Trotec laser" not in content

    def test_it_filters_by_status(self, client, laser):
        MachineFactory(lab=laser.lab, name="Broken mill", status=MachineStatus.OUT_OF_ORDER)
        content = catalogue(client, status="out_of_order").content.decode()
        assert "Broken mill" in content
        assert "Out of order" in content
        assert "Trotec laser" not in content

    def test_it_combines_filters_and_keeps_them_selected(self, client, laser):
        content = catalogue(client, lab="rennes", category="laser-cutter", status="available").content.decode()
        assert "Trotec laser" in content
        assert '<option value="rennes" selected>' in content
        assert '<option value="laser-cutter" selected>' in content

    def test_it_labels_every_filter(self, client, laser):
        content = catalogue(client).content.decode()
        for name in ("lab", "category", "status"):
            assert f'<label for="id_{name}">' in content
            assert f'<select name="{name}" id="id_{name}"' in content

    def test_it_answers_400_with_a_message_for_an_unknown_filter_value(self, client, laser):
        response = catalogue(client, lab="atlantis")
        assert response.status_code == 400
        assert "Some filters could not be used" in response.content.decode()
        assert "Trotec laser" in response.content.decode()

    def test_it_says_when_nothing_matches(self, client, laser):
        content = catalogue(client, status="maintenance").content.decode()
        assert "No machine matches these filters." in content

    def test_it_runs_the_same_number_of_queries_for_3_or_20_machines(self, client, django_assert_num_queries):
        labs = [LabFactory(), LabFactory()]
        categories = [CategoryFactory(name="Laser", slug="laser"), CategoryFactory(name="Printer", slug="printer")]
        for index in range(3):
            MachineFactory(lab=labs[index % 2], category=categories[index % 2])
        catalogue(client)  # warm up content types and the like
        with django_assert_num_queries(3) as small:
            catalogue(client)
        with django_assert_num_queries(5) as small_filtered:
            catalogue(client, lab=labs[0].slug, category="laser")
        for index in range(17):
            MachineFactory(lab=labs[index % 2], category=categories[index % 2])
        with django_assert_num_queries(len(small.captured_queries)):
            assert catalogue(client).content.decode().count('<th scope="row">') == 20
        with django_assert_num_queries(len(small_filtered.captured_queries)):
            catalogue(client, lab=labs[0].slug, category="laser")


class TestMachinePage:
    def test_it_shows_description_specifications_and_rules_in_plain_words(self, client, frozen_now, laser):
        laser.buffer_minutes = 15
        laser.weekly_quota_minutes = 240
        laser.min_minutes = 60
        laser.save()
        response = client.get(reverse("machines:detail", args=[laser.pk]), **EN)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Cuts wood and acrylic." in content
        assert '<th scope="row">Work area</th><td>600 × 400 mm</td>' in content
        assert "Bookings start every 30 minutes, counted from midnight (for example at 10:00 or 10:30)." in content
        assert "A booking lasts from 1 hour to 4 hours." in content
        assert "The machine stays free for 15 minutes after each booking" in content
        assert "Book at least 1 hour ahead." in content
        assert "Book at most 28 days ahead." in content
        assert "Each member may book up to 4 hours a week" in content
        assert (
            "Cancel up to 24 hours before the start to get all your credits back; later, 0% of them come back."
            in content
        )
        assert "You need a qualification for this machine" in content

    def test_it_answers_404_for_an_unknown_or_hidden_machine(self, client, laser):
        hidden = MachineFactory(lab=laser.lab, is_public=False)
        assert client.get(reverse("machines:detail", args=[hidden.pk])).status_code == 404
        assert client.get("/machines/999999/").status_code == 404

    def test_it_shows_the_calendar_and_a_login_link_to_anonymous_visitors(self, client, frozen_now, laser):
        url = reverse("machines:detail", args=[laser.pk])
        content = client.get(url, **EN).content.decode()
        assert '<table class="week-calendar">' in content
        assert "Log in to book" in content
        assert f'href="/accounts/login/?next={url}"' in content
        assert reverse("machines:book", args=[laser.pk]) not in content

    def test_it_links_free_slots_to_the_booking_confirmation_for_members(self, client, frozen_now, laser):
        client.force_login(UserFactory())
        content = client.get(reverse("machines:detail", args=[laser.pk]), **EN).content.decode()
        book = reverse("machines:book", args=[laser.pk])
        # Monday 23 March 10:00 in Paris (CET): the first slot past the hour of notice.
        assert f"{book}?start=2026-03-23T10%3A00%3A00%2B01%3A00&amp;end=2026-03-23T10%3A30%3A00%2B01%3A00" in content
        # 09:30 is within the minimum notice: free but not a link.
        assert "start=2026-03-23T09%3A30" not in content

    def test_it_offers_no_booking_link_when_the_machine_is_out_of_order(self, client, frozen_now, laser):
        laser.status = MachineStatus.OUT_OF_ORDER
        laser.save()
        client.force_login(UserFactory())
        content = client.get(reverse("machines:detail", args=[laser.pk]), **EN).content.decode()
        assert "This machine cannot be booked at the moment (Out of order)" in content
        assert reverse("machines:book", args=[laser.pk]) not in content

    def test_it_moves_from_week_to_week(self, client, frozen_now, laser):
        url = reverse("machines:detail", args=[laser.pk])
        content = client.get(url, {"week": "2026-04-01"}, **EN).content.decode()
        assert "Week from Monday 30 March to Sunday 5 April 2026" in content
        assert f'href="{url}?week=2026-03-23#book"' in content  # previous week, which is this week
        assert f'href="{url}?week=2026-04-06#book"' in content
        assert 'aria-current="date">This week' not in content
        assert 'aria-current="date"' not in content  # today is not in that week either

    def test_it_marks_this_week_and_today(self, client, frozen_now, laser):
        content = client.get(reverse("machines:detail", args=[laser.pk]), **EN).content.decode()
        assert "Week from Monday 23 March to Sunday 29 March 2026" in content
        assert 'id="week-this"' in content
        assert 'aria-current="date">This week</a>' in content
        assert '<th scope="col" aria-current="date" class="today">Mon 23 Mar</th>' in content

    def test_it_returns_only_the_calendar_to_htmx(self, client, frozen_now, laser):
        url = reverse("machines:detail", args=[laser.pk])
        response = client.get(url, {"week": "2026-03-30"}, HTTP_HX_REQUEST="true", **EN)
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content
        assert '<table class="week-calendar">' in content
        assert 'data-hx-swap-oob="true"' in content
        assert 'data-hx-target="#week-calendar"' in content
        assert 'data-hx-push-url="true"' in content
        assert "HX-Request" in response["Vary"]

    def test_it_returns_the_whole_page_to_an_htmx_history_restore(self, client, frozen_now, laser):
        url = reverse("machines:detail", args=[laser.pk])
        response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **EN)
        assert "<html" in response.content.decode()

    @pytest.mark.parametrize("week", ["garbage", "2026-02-30", "9999-12-31"])
    def test_it_shows_this_week_with_a_message_for_a_bad_week(self, client, frozen_now, laser, week):
        response = client.get(reverse("machines:detail", args=[laser.pk]), {"week": week}, **EN)
        content = response.content.decode()
        assert response.status_code == 400
        assert "is not a date like 2026-03-23; here is this week." in content
        assert "Week from Monday 23 March to Sunday 29 March 2026" in content

    def test_it_loads_its_stylesheet_without_inline_styles(self, client, frozen_now, laser):
        content = client.get(reverse("machines:detail", args=[laser.pk]), **EN).content.decode()
        assert "css/calendar.css" in content
        assert "style=" not in content
