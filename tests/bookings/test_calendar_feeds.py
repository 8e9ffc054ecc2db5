import datetime as dt
import json
import shutil
import subprocess
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from icalendar import Calendar

from bookings import calendar as feeds
from bookings.models import Booking, BookingKind
from bookings.services import booking_cancel, booking_create
from fablab.accounts.services import account_erase, calendar_token_reset
from tests.bookings.conftest import NOW, utc
from tests.factories import (
    ClosureFactory,
    LabFactory,
    MachineFactory,
    MaintenanceWindowFactory,
    UserFactory,
    give_credits,
)

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
REPO = Path(__file__).resolve().parents[2]


def paris(*args):
    """A wall-clock time in the lab (Europe/Paris), as the UTC instant the services take."""
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


def book(member, machine, *start, minutes=60):
    start = paris(*start)
    return booking_create(member=member, machine=machine, start=start, end=start + dt.timedelta(minutes=minutes))


def book_nth(member, machine, n):
    """The n-th one-hour booking of a series: eight a day from Tuesday 24 March, 09:00."""
    return book(member, machine, 2026, 3, 24 + n // 8, 9 + n % 8)


def block(machine, start, end, note=""):
    """A staff block (no service writes blocks yet, so the row is made directly)."""
    return Booking.objects.create(
        machine=machine, kind=BookingKind.BLOCK, start=start, end=end, blocked_until=end, note=note
    )


def fetch(client, url, **headers):
    response = client.get(url, headers={"Accept-Language": "en", **headers})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def parse(response):
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == feeds.PRODID
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["X-WR-CALNAME"]
    return calendar


def events(calendar):
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(kind, pk):
    return feeds.calendar_uid(kind, pk)


def member_url(user):
    return f"/calendar/me/{user.calendar_token}.ics"


@pytest.fixture
def mia(lab):
    user = UserFactory(email="mia@example.org", full_name="Mia Maker")
    give_credits(user, lab, 6000)
    return user


@pytest.fixture
def oscar(lab):
    user = UserFactory(email="oscar@example.org", full_name="Oscar Other")
    give_credits(user, lab, 6000)
    return user


class TestMemberFeed:
    def test_it_lists_the_members_bookings_in_the_labs_time_zone(self, frozen_now, client, machine, mia):
        before_dst = book(mia, machine, 2026, 3, 24, 10)
        after_dst = book(mia, machine, 2026, 3, 30, 10)  # summer time since Sunday 29 March
        calendar = parse(fetch(client, member_url(mia)))
        found = events(calendar)
        assert set(found) == {uid("booking", before_dst.pk), uid("booking", after_dst.pk)}
        event = found[uid("booking", after_dst.pk)]
        assert str(event["SUMMARY"]) == f"Laser — {machine.lab.name}"
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTSTART") == dt.datetime(2026, 3, 30, 10, tzinfo=PARIS)
        assert event.decoded("DTSTART").astimezone(dt.UTC) == utc(2026, 3, 30, 8)
        assert event.decoded("DTEND") == dt.datetime(2026, 3, 30, 11, tzinfo=PARIS)
        assert event.decoded("DTSTAMP") == NOW
        assert event["DTSTAMP"].to_ical() == b"20260323T080000Z"  # UTC
        assert event.decoded("LAST-MODIFIED") == NOW
        assert event["STATUS"] == "CONFIRMED"
        assert event["SEQUENCE"] == 0
        assert str(event["LOCATION"]).startswith(machine.lab.name)
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert calendar.get_missing_tzids() == set()

    def test_it_gives_the_same_uids_and_etag_on_every_fetch(self, frozen_now, client, machine, mia):
        book(mia, machine, 2026, 3, 24, 10)
        first, second = fetch(client, member_url(mia)), fetch(client, member_url(mia))
        assert first.content == second.content
        assert set(events(parse(first))) == set(events(parse(second)))
        assert first["ETag"] == second["ETag"]

    def test_it_answers_304_when_the_feed_did_not_change(self, frozen_now, client, machine, mia):
        book(mia, machine, 2026, 3, 24, 10)
        etag = fetch(client, member_url(mia))["ETag"]
        response = client.get(member_url(mia), headers={"if-none-match": etag})
        assert response.status_code == 304
        assert response.content == b""
        book(mia, machine, 2026, 3, 25, 10)
        assert client.get(member_url(mia), headers={"if-none-match": etag}).status_code == 200

    def test_it_is_private_and_inline(self, frozen_now, client, mia):
        response = fetch(client, member_url(mia))
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        assert response["Content-Disposition"] == 'inline; filename="bookings.ics"'
        assert "noindex" in response["X-Robots-Tag"]

    def test_it_marks_a_cancelled_booking_and_bumps_its_sequence(self, frozen_now, client, machine, mia):
        booking = book(mia, machine, 2026, 3, 25, 10)
        booking_uid = uid("booking", booking.pk)
        assert events(parse(fetch(client, member_url(mia))))[booking_uid]["SEQUENCE"] == 0
        with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
            booking_cancel(booking=booking, by=mia)
            event = events(parse(fetch(client, member_url(mia))))[booking_uid]
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1
        assert event["TRANSP"] == "TRANSPARENT"
        assert event.decoded("LAST-MODIFIED") == NOW + dt.timedelta(hours=1)
        assert "Laser" in str(event["SUMMARY"])

    def test_it_never_shows_another_members_bookings(self, frozen_now, client, machine, mia, oscar):
        mine = book(mia, machine, 2026, 3, 24, 10)
        theirs = book(oscar, machine, 2026, 3, 24, 12)
        response = fetch(client, member_url(mia))
        assert set(events(parse(response))) == {uid("booking", mine.pk)}
        assert f"booking-{theirs.pk}@".encode() not in response.content
        assert b"Oscar" not in response.content

    def test_it_drops_bookings_ended_more_than_90_days_ago(self, frozen_now, client, machine, mia):
        book(mia, machine, 2026, 3, 24, 10)
        with time_machine.travel(NOW + dt.timedelta(days=89), tick=False):
            assert len(events(parse(fetch(client, member_url(mia))))) == 1
        with time_machine.travel(NOW + dt.timedelta(days=92), tick=False):
            assert len(events(parse(fetch(client, member_url(mia))))) == 0

    def test_it_shows_bookings_of_every_lab_each_in_its_zone(self, frozen_now, client, machine, mia):
        montreal = LabFactory(time_zone="America/Montreal", hours=[(day, "00:00", "23:59") for day in range(7)])
        printer = MachineFactory(lab=montreal, name="Printer")
        give_credits(mia, montreal, 600)
        book(mia, machine, 2026, 3, 24, 10)
        far = booking_create(member=mia, machine=printer, start=utc(2026, 3, 24, 14), end=utc(2026, 3, 24, 15))
        calendar = parse(fetch(client, member_url(mia)))
        assert sorted(tz.tz_name for tz in calendar.timezones) == ["America/Montreal", "Europe/Paris"]
        event = events(calendar)[uid("booking", far.pk)]
        assert event["DTSTART"].params["TZID"] == "America/Montreal"
        assert event.decoded("DTSTART").astimezone(dt.UTC) == utc(2026, 3, 24, 14)

    def test_it_is_404_once_the_token_is_revoked(self, frozen_now, client, mia):
        old_url = member_url(mia)
        fetch(client, old_url)
        calendar_token_reset(user=mia)
        assert client.get(old_url).status_code == 404
        fetch(client, member_url(mia))

    def test_it_is_404_for_an_erased_or_inactive_member(self, frozen_now, client, mia, oscar):
        url = member_url(mia)
        account_erase(user=mia)
        assert client.get(url).status_code == 404
        mia.refresh_from_db()
        assert client.get(member_url(mia)).status_code == 404
        oscar.is_active = False
        oscar.save(update_fields=["is_active"])
        assert client.get(member_url(oscar)).status_code == 404

    @pytest.mark.parametrize("token", ["unknown-token", "a" * 64, "a" * 65, "%00", "..", "x%2Fy", "é"])
    def test_it_is_404_for_an_unknown_or_malformed_token(self, client, mia, token):
        assert client.get(f"/calendar/me/{token}.ics").status_code == 404

    def test_it_refuses_writes(self, client, mia):
        assert client.post(member_url(mia)).status_code == 405
        assert client.head(member_url(mia)).status_code == 200

    def test_it_runs_the_same_queries_for_2_or_20_bookings(
        self, frozen_now, client, machine, mia, django_assert_num_queries
    ):
        for n in range(2):
            book_nth(mia, machine, n)
        with django_assert_num_queries(2):  # the member, the bookings with machine and lab
            fetch(client, member_url(mia))
        for n in range(2, 20):
            book_nth(mia, machine, n)
        with django_assert_num_queries(2):
            response = fetch(client, member_url(mia))
        assert len(events(parse(response))) == 20


class TestMachineFeed:
    def test_it_shows_bookings_and_blocks_as_busy_time_without_names(self, frozen_now, client, machine, mia):
        machine.buffer_minutes = 30
        machine.save(update_fields=["buffer_minutes"])
        booking = book(mia, machine, 2026, 3, 24, 10)
        staff_block = block(machine, paris(2026, 3, 25, 14), paris(2026, 3, 25, 16), note="Kept for Mia Maker")
        response = fetch(client, f"/calendar/machines/{machine.pk}.ics")
        calendar = parse(response)
        found = events(calendar)
        assert set(found) == {
            uid("machine-busy", booking.pk),
            uid("machine-busy", staff_block.pk),
        }
        event = found[uid("machine-busy", booking.pk)]
        assert str(event["SUMMARY"]) == "Busy"
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTSTART") == dt.datetime(2026, 3, 24, 10, tzinfo=PARIS)
        # The buffer after the booking is busy time too.
        assert event.decoded("DTEND") == dt.datetime(2026, 3, 24, 11, 30, tzinfo=PARIS)
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert str(calendar["X-WR-CALNAME"]) == f"Laser — {machine.lab.name}"
        for secret in (b"Mia", b"Maker", b"mia@example.org", b"ATTENDEE", b"ORGANIZER", b"Kept for"):
            assert secret not in response.content

    def test_it_shows_maintenance(self, frozen_now, client, machine):
        window = MaintenanceWindowFactory(machine=machine, start=utc(2026, 3, 26, 8), end=utc(2026, 3, 26, 12))
        event = events(parse(fetch(client, f"/calendar/machines/{machine.pk}.ics")))[uid("maintenance", window.pk)]
        assert str(event["SUMMARY"]) == "Maintenance"
        assert "Lens" not in str(event.to_ical())

    def test_it_drops_cancelled_bookings_and_other_machines(self, frozen_now, client, lab, machine, mia):
        cancelled = book(mia, machine, 2026, 3, 25, 10)
        booking_cancel(booking=cancelled, by=mia)
        book(mia, MachineFactory(lab=lab), 2026, 3, 25, 10)
        kept = book(mia, machine, 2026, 3, 26, 10)
        assert set(events(parse(fetch(client, f"/calendar/machines/{machine.pk}.ics")))) == {
            uid("machine-busy", kept.pk)
        }

    def test_it_covers_30_days_back_to_180_days_ahead(self, frozen_now, client, machine):
        block(machine, NOW - dt.timedelta(days=31), NOW - dt.timedelta(days=31) + dt.timedelta(hours=1))
        recent = block(machine, NOW - dt.timedelta(days=29), NOW - dt.timedelta(days=29) + dt.timedelta(hours=1))
        late = block(machine, NOW + dt.timedelta(days=179), NOW + dt.timedelta(days=179, hours=1))
        block(machine, NOW + dt.timedelta(days=181), NOW + dt.timedelta(days=181, hours=1))
        calendar = parse(fetch(client, f"/calendar/machines/{machine.pk}.ics"))
        assert set(events(calendar)) == {uid("machine-busy", recent.pk), uid("machine-busy", late.pk)}
        assert calendar.get_missing_tzids() == set()

    def test_it_is_public_and_cacheable(self, frozen_now, client, machine):
        response = fetch(client, f"/calendar/machines/{machine.pk}.ics")
        assert "public" in response["Cache-Control"]
        assert "max-age=300" in response["Cache-Control"]
        assert response["ETag"]
        assert response["Content-Disposition"] == 'inline; filename="rennes-laser.ics"'
        assert (
            client.get(f"/calendar/machines/{machine.pk}.ics", headers={"if-none-match": response["ETag"]}).status_code
            == 304
        )

    def test_it_still_has_its_time_zone_with_no_bookings(self, frozen_now, client, machine):
        calendar = parse(fetch(client, f"/calendar/machines/{machine.pk}.ics"))
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]

    def test_it_is_404_for_a_hidden_machine_an_inactive_lab_or_an_unknown_id(self, client, lab, machine):
        hidden = MachineFactory(lab=lab, is_public=False)
        closed_lab_machine = MachineFactory(lab=LabFactory(is_active=False))
        for pk in (hidden.pk, closed_lab_machine.pk, 999999, 10**30):
            assert client.get(f"/calendar/machines/{pk}.ics").status_code == 404
        assert client.get("/calendar/machines/abc.ics").status_code == 404

    def test_it_runs_the_same_queries_for_2_or_20_bookings(
        self, frozen_now, client, machine, mia, django_assert_num_queries
    ):
        url = f"/calendar/machines/{machine.pk}.ics"
        for n in range(2):
            book_nth(mia, machine, n)
        with django_assert_num_queries(3):  # the machine with its lab, the bookings, maintenance
            fetch(client, url)
        for n in range(2, 20):
            book_nth(mia, machine, n)
        with django_assert_num_queries(3):
            response = fetch(client, url)
        assert len(events(parse(response))) == 20


