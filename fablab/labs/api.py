from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from fablab.labs.models import Closure, Lab, OpeningHours
from fablab.labs.selectors import labs_for_public


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason"]


class LabSerializer(serializers.ModelSerializer):
    main_lab = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)
    closures = ClosureSerializer(many=True, read_only=True, source="coming_closures")

    class Meta:
        model = Lab
        fields = [
            "slug",
            "name",
            "main_lab",
            "description",
            "street",
            "postal_code",
            "city",
            "country",
            "time_zone",
            "email",
            "phone",
            "website",
            "opening_hours",
            "closures",
        ]


class LabViewSet(viewsets.ReadOnlyModelViewSet):
    """The labs of the network, their weekly opening hours and coming closures."""

    serializer_class = LabSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    queryset = Lab.objects.none()  # for the schema; "coming closures" depend on today, so per request
    filterset_fields = ["main_lab__slug", "city"]

    def get_queryset(self):
        return labs_for_public()
