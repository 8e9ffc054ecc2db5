"""Calendar feeds (RFC 5545), mounted at /calendar/. Public contract: keep these paths stable."""

from django.urls import path, re_path

from bookings import calendar

app_name = "calendar"

urlpatterns = [
    # The token's own alphabet (secrets.token_urlsafe): anything else is a 404 before any query.
    re_path(r"^me/(?P<token>[A-Za-z0-9_-]{1,64})\.ics$", calendar.member_feed, name="member"),
    path("machines/<int:pk>.ics", calendar.machine_feed, name="machine"),
    path("labs/<slug:slug>.ics", calendar.lab_feed, name="lab"),
]
