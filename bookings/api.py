import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bookings.models import Booking, BookingStatus
from bookings.selectors import bookings_visible_to
from bookings.services import booking_cancel, booking_create
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
        ]
        read_only_fields = ["id", "status", "credits_minutes", "refunded_minutes"]


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
