"""iCalendar (RFC 5545) feeds of bookings, and the .ics attached to booking emails.

Three feeds that calendar apps poll, and one single-event calendar per email:

- a member's own bookings, behind the secret, revocable `User.calendar_token`;
- a machine's busy times: when it is booked, blocked or in maintenance, never by whom;
- a lab's public events: its closures, plus what higher layers (trainings,
  workshops) add through `register_lab_event_source`, since this app may not
  import them;
- a METHOD:REQUEST / METHOD:CANCEL calendar (RFC 5546) for the confirmation and
  cancellation emails.

Every event carries its lab's time zone (TZID, with its VTIMEZONE) so that it
shows at the right wall-clock time across daylight-saving changes.

Feeds must be byte-identical between two polls when nothing changed, because
their ETag is a hash of the content: DTSTAMP is therefore the event's last
change, as RFC 5545 (3.8.7.2) allows for a calendar without METHOD, never "now".
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration

from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from fablab.accounts.models import User
from fablab.core.cache import cached_public, lab_scope, machine_scope
from fablab.labs.models import Lab
from machines.models import Machine, MaintenanceWindow

PRODID = "-//Fab Lab platform//Bookings//EN"
# How often we ask subscribed calendar apps to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = dt.timedelta(hours=1)
MEMBER_FEED_PAST = dt.timedelta(days=90)
MACHINE_FEED_PAST = dt.timedelta(days=30)
MACHINE_FEED_AHEAD = dt.timedelta(days=180)
LAB_FEED_PAST = dt.timedelta(days=90)
LAB_FEED_AHEAD = dt.timedelta(days=365)
FEED_MAX_AGE_SECONDS = 300
# What the busy feed reads of a booking: nothing about the member.
BUSY_FIELDS = (
    "pk",
    "start",
    "end",
    "blocked_until",
    "status",
    "sequence",
    "created_at",
    "cancelled_at",
    "checked_in_at",
)


# ---------------------------------------------------------------------------
# Lab event sources: the hook for higher layers


@dataclass(frozen=True)
class LabEvent:
    """A public event of a lab, as a lab event source reports it.

    `start` and `end` are both dates (an all-day event; `end` is the exclusive
    next day) or both aware datetimes (shown in the lab's time zone). `uid` must
    be stable and globally unique: build it with `calendar_uid("training-session", pk)`.
    """

    uid: str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0
    last_modified: dt.datetime | None = None
    # Transparent events (a closure, a public talk) do not mark subscribers as busy.
    transparent: bool = False


# A source is called as `source(lab, since=<aware datetime>, until=<aware datetime>)`
# and returns the LabEvents overlapping that window, in a constant number of queries.
LabEventSource = Callable[..., Iterable[LabEvent]]
_lab_event_sources: list[LabEventSource] = []


def register_lab_event_source(source: LabEventSource) -> LabEventSource:
    """Add `source`'s events to every lab feed (call it from an AppConfig.ready()).

    Registering the same callable twice is a no-op; returns `source`, so it can
    be used as a decorator.
    """
    if source not in _lab_event_sources:
        _lab_event_sources.append(source)
    return source


# ---------------------------------------------------------------------------
# Building blocks


def calendar_uid(kind: str, pk) -> str:
    """A UID that stays the same for the object's whole life, e.g. booking-12@fablab.example."""
    domain = getattr(settings, "CALENDAR_UID_DOMAIN", "") or urlsplit(settings.SITE_URL).hostname
    return f"{kind}-{pk}@{domain or 'fablab.invalid'}"


def booking_uid(booking) -> str:
    return calendar_uid("booking", booking.pk)


def booking_last_modified(booking) -> dt.datetime:
    """When the booking last changed: the model keeps no updated_at, so the latest known event."""
    return max(t for t in (booking.created_at, booking.cancelled_at, booking.checked_in_at) if t)


def lab_location(lab) -> str:
    return ", ".join([lab.name, *lab.address_lines])


def booking_title(booking) -> str:
    return f"{booking.machine.name} — {booking.machine.lab.name}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _new_calendar(name: str, *, method: str | None = None, feed: bool = True) -> Calendar:
    calendar = Calendar()
    calendar.prodid = PRODID
    calendar.version = "2.0"
    calendar.calscale = "GREGORIAN"
    if method:
        calendar.method = method
    calendar.calendar_name = name  # NAME and X-WR-CALNAME
    if feed:
        # RFC 7986 wants VALUE=DURATION spelled out; Outlook reads X-PUBLISHED-TTL instead.
        calendar.add("REFRESH-INTERVAL", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    return calendar


def _new_event(*, uid, start, end, stamp, last_modified, summary, status, sequence=0, transparent=False):
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", _utc(stamp))
    event.add("DTSTART", start)
    event.add("DTEND", end)
    event.add("SUMMARY", summary)
    event.add("STATUS", status)
    event.add("SEQUENCE", sequence)
    if last_modified:
        event.add("LAST-MODIFIED", _utc(last_modified))
    event.add("TRANSP", "TRANSPARENT" if transparent else "OPAQUE")
    return event


def _booking_event(booking, *, summary, stamp, uid=None, end=None, status=None):
    """A booking's VEVENT, in its lab's time zone. `end` lets the busy feed include the buffer."""
    tz = booking.machine.lab.tz
    cancelled = status == "CANCELLED" if status else booking.status == BookingStatus.CANCELLED
    if status is None:
        # A waiting-list offer is not the member's booking until they accept it.
        status = "TENTATIVE" if booking.status == BookingStatus.HELD else None
    return _new_event(
        uid=uid or booking_uid(booking),
        start=booking.start.astimezone(tz),
        end=(end or booking.end).astimezone(tz),
        stamp=stamp,
        last_modified=booking_last_modified(booking),
        summary=summary,
        status="CANCELLED" if cancelled else (status or "CONFIRMED"),
        sequence=booking.sequence,
        transparent=cancelled,
    )


def _day_span(calendar: Calendar, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day the VTIMEZONEs must cover: whole years around every event."""
    days = [today]
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            value = event.decoded(name)
            days.append(value.date() if isinstance(value, dt.datetime) else value)
    return dt.date(min(days).year, 1, 1), dt.date(max(days).year + 1, 1, 1)


def _add_time_zones(calendar: Calendar, *home_zones: str) -> None:
    """Add a VTIMEZONE for every TZID the events use, and for the feed's home zones.

    Like `Calendar.add_missing_timezones()`, but limited to the years the events
    span (the default 1970–2038 table costs 2 kB per zone per poll) and in a
    sorted order: the output must not depend on set iteration order, or the
    ETag would differ between web processes.
    """
    first, last = _day_span(calendar, timezone.now().date())
    present = {tz.tz_name for tz in calendar.timezones}
    missing = (calendar.get_missing_tzids() | set(home_zones)) - present
    for index, tzid in enumerate(sorted(missing)):
        calendar.subcomponents.insert(index, Timezone.from_tzid(tzid, first_date=first, last_date=last))


# ---------------------------------------------------------------------------
# The calendars


def member_calendar(member, *, now=None) -> Calendar:
    """A member's bookings that ended in the last 90 days or later, cancelled ones included.

    Cancelled bookings stay (STATUS:CANCELLED) so calendar apps remove them
    instead of keeping a stale copy. No-shows are left out, as in the member's
    booking list. One query (the member comes from the caller).
    """
    now = now or timezone.now()
    bookings = (
        Booking.objects.filter(
            member=member,
            end__gte=now - MEMBER_FEED_PAST,
            status__in=[*ACTIVE_STATUSES, BookingStatus.CANCELLED],
        )
        .select_related("machine__lab")
        .order_by("start", "pk")
    )
    with translation.override(member.preferred_language):
        calendar = _new_calendar(_("My Fab Lab bookings"))
        for booking in bookings:
            title = booking_title(booking)
            if booking.status == BookingStatus.CANCELLED:
                # Some apps show cancelled events of a subscription anyway; say it in the title too.
                title = _("Cancelled: %(title)s") % {"title": title}
            event = _booking_event(booking, summary=title, stamp=booking_last_modified(booking))
            event.add("LOCATION", lab_location(booking.machine.lab))
            event.add("CREATED", _utc(booking.created_at))
            calendar.add_component(event)
    _add_time_zones(calendar)
    return calendar


def machine_busy_calendar(machine, *, now=None) -> Calendar:
    """When `machine` is held, from 30 days ago to 180 days ahead, without saying by whom.

    Bookings and staff blocks both read "Busy" (in the active language) and
    include the buffer after them, as the availability API does; maintenance
    windows read "Maintenance". Nothing about the member is read from the
    database. `machine` comes with its lab; two queries.
    """
    now = now or timezone.now()
    since, until = now - MACHINE_FEED_PAST, now + MACHINE_FEED_AHEAD
    lab = machine.lab
    tz = lab.tz
    bookings = (
        Booking.objects.filter(machine=machine, status__in=ACTIVE_STATUSES, start__lt=until, blocked_until__gt=since)
        .only(*BUSY_FIELDS)
        .order_by("start", "pk")
    )
    windows = MaintenanceWindow.objects.filter(machine=machine, start__lt=until, end__gt=since).order_by("start", "pk")
    calendar = _new_calendar(f"{machine.name} — {lab.name}")
    calendar.add("X-WR-TIMEZONE", lab.time_zone)
    location = lab_location(lab)
    for booking in bookings:
        booking.machine = machine  # already loaded: no query per booking
        event = _booking_event(
            booking,
            summary=_("Busy"),
            stamp=booking_last_modified(booking),
            # Not the member's UID: busy time is another event, in another calendar.
            uid=calendar_uid("machine-busy", booking.pk),
            end=booking.blocked_until,
        )
        event.add("LOCATION", location)
        calendar.add_component(event)
    for window in windows:
        event = _new_event(
            uid=calendar_uid("maintenance", window.pk),
            start=window.start.astimezone(tz),
            end=window.end.astimezone(tz),
            stamp=window.created_at,
            last_modified=window.created_at,
            summary=_("Maintenance"),
            status="CONFIRMED",
        )
        event.add("LOCATION", location)
        calendar.add_component(event)
    _add_time_zones(calendar, lab.time_zone)
    return calendar


def _closure_events(lab, *, since, until):
    tz = lab.tz
    closures = lab.closures.filter(
        last_day__gte=since.astimezone(tz).date(), first_day__lte=until.astimezone(tz).date()
    ).order_by("first_day", "pk")
    for closure in closures:
        summary = _("Closed: %(reason)s") % {"reason": closure.reason} if closure.reason else _("Closed")
        yield LabEvent(
            uid=calendar_uid("closure", closure.pk),
            summary=summary,
            start=closure.first_day,
            end=closure.last_day + dt.timedelta(days=1),
            transparent=True,
        )


def lab_events_calendar(lab, *, now=None) -> Calendar:
    """A lab's public events (closures, and what registered sources add), 90 days back to a year ahead."""
    now = now or timezone.now()
    since, until = now - LAB_FEED_PAST, now + LAB_FEED_AHEAD
    tz = lab.tz
    location = lab_location(lab)
    calendar = _new_calendar(lab.name)
    calendar.add("X-WR-TIMEZONE", lab.time_zone)
    # For events that keep no change time (closures): the start of today, so that
    # the feed, and its ETag, change at most once a day when nothing else does.
    fallback_stamp = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    sources = [_closure_events, *_lab_event_sources]
    for source in sources:
        for item in source(lab, since=since, until=until):
            start, end = item.start, item.end
            if isinstance(start, dt.datetime):
                start, end = start.astimezone(tz), end.astimezone(tz)
            event = _new_event(
                uid=item.uid,
                start=start,
                end=end,
                stamp=item.last_modified or fallback_stamp,
                last_modified=item.last_modified,
                summary=item.summary,
                status="CANCELLED" if item.cancelled else "CONFIRMED",
                sequence=item.sequence,
                transparent=item.transparent,
            )
            event.add("LOCATION", item.location or location)
            if item.description:
                event.add("DESCRIPTION", item.description)
            if item.url:
                event.add("URL", item.url)
            calendar.add_component(event)
    _add_time_zones(calendar, lab.time_zone)
    return calendar


def booking_message_calendar(booking, *, method: str) -> Calendar:
    """The iTIP (RFC 5546) calendar of one booking: METHOD REQUEST on confirmation, CANCEL on cancellation.

    The UID is the one of the member's feed, so mail clients update the same
    event; SEQUENCE grows with each change (the services bump it).
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported iTIP method {method!r}")
    lab = booking.machine.lab
    member = booking.member
    with translation.override(member.preferred_language):
        title = booking_title(booking)
        calendar = _new_calendar(title, method=method, feed=False)
        # A CANCEL message carries STATUS:CANCELLED whatever state the caller's row is in.
        status = "CANCELLED" if method == "CANCEL" else None
        event = _booking_event(booking, summary=title, stamp=timezone.now(), status=status)
    event.add("LOCATION", lab_location(lab))
    event.add("CREATED", _utc(booking.created_at))
    # RFC 5546 requires an ORGANIZER; without a lab address, the platform's sender stands in.
    organizer_email = lab.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    event.add("ORGANIZER", vCalAddress.new(organizer_email, cn=lab.name))
    event.add(
        "ATTENDEE",
        vCalAddress.new(
            member.email,
            cn=member.full_name or member.email,
            role="REQ-PARTICIPANT",
            partstat="ACCEPTED",
            rsvp=False,
        ),
    )
    calendar.add_component(event)
    _add_time_zones(calendar)
    return calendar


def booking_ics_attachment(booking, *, method: str) -> tuple[str, str, str]:
    """[filename, content, mimetype] for `fablab.notifications.services.notify(attachments=...)`."""
    content = booking_message_calendar(booking, method=method).to_ical().decode("utf-8")
    return "booking.ics", content, f"text/calendar; method={method}"


def event_ics_attachment(
    *, uid, summary, start, end, lab, attendee, method, sequence=0, url="", description=""
) -> tuple[str, str, str]:
    """An iTIP message for one event of `lab` that `attendee` takes part in (a training seat).

    Same shape as a booking's message: METHOD REQUEST or CANCEL, the lab as
    ORGANIZER, the attendee, its zone's VTIMEZONE. Returns the attachment triple.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported iTIP method {method!r}")
    calendar = _new_calendar(summary, method=method, feed=False)
    event = _new_event(
        uid=uid,
        start=start.astimezone(lab.tz),
        end=end.astimezone(lab.tz),
        stamp=timezone.now(),
        last_modified=None,
        summary=summary,
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
        sequence=sequence,
        transparent=method == "CANCEL",
    )
    event.add("LOCATION", lab_location(lab))
    if description:
        event.add("DESCRIPTION", description)
    if url:
        event.add("URL", url)
    organizer_email = lab.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    event.add("ORGANIZER", vCalAddress.new(organizer_email, cn=lab.name))
    event.add(
        "ATTENDEE",
        vCalAddress.new(
            attendee.email,
            cn=attendee.full_name or attendee.email,
            role="REQ-PARTICIPANT",
            partstat="ACCEPTED",
            rsvp=False,
        ),
    )
    calendar.add_component(event)
    _add_time_zones(calendar)
    return "event.ics", calendar.to_ical().decode("utf-8"), f"text/calendar; method={method}"


# ---------------------------------------------------------------------------
# Views (URLs in bookings/calendar_urls.py)


def _ics_response(request, calendar: Calendar, *, filename: str, private: bool) -> HttpResponse:
    """The feed with a content ETag, so polling apps get a 304 when nothing changed."""
    body = calendar.to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(False, filename)
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    response.headers["ETag"] = etag
    if private:
        # The URL is a secret: no shared cache keeps it, no search engine lists it.
        patch_cache_control(response, private=True, max_age=FEED_MAX_AGE_SECONDS)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    else:
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE_SECONDS)
    # No Last-Modified: removed events (a deleted closure, a booking leaving the
    # window) do not move any timestamp forward, so only the content hash is exact.
    return get_conditional_response(request, etag=etag, response=response)


@require_safe
def member_feed(request, token):
    member = get_object_or_404(User, calendar_token=token, is_active=True, erased_at__isnull=True)
    return _ics_response(request, member_calendar(member), filename="bookings.ics", private=True)


@require_safe
@cached_public(lambda request, pk: [machine_scope(pk)], timeout=FEED_MAX_AGE_SECONDS, max_age=FEED_MAX_AGE_SECONDS)
def machine_feed(request, pk):
    machine = get_object_or_404(Machine.objects.select_related("lab"), pk=pk, is_public=True, lab__is_active=True)
    calendar = machine_busy_calendar(machine)
    return _ics_response(request, calendar, filename=f"{machine.lab.slug}-{machine.slug}.ics", private=False)


@require_safe
@cached_public(
    lambda request, slug: [lab_scope(slug)], timeout=FEED_MAX_AGE_SECONDS, max_age=FEED_MAX_AGE_SECONDS, per_day=True
)
def lab_feed(request, slug):
    lab = get_object_or_404(Lab, slug=slug, is_active=True)
    return _ics_response(request, lab_events_calendar(lab), filename=f"{lab.slug}.ics", private=False)
