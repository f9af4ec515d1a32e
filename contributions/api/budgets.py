"""/budgets/: per village, year and funding source, against what was billed and paid."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from jamsostek.core.choices import Level
from jamsostek.core.dates import FIRST_YEAR, LAST_YEAR
from jamsostek.core.fields import MoneyField
from jamsostek.core.filters import YearFilter
from members.models import FundingSource
from members.serializers import FundingSourceField
from villages.serializers import RegionField

from .. import selectors
from ..periods import add_months, format_period
from ..permissions import CONTRIBUTIONS
from ..services.budgets import budget_create, budget_update
from .common import RegionCodeFilters


class BudgetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    village = RegionField(levels=[Level.VILLAGE])
    village_name = serializers.CharField(source="village.name", read_only=True)
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    funding_source = FundingSourceField()
    amount = MoneyField()
    billed = serializers.IntegerField(read_only=True)
    paid = serializers.IntegerField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    projected = serializers.SerializerMethodField(
        help_text="the year's bills if the months left cost what the billed ones did"
    )
    runs_out = serializers.SerializerMethodField(
        help_text="the month the budget runs out at that pace, or null"
    )

    def _monthly(self, budget) -> float:
        return budget.billed / budget.billed_months if budget.billed_months else 0

    def get_projected(self, budget) -> int:
        if not budget.last_billed_period:
            return budget.billed
        months_left = 12 - budget.last_billed_period.month
        return round(budget.billed + self._monthly(budget) * months_left)

    def get_runs_out(self, budget) -> str | None:
        if budget.billed > budget.amount:
            return format_period(budget.passed_in or budget.last_billed_period)
        monthly = self._monthly(budget)
        if not monthly or not budget.last_billed_period:
            return None
        month = budget.last_billed_period
        spent = budget.billed
        while month.month < 12:
            month = add_months(month, 1)
            spent += monthly
            if spent > budget.amount:
                return format_period(month)
        return None


class BudgetUpdateSerializer(serializers.Serializer):
    amount = MoneyField()


class BudgetFilter(RegionCodeFilters):
    year = YearFilter()
    funding_source = django_filters.ChoiceFilter(choices=FundingSource.choices)
    over = django_filters.BooleanFilter(
        method="filter_over", label="true: billed more than the budget already"
    )

    class Meta:
        model = selectors.Budget
        fields = ["village", "district", "regency", "year", "funding_source"]

    def filter_over(self, queryset, name, value):
        over = queryset.filter(remaining__lt=0)
        return over if value else queryset.exclude(pk__in=over.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="Budgets with billed, paid, remaining and the projection"),
    create=extend_schema(
        summary="Set a village's budget for a year (pmd_auditor, admin)",
        request=BudgetSerializer,
        responses={201: BudgetSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a budget's amount",
        request=BudgetUpdateSerializer,
        responses=BudgetSerializer,
    ),
)
class BudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permits = CONTRIBUTIONS.resource("budget")
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.budgets_for(self.request.user).order_by(
            "-year", "village__code", "funding_source"
        )

    def _detail(self, budget, code=status.HTTP_200_OK):
        return Response(BudgetSerializer(self.get_queryset().get(pk=budget.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        body = BudgetSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        budget = budget_create(
            actor=request.user,
            village=data["village"],
            year=data["year"],
            funding_source=data["funding_source"],
            amount=data["amount"],
        )
        return self._detail(budget, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        budget = self.get_object()
        body = BudgetUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        budget_update(actor=request.user, budget=budget, amount=body.validated_data["amount"])
        return self._detail(budget)
