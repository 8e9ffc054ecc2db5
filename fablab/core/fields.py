import datetime as dt

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 instant that must carry its UTC offset: a naive time is ambiguous across labs."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, for example 2026-05-04T10:00:00+02:00."),
        "invalid": _("Not a date and time in ISO 8601 format."),
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if parsed.tzinfo is None:
            self.fail("naive")
        return parsed

    def to_representation(self, value):
        return value.astimezone(dt.UTC).isoformat() if value else None
