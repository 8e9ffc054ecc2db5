"""/api/v1/me/notifications/: the same settings as the page, for API clients."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fablab.notifications.kinds import KINDS, optional_kinds
from fablab.notifications.selectors import opted_out_kinds
from fablab.notifications.services import preferences_set


class NotificationKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    optional = serializers.BooleanField()
    receive = serializers.BooleanField()


class PreferencesUpdateSerializer(serializers.Serializer):
    receive = serializers.ListField(
        child=serializers.ChoiceField(choices=[item.code for item in optional_kinds()]),
        allow_empty=True,
        help_text="The optional kinds the member receives; every other optional kind offered to them is turned off.",
    )

    def validate_receive(self, receive):
        offered = {item.code for item in optional_kinds(self.context["user"])}
        refused = sorted(set(receive) - offered)
        if refused:
            raise serializers.ValidationError(f"Not offered to you: {', '.join(refused)}.")
        return receive


def _listing(user):
    off = opted_out_kinds(user)
    offered = {item.code for item in optional_kinds(user)}
    return [
        {"kind": item.code, "label": str(item.label), "optional": item.optional, "receive": item.code not in off}
        for item in KINDS.values()
        if not item.optional or item.code in offered
    ]


class NotificationPreferencesView(APIView):
    """Every kind of message; the optional ones can be turned off (mandatory ones always have receive=true)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationKindSerializer(many=True))
    def get(self, request):
        return Response(_listing(request.user))

    @extend_schema(request=PreferencesUpdateSerializer, responses=NotificationKindSerializer(many=True))
    def put(self, request):
        serializer = PreferencesUpdateSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        preferences_set(user=request.user, receive=set(serializer.validated_data["receive"]))
        return Response(_listing(request.user))
