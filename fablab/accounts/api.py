from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from fablab.accounts.models import User
from fablab.accounts.services import profile_update
from fablab.labs.models import Lab
from fablab.labs.permissions import lab_roles


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        user = authenticate(self.context["request"], username=attrs["email"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Email or password is not correct."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """Exchange an email and password for an API token (`Authorization: Token …`)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class LabRolesSerializer(serializers.Serializer):
    lab = serializers.SlugField()
    roles = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.ModelSerializer):
    labs = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "preferred_language", "labs"]
        read_only_fields = ["id", "email", "labs"]

    @extend_schema_field(LabRolesSerializer(many=True))
    def get_labs(self, user) -> list[dict]:
        roles = lab_roles(user)
        slugs = dict(Lab.objects.filter(pk__in=roles).values_list("pk", "slug"))
        return [
            {"lab": slugs[lab_id], "roles": sorted(lab_role_set)}
            for lab_id, lab_role_set in sorted(roles.items(), key=lambda item: slugs[item[0]])
        ]


class MeView(APIView):
    """The signed-in member's profile and their roles in each lab."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = profile_update(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user).data)
