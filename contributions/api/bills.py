"""/bills/: monthly bills per village, funding source and segment; /bills/generate/."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jamsostek.core.choices import Level
from jamsostek.core.filters import UpdatedSinceFilter, YearFilter
from jamsostek.core.serializers import FastListSerializer
from members.models import FundingSource, Segment
from villages.serializers import RegionField

from .. import selectors
from ..models import Bill, BillStatus
from ..periods import format_period, parse_period
from ..permissions import CONTRIBUTIONS
from ..services.billing.generation import bills_generate_for
from ..services.repricing import bills_reprice
from .common import PeriodField, RegionCodeFilters


class BillLineSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="enrollment.member_id")
    member_name = serializers.CharField(source="enrollment.member.full_name")
    enrollment = serializers.IntegerField(source="enrollment_id")
    programs = serializers.SerializerMethodField(help_text="{program: rupiah, both shares}")
    detail = serializers.DictField(
        source="price.detail",
        help_text="{program: {employer: n, worker: n, normal: n, relief: n}}: the shares due, "
        "both shares before any relief, and what the relief took off",
    )
    relief = serializers.CharField(
        source="price.relief.name",
        allow_null=True,
        default=None,
        help_text="the relief this line's month gave (PP 50/2025…), or null",
    )
    employer_amount = serializers.IntegerField()
    worker_amount = serializers.IntegerField()
    amount = serializers.IntegerField()

    def get_programs(self, line) -> dict[str, int]:
        return {p: s["employer"] + s["worker"] for p, s in line.price.detail.items()}


class PenaltySerializer(serializers.Serializer):
    late_bill = serializers.IntegerField(source="late_bill_id")
    late_period = PeriodField(source="late_bill.period")
    months = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    amount = serializers.IntegerField()


class AdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="negative: a credit")
    origin_bill = serializers.IntegerField(source="origin_id", help_text="the paid bill re-priced")
    origin_period = PeriodField(source="origin.period", help_text="the month it covers")
    bill = serializers.IntegerField(
        source="bill_id", allow_null=True, help_text="the open bill it counts on; null: pending"
    )
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class BillEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    action = serializers.CharField(help_text="repriced or adjusted")
    changes = serializers.DictField(help_text="{field: [old, new]}")
    reason = serializers.CharField()


class BillSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    period = PeriodField()
    outstanding = serializers.IntegerField()

    class Meta:
        model = Bill
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "village",
            "village_name",
            "period",
            "funding_source",
            "segment",
            "due_date",
            "lines_amount",
            "penalty_amount",
            "adjustment_amount",
            "amount",
            "paid_amount",
            "outstanding",
            "status",
            "over_budget",
            "created_at",
            "updated_at",
        ]


class BillDetailSerializer(BillSerializer):
    lines = BillLineSerializer(many=True)
    penalties = PenaltySerializer(many=True)
    adjustments = AdjustmentSerializer(
        many=True, help_text="credits and debits re-pricing put on this bill"
    )
    adjustments_caused = AdjustmentSerializer(
        many=True, help_text="what re-pricing found this bill, already paid, owed more or less"
    )
    history = BillEventSerializer(source="events", many=True)

    class Meta(BillSerializer.Meta):
        fields = [
            *BillSerializer.Meta.fields,
            "lines",
            "penalties",
            "adjustments",
            "adjustments_caused",
            "history",
        ]


class BillFilter(RegionCodeFilters):
    period = django_filters.CharFilter(method="filter_period", label="YYYY-MM")
    year = YearFilter(field_name="period__year")
    status = django_filters.ChoiceFilter(choices=BillStatus.choices)
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    funding_source = django_filters.ChoiceFilter(choices=FundingSource.choices)
    over_budget = django_filters.BooleanFilter()
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Bill
        fields = [
            "village",
            "district",
            "regency",
            "period",
            "year",
            "status",
            "segment",
            "funding_source",
            "over_budget",
            "updated_since",
        ]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=parse_period(value))


class GenerateSerializer(serializers.Serializer):
    period = PeriodField()
    village = RegionField(levels=[Level.VILLAGE], required=False, help_text="one village's code")
    regency = RegionField(levels=[Level.REGENCY], required=False, help_text="a regency's code")


class RepriceSerializer(serializers.Serializer):
    period_from = PeriodField()
    period_to = PeriodField()
    regency = RegionField(
        levels=[Level.REGENCY], required=False, help_text="a regency's code; omitted: all"
    )


class RepriceResultSerializer(serializers.Serializer):
    months = serializers.IntegerField()
    prices_revised = serializers.IntegerField(help_text="terms whose price changed")
    lines_repriced = serializers.IntegerField(help_text="lines of unpaid bills re-priced")
    bills_repriced = serializers.IntegerField(help_text="unpaid bills whose amount changed")
    adjustments = serializers.IntegerField(help_text="credits and debits for paid bills")
    credit = serializers.IntegerField(help_text="rupiah credited")
    debit = serializers.IntegerField(help_text="rupiah debited")


class GenerateResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    bills_created = serializers.IntegerField()
    lines_added = serializers.IntegerField()
    penalties_added = serializers.IntegerField()
    bills = serializers.IntegerField(help_text="bills of the period in the scope afterwards")


@extend_schema_view(
    list=extend_schema(summary="Monthly bills inside your scope"),
    retrieve=extend_schema(
        summary="One bill with its lines and penalties", responses=BillDetailSerializer
    ),
)
class BillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permits = CONTRIBUTIONS.resource("bill")
    filterset_class = BillFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.bill_detail_for(self.request.user)
        return selectors.bills_for(self.request.user)

    def get_serializer_class(self):
        return BillDetailSerializer if self.action == "retrieve" else BillSerializer

    @extend_schema(
        request=GenerateSerializer,
        responses=GenerateResultSerializer,
        summary="Bill a month (pmd_auditor, admin); running it twice creates nothing new",
        examples=[
            OpenApiExample(
                "a regency", request_only=True, value={"period": "2025-07", "regency": "33.26"}
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def generate(self, request):
        body = GenerateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        result = bills_generate_for(actor=request.user, **body.validated_data)
        return Response(
            {
                "period": format_period(result.period),
                "bills_created": result.bills_created,
                "lines_added": result.lines_added,
                "penalties_added": result.penalties_added,
                "bills": result.bills,
            }
        )

    @extend_schema(
        request=RepriceSerializer,
        responses=RepriceResultSerializer,
        summary="Re-price months after a rate or relief row changed (admin); running it twice "
        "changes nothing",
        description=(
            "Every line of those months is priced again by the rules now in force for its "
            "month. Unpaid bills change in place (their history says why); a bill already "
            "paid or partly paid is never edited: the difference becomes a credit or debit "
            "on the village's next open bill of the same funding source and segment."
        ),
        examples=[
            OpenApiExample(
                "2026 after PP 50/2025",
                request_only=True,
                value={"period_from": "2026-01", "period_to": "2026-12", "regency": "33.26"},
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def reprice(self, request):
        body = RepriceSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        result = bills_reprice(actor=request.user, **body.validated_data)
        return Response(RepriceResultSerializer(result).data)
