"""Training sessions in their lab's public iCal feed (bookings/calendar.py's event sources)."""

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from bookings import calendar as feeds
from tests.factories import LabFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.calendar import sessions_as_lab_events
from training.models import SessionStatus

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def registered(monkeypatch):
    """The source registered on a fresh registry, as TrainingConfig.ready() would; put back after the test."""
    monkeypatch.setattr(feeds, "_lab_event_sources", [])
    feeds.register_lab_event_source(sessions_as_lab_events)


def feed_events(client, slug="rennes"):
    response = client.get(f"/calendar/labs/{slug}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(session):
    return feeds.calendar_uid("training-session", session.pk)


class TestSessionsInTheLabFeed:
    def test_it_adds_scheduled_sessions_with_their_course_title_and_page(self, client, registered, session):
        session.course.description = "Bring closed shoes."
        session.course.save()
        event = feed_events(client)[uid(session)]
        assert str(event["SUMMARY"]) == session.course.title
        assert event.decoded("DTSTART") == dt.datetime(2026, 3, 26, 14, tzinfo=PARIS)
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTEND") == dt.datetime(2026, 3, 26, 16, tzinfo=PARIS)
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["URL"]) == settings.SITE_URL.rstrip("/") + reverse("training:session", args=[session.pk])
        assert str(event["DESCRIPTION"]) == "Bring closed shoes."

    def test_a_cancelled_session_is_marked_cancelled(self, client, registered, session):
        session.status = SessionStatus.CANCELLED
        session.save()
        event = feed_events(client)[uid(session)]
        assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)

    def test_it_leaves_out_other_labs_unpublished_courses_and_old_sessions(self, client, registered, session, lab):
        elsewhere = SessionFactory(course=session.course, lab=LabFactory(slug="maurepas"))
        hidden = SessionFactory(course=CourseFactory(is_published=False), lab=lab)
        old = SessionFactory(course=session.course, lab=lab, start=utc(2025, 12, 1, 13))
        uids = set(feed_events(client))
        assert uid(session) in uids
        assert not {uid(elsewhere), uid(hidden), uid(old)} & uids

    def test_it_runs_one_query_for_any_number_of_sessions(self, frozen_now, lab, course, django_assert_num_queries):
        for day in range(20):
            SessionFactory(course=course, lab=lab, start=utc(2026, 4, 1, 8) + dt.timedelta(days=day))
        since, until = frozen_now - dt.timedelta(days=90), frozen_now + dt.timedelta(days=365)
        with django_assert_num_queries(1):
            assert len(list(sessions_as_lab_events(lab, since=since, until=until))) == 20

    def test_the_feed_is_the_same_between_two_polls(self, client, registered, session):
        first = client.get("/calendar/labs/rennes.ics")
        assert client.get("/calendar/labs/rennes.ics")["ETag"] == first["ETag"]
