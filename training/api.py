from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from fablab.core.fields import AwareDateTimeField
from training.models import Course, Enrollment, PaymentMode, Session
from training.selectors import courses_published, enrollments_for_member, sessions_upcoming
from training.services import enrollment_accept_offer, enrollment_cancel, enrollment_create


class CourseSerializer(serializers.ModelSerializer):
    qualifies_for = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    prerequisites = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = Course
        fields = [
            "id", "slug", "title", "description", "audience", "duration_minutes", "price_cents", "member_price_cents",
            "capacity", "min_headcount", "prerequisites", "qualifies_for", "qualification_valid_days",
        ]


class SessionSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = AwareDateTimeField(read_only=True)
    end = AwareDateTimeField(read_only=True)
    seats_left = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "course", "lab", "start", "end", "capacity", "seats_left", "status"]

    def get_seats_left(self, session) -> int:
        return max(session.capacity - session.seats_taken, 0)


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Published courses."""

    serializer_class = CourseSerializer
    permission_classes = [AllowAny]
    queryset = courses_published().order_by("title")
    lookup_field = "slug"


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Upcoming sessions (`?lab=slug&course=slug`)."""

    serializer_class = SessionSerializer
    permission_classes = [AllowAny]
    queryset = sessions_upcoming()
    filterset_fields = {"lab__slug": ["exact"], "course__slug": ["exact"]}


class EnrollmentSerializer(serializers.ModelSerializer):
    session = serializers.PrimaryKeyRelatedField(queryset=sessions_upcoming())
    payment_mode = serializers.ChoiceField(choices=[PaymentMode.ON_SITE, PaymentMode.ONLINE], default=PaymentMode.ON_SITE)

    class Meta:
        model = Enrollment
        fields = ["id", "session", "status", "price_cents", "payment_mode", "is_paid", "offer_expires_at", "created_at"]
        read_only_fields = ["id", "status", "price_cents", "is_paid", "offer_expires_at", "created_at"]


class EnrollmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The member's seats in training sessions."""

    serializer_class = EnrollmentSerializer
    permission_classes = [IsAuthenticated]
    queryset = Enrollment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return enrollments_for_member(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = enrollment_create(
            session=data["session"], member=self.request.user, payment_mode=data["payment_mode"]
        )

    @extend_schema(request=None, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Give the seat back (refundable until the course's deadline)."""
        enrollment = enrollment_cancel(enrollment=get_object_or_404(self.get_queryset(), pk=pk), by=request.user)
        return Response(EnrollmentSerializer(enrollment).data)

    @extend_schema(request=None, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take the seat offered from the waiting list."""
        enrollment = enrollment_accept_offer(enrollment=get_object_or_404(self.get_queryset(), pk=pk), member=request.user)
        return Response(EnrollmentSerializer(enrollment).data)
