from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from fablab.core.fields import AwareDateTimeField
from fablab.labs.models import Lab
from training.models import Course, Enrollment, PaymentMode, SchoolLevel, SchoolRegistration, Session, WorkshopOffer
from training.selectors import courses_published, enrollments_for_member, sessions_upcoming
from training.services import enrollment_accept_offer, enrollment_cancel, enrollment_create
from training.workshops import registration_submit


class CourseSerializer(serializers.ModelSerializer):
    qualifies_for = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    prerequisites = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "audience",
            "duration_minutes",
            "price_cents",
            "member_price_cents",
            "capacity",
            "min_headcount",
            "prerequisites",
            "qualifies_for",
            "qualification_valid_days",
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
    queryset = Course.objects.none()  # for the schema; "upcoming" is evaluated per request
    lookup_field = "slug"

    def get_queryset(self):
        return courses_published().order_by("title")


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Upcoming sessions (`?lab=slug&course=slug`)."""

    serializer_class = SessionSerializer
    permission_classes = [AllowAny]
    queryset = Session.objects.none()  # for the schema; "upcoming" is evaluated per request
    filterset_fields = {"lab__slug": ["exact"], "course__slug": ["exact"]}

    def get_queryset(self):
        return sessions_upcoming()


class UpcomingSessionField(serializers.PrimaryKeyRelatedField):
    """A session open for enrollment, looked up when the request comes (not when the module loads)."""

    def get_queryset(self):
        return sessions_upcoming()


class EnrollmentSerializer(serializers.ModelSerializer):
    session = UpcomingSessionField()
    payment_mode = serializers.ChoiceField(
        choices=[PaymentMode.ON_SITE, PaymentMode.ONLINE], default=PaymentMode.ON_SITE
    )

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
        enrollment = enrollment_accept_offer(
            enrollment=get_object_or_404(self.get_queryset(), pk=pk), member=request.user
        )
        return Response(EnrollmentSerializer(enrollment).data)


class WorkshopOfferSerializer(serializers.ModelSerializer):
    labs = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = WorkshopOffer
        fields = [
            "id",
            "slug",
            "theme",
            "description",
            "school_levels",
            "duration_minutes",
            "max_pupils",
            "price_per_class_cents",
            "vat_rate_bp",
            "labs",
        ]


class WorkshopOfferViewSet(viewsets.ReadOnlyModelViewSet):
    """Workshops offered to school classes, and the labs where each is offered."""

    serializer_class = WorkshopOfferSerializer
    permission_classes = [AllowAny]
    queryset = WorkshopOffer.objects.filter(is_published=True).prefetch_related("labs").order_by("theme")
    lookup_field = "slug"


class SchoolRegistrationSerializer(serializers.Serializer):
    offer = serializers.PrimaryKeyRelatedField(queryset=WorkshopOffer.objects.filter(is_published=True))
    lab = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Lab.objects.filter(is_active=True),
        required=False,
        help_text="One of the offer's labs (default: the first).",
    )
    school_name = serializers.CharField(max_length=200)
    school_code = serializers.CharField(max_length=8, help_text="French UAI: seven digits and a letter.")
    address = serializers.CharField(max_length=500)
    teacher_name = serializers.CharField(max_length=150)
    teacher_email = serializers.EmailField()
    teacher_phone = serializers.CharField(max_length=32)
    class_level = serializers.ChoiceField(choices=SchoolLevel.choices)
    pupils = serializers.IntegerField(min_value=1, max_value=500)
    accompanying_adults = serializers.IntegerField(min_value=0, max_value=50, default=1)
    accessibility_needs = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    preferred_dates = serializers.ListField(child=serializers.DateField(), min_length=2, max_length=3)
    purchase_order = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    # A field people never see: robots that fill every field give themselves away.
    website = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)


class SchoolRegistrationCreatedSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = SchoolRegistration
        fields = ["id", "offer", "lab", "school_name", "status", "preferred_dates", "created_at"]


class SchoolRegistrationView(APIView):
    """A teacher registers a class, without an account; the follow-up link arrives by email."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registrations"

    @extend_schema(request=SchoolRegistrationSerializer, responses={201: SchoolRegistrationCreatedSerializer})
    def post(self, request):
        serializer = SchoolRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("website"):
            raise ValidationError({"website": ["Leave this field empty."]})
        offer = data["offer"]
        data["lab"] = data.get("lab") or offer.labs.order_by("pk").first()
        registration = registration_submit(language=get_language()[:2], **data)
        return Response(SchoolRegistrationCreatedSerializer(registration).data, status=status.HTTP_201_CREATED)
