import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balances_for_user, entries_for_user


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
