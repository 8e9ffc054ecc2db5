import datetime as dt

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from bookings.selectors import machine_availability
from fablab.core.cache import cached_value, machine_scope
from fablab.core.fields import AwareDateTimeField
from machines.models import Machine, MachineStatus
from machines.selectors import machines_for_public

MAX_AVAILABILITY_DAYS = 62
# Availability does not move with the clock: every write that changes it bumps a scope
# (bookings/invalidation.py), and this only bounds how long an evicted bump may go unseen.
AVAILABILITY_SECONDS = 600


class MachineSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Machine
        fields = [
            "id",
            "lab",
            "category",
            "category_name",
            "name",
            "slug",
            "description",
            "photo",
            "specifications",
            "status",
            "credits_per_hour",
            "slot_minutes",
            "min_minutes",
            "max_minutes",
            "buffer_minutes",
            "horizon_days",
            "min_notice_minutes",
            "weekly_quota_minutes",
            "cancellation_deadline_hours",
            "requires_qualification",
        ]


class MachineFilter(django_filters.FilterSet):
    lab = django_filters.CharFilter(field_name="lab__slug")
    category = django_filters.CharFilter(field_name="category__slug")
    status = django_filters.ChoiceFilter(choices=MachineStatus.choices)

    class Meta:
        model = Machine
        fields = ["lab", "category", "status"]


class AvailabilityQuery(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        if attrs["end"] - attrs["start"] > dt.timedelta(days=MAX_AVAILABILITY_DAYS):
            raise serializers.ValidationError({"end": f"Ask for at most {MAX_AVAILABILITY_DAYS} days at once."})
        return attrs


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class MachineViewSet(viewsets.ReadOnlyModelViewSet):
    """The machine catalogue of every lab, with booking rules and availability."""

    serializer_class = MachineSerializer
    permission_classes = [AllowAny]
    queryset = machines_for_public()
    filterset_class = MachineFilter

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, required=True, description="ISO 8601 with offset"),
            OpenApiParameter("end", str, required=True, description="ISO 8601 with offset"),
        ],
        responses=inline_serializer(
            "Availability",
            {
                "machine": serializers.IntegerField(),
                "free": IntervalSerializer(many=True),
                "busy": IntervalSerializer(many=True),
            },
        ),
    )
    @action(detail=True)
    def availability(self, request, pk=None):
        """Free and busy time of the machine between `start` and `end`.

        From opening hours, closures, bookings (buffers included) and maintenance.
        """
        query = AvailabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        # Keyed by the id in the URL, so that a hit reads no row: taking the machine off the
        # catalogue, closing its lab or changing the lab's hours bumps the machine's scope too.
        return Response(
            cached_value(
                ["availability", pk, start.isoformat(), end.isoformat()],
                [machine_scope(pk)],
                timeout=AVAILABILITY_SECONDS,
                build=lambda: _availability(self.get_object(), start, end),
            )
        )


def _availability(machine, start, end):
    availability = machine_availability(machine, start, end)
    return {
        "machine": machine.pk,
        "free": [_interval(start, end) for start, end in availability["free"]],
        "busy": [_interval(start, end) for start, end in availability["busy"]],
    }


def _interval(start, end):
    return {"start": start.astimezone(dt.UTC).isoformat(), "end": end.astimezone(dt.UTC).isoformat()}
