import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fablab.accounts.models import User
from fablab.credits.models import Contribution, EntryKind, LedgerEntry
from fablab.credits.selectors import balances_for_user, contributions_visible_to, entries_for_user
from fablab.credits.services import (
    contribution_approve,
    contribution_log,
    contribution_record,
    contribution_refuse,
    credits_adjust,
)
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where


class BalanceView(APIView):
    """The member's credit balance in minutes, per lab (`?lab=slug` for one lab)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Balances",
            {
                "results": serializers.ListField(
                    child=inline_serializer(
                        "Balance",
                        {
                            "lab": serializers.SlugField(),
                            "balance_minutes": serializers.IntegerField(),
                            "overdraft_minutes": serializers.IntegerField(),
                        },
                    )
                )
            },
        )
    )
    def get(self, request):
        accounts = balances_for_user(request.user)
        if lab := request.query_params.get("lab"):
            accounts = accounts.filter(lab__slug=lab)
        return Response(
            {
                "results": [
                    {
                        "lab": account.lab.slug,
                        "balance_minutes": account.balance_minutes,
                        "overdraft_minutes": account.overdraft_minutes,
                    }
                    for account in accounts
                ]
            }
        )


class LedgerEntrySerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(source="account.lab", slug_field="slug", read_only=True)
    reference = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "lab", "minutes", "kind", "reference", "memo", "created_at"]

    def get_reference(self, entry) -> str | None:
        if entry.reference_type_id is None:
            return None
        return f"{entry.reference_type.model}:{entry.reference_id}"


class EntryFilter(django_filters.FilterSet):
    lab = django_filters.CharFilter(field_name="account__lab__slug")
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)

    class Meta:
        model = LedgerEntry
        fields = ["lab", "kind"]


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The member's full credit history, newest first."""

    serializer_class = LedgerEntrySerializer
    permission_classes = [IsAuthenticated]
    filterset_class = EntryFilter
    queryset = LedgerEntry.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return entries_for_user(self.request.user)


class ContributionSerializer(serializers.ModelSerializer):
    lab = serializers.SlugRelatedField(slug_field="slug", queryset=Lab.objects.filter(is_active=True))
    member = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Staff only: log it for this member."
    )

    class Meta:
        model = Contribution
        fields = [
            "id",
            "lab",
            "member",
            "day",
            "minutes",
            "description",
            "status",
            "refusal_reason",
            "created_at",
            "reviewed_at",
        ]
        read_only_fields = ["id", "status", "refusal_reason", "created_at", "reviewed_at"]


class RefusalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ContributionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Hours given to the lab. Members log theirs (pending); staff approve, refuse or log one directly."""

    serializer_class = ContributionSerializer
    permission_classes = [IsAuthenticated]
    queryset = Contribution.objects.none()  # for the schema; requests use get_queryset
    filterset_fields = ["status", "lab__slug"]

    def get_queryset(self):
        return contributions_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        # Only staff log hours for someone else: refuse the others before validating `member`,
        # whose "does not exist" error would tell them which member ids do.
        named = request.data.get("member") if hasattr(request.data, "get") else None
        if named not in (None, "", request.user.pk, str(request.user.pk)) and not _manages_credits(request.user):
            raise PermissionDenied
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        member = data.get("member", self.request.user)
        fields = {
            "lab": data["lab"],
            "day": data["day"],
            "minutes": data["minutes"],
            "description": data["description"],
        }
        if member == self.request.user:
            serializer.instance = contribution_log(member=member, **fields)
        else:
            serializer.instance = contribution_record(member=member, by=self.request.user, **fields)

    @extend_schema(request=None, responses=ContributionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Staff: approve and credit the minutes."""
        contribution = contribution_approve(contribution=get_object_or_404(self.get_queryset(), pk=pk), by=request.user)
        return Response(ContributionSerializer(contribution).data)

    @extend_schema(request=RefusalSerializer, responses=ContributionSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Staff: refuse, with a reason the member reads."""
        # Look the contribution up first: someone else's id is a 404 whatever the body says.
        contribution = get_object_or_404(self.get_queryset(), pk=pk)
        refusal = RefusalSerializer(data=request.data)
        refusal.is_valid(raise_exception=True)
        contribution = contribution_refuse(
            contribution=contribution,
            by=request.user,
            reason=refusal.validated_data["reason"],
        )
        return Response(ContributionSerializer(contribution).data)


def _manages_credits(user):
    return labs_where(user, Action.MANAGE_CREDITS, Lab.objects.all()).exists()


class AdjustmentSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    lab = serializers.SlugRelatedField(slug_field="slug", queryset=Lab.objects.filter(is_active=True))
    minutes = serializers.IntegerField()
    memo = serializers.CharField(max_length=255)

    def validate_minutes(self, value):
        if value == 0:
            raise serializers.ValidationError("Give a non-zero number of minutes.")
        return value


class AdjustmentView(APIView):
    """Staff: grant or withdraw credits, with a memo kept in the ledger."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=AdjustmentSerializer, responses={201: LedgerEntrySerializer})
    def post(self, request):
        # Refuse non-staff before reading the body: its validation would tell them which member ids exist.
        if not _manages_credits(request.user):
            raise PermissionDenied
        serializer = AdjustmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = credits_adjust(by=request.user, **serializer.validated_data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
