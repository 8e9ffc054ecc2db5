"""The staff dashboard in a real browser: charts drawn under the site's CSP, data tables,
a contribution approved from the dashboard, an export downloaded with its progress shown,
and axe-core on both pages.
"""

import csv
import datetime as dt
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingKind, BookingStatus
from fablab.credits.models import Contribution, ContributionStatus
from fablab.labs.models import Role
from tests.browser.test_newcomer_journey import axe_violations, log_in, submit
from tests.factories import LabFactory, MachineFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

STAFF_EMAIL = "staff@fablab.test"
CHARTS = ["occupancy", "credits", "revenue", "training", "pupils"]


@pytest.fixture
def lab(transactional_db):
    lab = LabFactory(slug="rennes", name="Fab Lab Rennes", hours=[(day, "09:00", "18:00") for day in range(7)])
    staff = UserFactory(email=STAFF_EMAIL, full_name="Stan Staff")
    MembershipFactory(user=staff, lab=lab, role=Role.STAFF)
    member = UserFactory(email="maker@fablab.test", full_name="Mia Maker")
    MembershipFactory(user=member, lab=lab, role=Role.MEMBER)
    laser = MachineFactory(lab=lab, name="Laser")
    start = (timezone.now() - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    for hours in range(3):
        begin = start + dt.timedelta(hours=hours)
        Booking.objects.create(
            machine=laser,
            member=member,
            kind=BookingKind.MEMBER,
            start=begin,
            end=begin + dt.timedelta(hours=1),
            blocked_until=begin + dt.timedelta(hours=1),
            status=BookingStatus.CONFIRMED,
        )
    Contribution.objects.create(
        member=member, lab=lab, day=timezone.localdate() - dt.timedelta(days=1), minutes=90, description="Sorted wood"
    )
    return lab


def drawn_pixels(page, chart):
    """How many pixels of the chart's canvas are not transparent: zero means nothing was drawn."""
    return page.evaluate(
        """(name) => {
            const canvas = document.querySelector(`.chart[data-chart="${name}"] canvas`);
            if (!canvas || !canvas.width) return 0;
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let count = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
            return count;
        }""",
        chart,
    )


class TestStaffDashboard:
    def test_it_draws_the_charts_approves_a_contribution_and_downloads_an_export(self, new_page, lab, tmp_path):
        page = new_page()
        csp_errors = []
        page.on(
            "console", lambda message: "Content Security Policy" in message.text and csp_errors.append(message.text)
        )
        log_in(page, STAFF_EMAIL)

        page.click('a[href="/staff/"]')
        page.wait_for_selector('.chart[data-chart="pupils"][data-drawn="true"]')
        for chart in CHARTS:
            assert drawn_pixels(page, chart) > 0, chart
        assert page.locator("figure.chart-figure table caption").count() == len(CHARTS)
        # The tables stay in the page, folded under each drawn chart.
        assert page.locator("details.chart-data[open]").count() == 0
        assert csp_errors == []

        submit(page, f"/credits/contributions/{Contribution.objects.get().pk}/approve/")
        assert Contribution.objects.get().status == ContributionStatus.APPROVED
        assert urlsplit(page.url).path == "/staff/"  # back on the dashboard, the queue emptied
        assert page.locator("#contributions-heading + p").count() == 1

        page.goto("/staff/exports/")
        page.select_option("#id_kind", "bookings")
        with page.expect_download() as download_info:
            page.click('#export-form button[type="submit"]')
        path = Path(tmp_path) / "bookings.csv"
        download_info.value.save_as(path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert [(row["machine"], row["member_email"]) for row in rows] == [("Laser", "maker@fablab.test")] * 3
        assert page.locator("#export-progress-bar").evaluate("bar => bar.value === bar.max")
        assert "bookings-rennes-" in page.locator("#export-progress-text").text_content()
        assert page.locator("#export-progress-link a").get_attribute("download").startswith("bookings-rennes-")

    def test_it_shows_the_tables_without_javascript(self, new_page, lab):
        page = new_page(java_script_enabled=False)
        log_in(page, STAFF_EMAIL)
        page.goto("/staff/")
        assert page.locator("details.chart-data[open] table").count() == len(CHARTS)
        assert page.locator(".chart canvas").count() == 0

    @pytest.mark.parametrize("url", ["/staff/", "/staff/exports/"])
    def test_axe_finds_no_serious_violation(self, new_page, lab, axe_source, url):
        page = new_page(bypass_csp=True)  # axe is injected as an inline script
        log_in(page, STAFF_EMAIL)
        page.goto(url)
        if url == "/staff/":
            page.wait_for_selector('.chart[data-chart="pupils"][data-drawn="true"]')
        violations = axe_violations(page, axe_source)
        assert violations == [], f"axe on {url}:\n" + "\n".join(violations)
