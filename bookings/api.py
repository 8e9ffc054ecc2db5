import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bookings.models import Booking, BookingStatus, WaitlistEntry
from bookings.selectors import bookings_visible_to
from bookings.services import (
    block_create,
    block_series_create,
    booking_cancel,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
)
from bookings.waitlist import waitlist_join, waitlist_leave, waitlist_offer_accept, waitlist_offer_decline
from fablab.accounts.models import User
from fablab.core.fields import AwareDateTimeField
from fablab.labs.permissions import Action, user_can
from machines.selectors import machines_for_public


class BookingSerializer(serializers.ModelSerializer):
    machine = serializers.PrimaryKeyRelatedField(queryset=machines_for_public())
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    member = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text=_("Staff only: book on behalf of this member."),
    )
    lab = serializers.SlugRelatedField(source="machine.lab", slug_field="slug", read_only=True)
    machine_name = serializers.CharField(source="machine.name", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "machine",
            "machine_name",
            "lab",
            "member",
            "start",
            "end",
            "status",
            "credits_minutes",
            "refunded_minutes",
            "note",
            "kind",
            "check_in_code",
            "hold_expires_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "credits_minutes",
            "refunded_minutes",
            "kind",
            "check_in_code",
            "hold_expires_at",
        ]


class BookingFilter(django_filters.FilterSet):
    machine = django_filters.NumberFilter(field_name="machine_id")
    lab = django_filters.CharFilter(field_name="machine__lab__slug")
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)
    start_after = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["machine", "lab", "status", "start_after", "start_before"]


class BookingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Members' own bookings; staff see and manage those of their labs."""

    serializer_class = BookingSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = BookingFilter
    queryset = Booking.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return bookings_visible_to(self.request.user).order_by("start", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        member = data.get("member", self.request.user)
        if member != self.request.user and not user_can(
            self.request.user, Action.MANAGE_BOOKINGS, data["machine"].lab_id
        ):
            raise PermissionDenied(_("Only the lab's staff can book for someone else."))
        serializer.instance = booking_create(
            member=member,
            machine=data["machine"],
            start=data["start"],
            end=data["end"],
            by=self.request.user,
            note=data.get("note", ""),
        )

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the booking; credits come back per the machine's deadline and the lab's policy."""
        booking = get_object_or_404(self.get_queryset(), pk=pk)
        booking = booking_cancel(booking=booking, by=request.user)
        return Response(BookingSerializer(booking).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Staff: the member has arrived (from 30 minutes before the start until the end)."""
        booking = booking_check_in(booking=get_object_or_404(self.get_queryset(), pk=pk), by=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        """Staff: the member did not come; the slot is freed and the lab's late policy refunds."""
        booking = booking_mark_no_show(booking=get_object_or_404(self.get_queryset(), pk=pk), by=request.user)
        return Response(BookingSerializer(booking).data)


class BlockSerializer(serializers.Serializer):
    machine = serializers.PrimaryKeyRelatedField(queryset=machines_for_public())
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    note = serializers.CharField(max_length=200, required=False, default="")
    repeat_weekly_until = serializers.DateField(
        required=False, help_text=_("Repeat at the same local time every week until this date (included).")
    )


class BlockResultSerializer(serializers.Serializer):
    blocks = BookingSerializer(many=True)
    skipped = serializers.ListField(child=serializers.DictField(child=serializers.DateTimeField()))


class BlockViewSet(viewsets.GenericViewSet):
    """Staff keep machine time for the lab: one-off or weekly blocks; clashing dates are skipped and listed."""

    permission_classes = [IsAuthenticated]
    serializer_class = BlockSerializer

    @extend_schema(request=BlockSerializer, responses={201: BlockResultSerializer})
    def create(self, request):
        serializer = BlockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if until := data.get("repeat_weekly_until"):
            blocks, skipped = block_series_create(
                machine=data["machine"],
                start=data["start"],
                end=data["end"],
                until=until,
                by=request.user,
                note=data["note"],
            )
        else:
            blocks = [
                block_create(
                    machine=data["machine"], start=data["start"], end=data["end"], by=request.user, note=data["note"]
                )
            ]
            skipped = []
        body = {
            "blocks": BookingSerializer(blocks, many=True).data,
            "skipped": [{"start": start.isoformat(), "end": end.isoformat()} for start, end in skipped],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class WaitlistEntrySerializer(serializers.ModelSerializer):
    machine = serializers.PrimaryKeyRelatedField(queryset=machines_for_public())
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    offer_expires_at = serializers.DateTimeField(source="hold.hold_expires_at", read_only=True, allow_null=True)

    class Meta:
        model = WaitlistEntry
        fields = ["id", "machine", "start", "end", "status", "created_at", "offered_at", "offer_expires_at"]
        read_only_fields = ["id", "status", "created_at", "offered_at", "offer_expires_at"]


class WaitlistViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The member's places on waiting lists; a freed slot is held for the first in line."""

    serializer_class = WaitlistEntrySerializer
    permission_classes = [IsAuthenticated]
    queryset = WaitlistEntry.objects.none()  # for the schema; requests use get_queryset
    filterset_fields = ["status", "machine"]

    def get_queryset(self):
        return WaitlistEntry.objects.filter(member=self.request.user).select_related("hold").order_by("-created_at")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = waitlist_join(
            member=self.request.user, machine=data["machine"], start=data["start"], end=data["end"]
        )

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take the slot you are offered: the booking is confirmed and the credits debited."""
        booking = waitlist_offer_accept(entry=get_object_or_404(self.get_queryset(), pk=pk), member=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=None, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Let the offered slot go to the next in line."""
        entry = waitlist_offer_decline(entry=get_object_or_404(self.get_queryset(), pk=pk), member=request.user)
        return Response(WaitlistEntrySerializer(entry).data)

    @extend_schema(request=None, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """Leave the waiting list (declines a pending offer)."""
        entry = waitlist_leave(entry=get_object_or_404(self.get_queryset(), pk=pk), member=request.user)
        return Response(WaitlistEntrySerializer(entry).data)
