import datetime as dt
import email
import zoneinfo

import pytest
import time_machine
from icalendar import Calendar

from bookings import calendar as feeds
from bookings.services import booking_cancel, booking_create
from fablab.core.errors import DomainError
from tests.bookings.conftest import NOW, utc

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def ics_of(message):
    """The booking.ics attachment of an outgoing message, parsed, and its mimetype."""
    [(filename, content, mimetype)] = message.attachments
    assert filename == "booking.ics"
    return Calendar.from_ical(content), mimetype


def only_event(calendar):
    [event] = calendar.walk("VEVENT")
    return event


@pytest.fixture
def confirmed(frozen_now, machine, member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(member=member, machine=machine, start=utc(2026, 3, 30, 8), end=utc(2026, 3, 30, 9))
    return booking


class TestConfirmationEmail:
    def test_it_carries_an_ics_request(self, confirmed, machine, member, mailoutbox):
        [message] = mailoutbox
        calendar, mimetype = ics_of(message)
        assert mimetype == "text/calendar; method=REQUEST"
        assert calendar["METHOD"] == "REQUEST"
        assert calendar["VERSION"] == "2.0"
        assert calendar["PRODID"] == feeds.PRODID
        assert calendar["X-WR-CALNAME"]
        event = only_event(calendar)
        assert str(event["UID"]) == feeds.calendar_uid("booking", confirmed.pk)
        assert str(event["SUMMARY"]) == f"Laser — {machine.lab.name}"
        assert event["STATUS"] == "CONFIRMED"
        assert event["SEQUENCE"] == 0
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        # 08:00 UTC on 30 March is 10:00 in Paris: summer time began on the 29th.
        assert event.decoded("DTSTART") == dt.datetime(2026, 3, 30, 10, tzinfo=PARIS)
        assert event.decoded("DTEND") == dt.datetime(2026, 3, 30, 11, tzinfo=PARIS)
        assert event["DTSTAMP"].to_ical() == b"20260323T080000Z"
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
        assert calendar.get_missing_tzids() == set()
        assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"

    def test_it_sends_the_method_in_the_mime_type(self, confirmed, mailoutbox):
        parsed = email.message_from_bytes(mailoutbox[0].message().as_bytes())
        [part] = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST"
        assert part.get_filename() == "booking.ics"
        assert Calendar.from_ical(part.get_payload(decode=True))["METHOD"] == "REQUEST"

    def test_it_names_the_lab_as_organizer(
        self, frozen_now, lab, machine, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        lab.email = "contact@rennes.example"
        lab.save(update_fields=["email"])
        with django_capture_on_commit_callbacks(execute=True):
            booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        event = only_event(ics_of(mailoutbox[0])[0])
        assert str(event["ORGANIZER"]) == "mailto:contact@rennes.example"
        assert event["ORGANIZER"].params["CN"] == lab.name

    def test_it_falls_back_to_the_platform_sender_without_a_lab_email(self, confirmed, mailoutbox, settings):
        event = only_event(ics_of(mailoutbox[0])[0])
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert str(event["ORGANIZER"])[len("mailto:") :] in settings.DEFAULT_FROM_EMAIL

    def test_it_sends_nothing_when_the_booking_is_refused(
        self, frozen_now, machine, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        with pytest.raises(DomainError), django_capture_on_commit_callbacks(execute=True):
            booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 3), end=utc(2026, 3, 24, 4))
        assert mailoutbox == []


class TestCancellationEmail:
    def test_it_carries_an_ics_cancel_with_a_bumped_sequence(
        self, confirmed, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        later = NOW + dt.timedelta(hours=2)
        with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=confirmed, by=member)
        assert len(mailoutbox) == 2
        calendar, mimetype = ics_of(mailoutbox[1])
        assert mimetype == "text/calendar; method=CANCEL"
        assert calendar["METHOD"] == "CANCEL"
        event = only_event(calendar)
        # The same event as the confirmation, one revision later.
        assert str(event["UID"]) == str(only_event(ics_of(mailoutbox[0])[0])["UID"])
        assert event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
        assert event["DTSTAMP"].to_ical() == b"20260323T100000Z"
        assert event.decoded("LAST-MODIFIED") == later
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]

    def test_it_keeps_the_reason_and_the_attachment(
        self, confirmed, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=confirmed, by=member, reason="Laser tube replaced")
        message = mailoutbox[1]
        assert "Laser tube replaced" in message.body
        assert ics_of(message)[0]["METHOD"] == "CANCEL"
