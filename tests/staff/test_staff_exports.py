"""Staff CSV exports: scoped to the staff's labs, filtered by period, safe in spreadsheets, streamed."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine

from bookings.models import BookingStatus
from fablab.credits.models import EntryKind
from fablab.credits.services import ledger_write
from tests.factories import MachineFactory
from tests.staff.conftest import HELD, MARCH, booking, paris, school_workshop
from tests.training.conftest import CourseFactory, SessionFactory
from training.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db

URL = "/staff/exports/"
MONDAY = dt.date(2026, 3, 2)


def download(client, kind, **params):
    response = client.get(URL, {"kind": kind, **MARCH, **params})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert int(response["X-Export-Rows"]) == len(rows)
    return response, rows


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff)
    return client


class TestExportAccess:
    def test_it_sends_anonymous_visitors_to_log_in(self, client, world):
        assert client.get(URL).status_code == 302

    def test_it_refuses_members(self, client, world):
        client.force_login(world.member)
        assert client.get(URL).status_code == 403
        assert client.get(URL, {"kind": "members", **MARCH}).status_code == 403

    def test_it_shows_the_form_and_links_the_accounting_export(self, staff_client):
        body = staff_client.get(URL).content.decode()
        assert 'name="kind"' in body
        assert 'href="/payments/staff/export/"' in body

    @pytest.mark.parametrize(
        "params",
        [
            {"kind": "passwords", **MARCH},
            {"kind": "members", "date_from": "soon", "date_to": "2026-03-31"},
            {"kind": "members", "date_from": "2026-03-31", "date_to": "2026-03-01"},
            {"kind": "members", "lab": "lab-b", **MARCH},
        ],
    )
    def test_it_answers_bad_input_with_a_form_error(self, staff_client, params):
        response = staff_client.get(URL, params)
        assert response.status_code == 400
        assert response.context["form"].errors


class TestMembersExport:
    def test_it_lists_the_labs_memberships_with_balances(self, staff_client, world):
        with time_machine.travel(paris(MONDAY, 9), tick=False):
            ledger_write(user=world.member, lab=world.lab, minutes=90, kind=EntryKind.GRANT)
        response, rows = download(staff_client, "members")
        assert response["Content-Disposition"] == 'attachment; filename="members-lab-a.csv"'
        emails = {row["email"] for row in rows}
        assert emails == {"member@example.org", "other@example.org", "trainer@example.org", "staff@example.org"}
        mia = next(row for row in rows if row["email"] == "member@example.org")
        assert (mia["role"], mia["balance_minutes"], mia["lab"]) == ("member", "90", "lab-a")


class TestBookingsExport:
    def test_it_lists_the_periods_bookings_in_local_time(self, staff_client, world):
        laser = MachineFactory(lab=world.lab, name="=HYPERLINK(laser)")
        router = MachineFactory(lab=world.other_lab, name="Lab B router")
        booking(laser, world.member, paris(MONDAY, 10), 120, status=BookingStatus.CHECKED_IN)
        booking(laser, world.member, paris(dt.date(2026, 4, 1), 10), 60)
        booking(router, world.other_member, paris(MONDAY, 10), 60)

        _response, rows = download(staff_client, "bookings")
        assert len(rows) == 1
        row = rows[0]
        assert row["machine"] == "'=HYPERLINK(laser)"  # never a formula in a spreadsheet
        assert (row["start"], row["end"]) == ("2026-03-02T10:00+01:00", "2026-03-02T12:00+01:00")
        assert row["status"] == "checked_in"
        assert row["member_email"] == "member@example.org"


class TestLedgerExport:
    def test_it_lists_the_periods_entries(self, staff_client, world):
        with time_machine.travel(paris(MONDAY, 9), tick=False):
            ledger_write(user=world.member, lab=world.lab, minutes=120, kind=EntryKind.GRANT, memo="-welcome")
            ledger_write(user=world.other_member, lab=world.other_lab, minutes=60, kind=EntryKind.GRANT)
        with time_machine.travel(paris(dt.date(2026, 4, 2), 9), tick=False):
            ledger_write(user=world.member, lab=world.lab, minutes=30, kind=EntryKind.GRANT)

        _response, rows = download(staff_client, "ledger")
        assert [(row["member_email"], row["kind"], row["minutes"], row["memo"]) for row in rows] == [
            ("member@example.org", "grant", "120", "'-welcome")
        ]


class TestAttendanceExport:
    def test_it_lists_one_row_per_enrollment_of_the_periods_sessions(self, staff_client, world):
        course = CourseFactory(title="Laser basics")
        session = SessionFactory(course=course, lab=world.lab, start=paris(MONDAY, 14), trainer=world.trainer)
        later = SessionFactory(course=course, lab=world.lab, start=paris(dt.date(2026, 4, 14), 14))
        elsewhere = SessionFactory(course=course, lab=world.other_lab, start=paris(MONDAY, 14))
        Enrollment.objects.create(session=session, member=world.member, status=EnrollmentStatus.ATTENDED)
        Enrollment.objects.create(session=session, member=world.other_member, status=EnrollmentStatus.ABSENT)
        Enrollment.objects.create(session=later, member=world.member, status=EnrollmentStatus.CONFIRMED)
        Enrollment.objects.create(session=elsewhere, member=world.member, status=EnrollmentStatus.CONFIRMED)

        _response, rows = download(staff_client, "attendance")
        assert [(row["member_email"], row["enrollment_status"]) for row in rows] == [
            ("member@example.org", "attended"),
            ("other@example.org", "absent"),
        ]
        assert rows[0]["trainer_email"] == "trainer@example.org"
        assert rows[0]["session_start"] == "2026-03-02T14:00+01:00"


class TestWorkshopsExport:
    def test_it_lists_the_workshops_held_or_asked_for_in_the_period(self, staff_client, world, offer):
        school_workshop(offer, world.lab, pupils=25, status=HELD, start=paris(MONDAY, 9), school="École A")
        school_workshop(offer, world.lab, pupils=25, status=HELD, start=paris(dt.date(2026, 5, 4), 9), school="Later")
        school_workshop(offer, world.other_lab, pupils=25, status=HELD, start=paris(MONDAY, 9), school="Lab B school")
        with time_machine.travel(paris(dt.date(2026, 3, 10), 9), tick=False):
            school_workshop(offer, world.lab, pupils=12, status="requested", school="Asked in March")

        _response, rows = download(staff_client, "workshops")
        assert sorted(row["school"] for row in rows) == ["Asked in March", "École A"]
        assert next(row for row in rows if row["school"] == "École A")["pupils"] == "25"


class TestExportForm:
    def test_it_proposes_iso_dates_that_a_date_input_accepts_in_french_too(self, staff_client, world):
        world.staff.preferred_language = "fr"
        world.staff.save(update_fields=["preferred_language"])
        body = staff_client.get(URL).content.decode()
        assert '<html lang="fr">' in body
        assert 'type="date"' in body
        assert re.search(r'name="date_from" value="\d{4}-\d{2}-\d{2}"', body)