class TestLabFeed:
    def test_it_lists_closures_as_all_day_events(self, frozen_now, client, lab):
        easter = ClosureFactory(lab=lab, first_day=dt.date(2026, 4, 5), last_day=dt.date(2026, 4, 6), reason="Easter")
        ClosureFactory(lab=LabFactory(), first_day=dt.date(2026, 4, 5))
        response = fetch(client, "/calendar/labs/rennes.ics")
        calendar = parse(response)
        found = events(calendar)
        assert list(found) == [uid("closure", easter.pk)]
        event = found[uid("closure", easter.pk)]
        assert event.decoded("DTSTART") == dt.date(2026, 4, 5)
        assert event.decoded("DTEND") == dt.date(2026, 4, 7)  # exclusive
        assert b"DTSTART;VALUE=DATE:20260405" in response.content
        assert b"DTEND;VALUE=DATE:20260407" in response.content
        assert "Easter" in str(event["SUMMARY"])
        assert event["TRANSP"] == "TRANSPARENT"
        # Closures keep no change time: stamped with the start of the day, so the feed stays stable.
        assert event["DTSTAMP"].to_ical() == b"20260323T000000Z"
        assert "LAST-MODIFIED" not in event
        assert fetch(client, "/calendar/labs/rennes.ics")["ETag"] == response["ETag"]
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert "public" in response["Cache-Control"]
        assert response["Content-Disposition"] == 'inline; filename="rennes.ics"'

    def test_it_drops_closures_over_for_more_than_90_days(self, frozen_now, client, lab):
        ClosureFactory(lab=lab, first_day=dt.date(2025, 12, 1), last_day=dt.date(2025, 12, 2))
        recent = ClosureFactory(lab=lab, first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 1, 1))
        assert set(events(parse(fetch(client, "/calendar/labs/rennes.ics")))) == {uid("closure", recent.pk)}

    def test_it_adds_the_events_of_registered_sources(self, frozen_now, client, lab, monkeypatch):
        monkeypatch.setattr(feeds, "_lab_event_sources", [])
        calls = []

        def sessions(source_lab, *, since, until):
            calls.append((source_lab, since, until))
            yield feeds.LabEvent(
                uid=feeds.calendar_uid("training-session", 7),
                summary="Laser safety",
                start=utc(2026, 4, 2, 16),
                end=utc(2026, 4, 2, 18),
                description="Bring closed shoes.",
                url="https://fablab.example/trainings/7/",
                sequence=2,
                last_modified=NOW,
            )

        assert feeds.register_lab_event_source(sessions) is sessions
        feeds.register_lab_event_source(sessions)  # twice: still once
        event = events(parse(fetch(client, "/calendar/labs/rennes.ics")))[uid("training-session", 7)]
        assert calls == [(lab, NOW - dt.timedelta(days=90), NOW + dt.timedelta(days=365))]
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTSTART") == dt.datetime(2026, 4, 2, 18, tzinfo=PARIS)
        assert event["SEQUENCE"] == 2
        assert str(event["DESCRIPTION"]) == "Bring closed shoes."

    def test_it_is_404_for_an_unknown_or_inactive_lab(self, client, lab):
        LabFactory(slug="closed", is_active=False)
        for slug in ("nowhere", "closed", "rennes%00", "r%C3%A9nnes"):
            assert client.get(f"/calendar/labs/{slug}.ics").status_code == 404

    def test_it_runs_the_same_queries_for_2_or_20_closures(
        self, frozen_now, client, lab, monkeypatch, django_assert_num_queries
    ):
        monkeypatch.setattr(feeds, "_lab_event_sources", [])  # sources answer for their own queries
        for week in range(2):
            ClosureFactory(lab=lab, first_day=dt.date(2026, 4, 1) + dt.timedelta(weeks=week))
        with django_assert_num_queries(2):  # the lab, its closures
            fetch(client, "/calendar/labs/rennes.ics")
        for week in range(2, 20):
            ClosureFactory(lab=lab, first_day=dt.date(2026, 4, 1) + dt.timedelta(weeks=week))
        with django_assert_num_queries(2):
            assert len(events(parse(fetch(client, "/calendar/labs/rennes.ics")))) == 20


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
class TestFeedsParseWithIcalJs:
    def parse_with_ical_js(self, tmp_path, response):
        path = tmp_path / "feed.ics"
        path.write_bytes(response.content)
        result = subprocess.run(
            ["node", str(REPO / "tests/js/parse_ics.mjs"), str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def test_it_reads_every_feed(self, frozen_now, tmp_path, client, lab, machine, mia):
        first = book(mia, machine, 2026, 3, 24, 10)
        book(mia, machine, 2026, 3, 30, 10)
        booking_cancel(booking=first, by=mia)
        block(machine, paris(2026, 3, 31, 9), paris(2026, 3, 31, 12))
        ClosureFactory(lab=lab, first_day=dt.date(2026, 4, 5), last_day=dt.date(2026, 4, 6))

        personal = self.parse_with_ical_js(tmp_path, fetch(client, member_url(mia)))
        assert personal["version"] == "2.0"
        assert personal["timezones"] == ["Europe/Paris"]
        assert len(personal["events"]) == 2
        by_status = {event["status"]: event for event in personal["events"]}
        assert by_status["CANCELLED"]["sequence"] == 1
        # ical.js resolves the wall-clock time with our VTIMEZONE: summer time from 29 March.
        assert by_status["CONFIRMED"]["tzid"] == "Europe/Paris"
        assert by_status["CONFIRMED"]["start"] == "2026-03-30T08:00:00.000Z"

        busy = self.parse_with_ical_js(tmp_path, fetch(client, f"/calendar/machines/{machine.pk}.ics"))
        assert [event["summary"] for event in busy["events"]] == ["Busy", "Busy"]
        assert busy["events"][1]["start"] == "2026-03-31T07:00:00.000Z"

        public = self.parse_with_ical_js(tmp_path, fetch(client, "/calendar/labs/rennes.ics"))
        assert public["timezones"] == ["Europe/Paris"]
        assert [(e["all_day"], e["start"], e["end"]) for e in public["events"]] == [(True, "2026-04-05", "2026-04-07")]
