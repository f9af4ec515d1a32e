"""/rates/ and /reliefs/: the money rules in force on a day; an admin adds and closes rows."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jamsostek.core.pagination import PageNumberPagination

from .. import selectors
from ..models import Rate, Relief, RuleChange
from ..permissions import CONTRIBUTIONS
from ..rates import in_force
from ..services.schedule import rate_close, rate_create, relief_close, relief_create


class RuleChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = RuleChange
        fields = ["action", "actor", "at", "source", "changes"]


class RateSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        coerce_to_string=False,
        help_text="percent of income or wage, or rupiah for a flat rate; both shares together",
    )
    employer_value = serializers.DecimalField(
        max_digits=12, decimal_places=4, coerce_to_string=False
    )
    worker_value = serializers.DecimalField(max_digits=12, decimal_places=4, coerce_to_string=False)

    class Meta:
        model = Rate
        fields = [
            "id",
            "program",
            "segment",
            "risk_class",
            "basis",
            "value",
            "employer_value",
            "worker_value",
            "base_min",
            "base_max",
            "effective_from",
            "effective_to",
            "source",
        ]


class RateDetailSerializer(RateSerializer):
    history = RuleChangeSerializer(source="changes", many=True, read_only=True)

    class Meta(RateSerializer.Meta):
        fields = [*RateSerializer.Meta.fields, "history"]


class RateWriteSerializer(serializers.ModelSerializer):
    employer_value = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    worker_value = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    source = serializers.CharField(max_length=200, help_text="the regulation or letter")

    class Meta:
        model = Rate
        fields = [*Rate.FIGURES, "effective_to"]
        validators = []  # overlaps are the service's to refuse (409 rate_overlap)


class CloseSerializer(serializers.Serializer):
    effective_to = serializers.DateField(help_text="the last day of the last month it applies")
    source = serializers.CharField(
        max_length=300, help_text="the regulation or letter that ends it"
    )


class ReliefSerializer(serializers.ModelSerializer):
    programs = serializers.ListField(child=serializers.CharField(), min_length=1)
    percent_off = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    sectors = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="the sectors relieved (occupation → sector is data); empty: every sector",
    )
    excluded_funding_sources = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="funding sources that get no relief (PP 50/2025: apbn, apbd)",
    )

    class Meta:
        model = Relief
        fields = ["id", *Relief.FIGURES, "effective_to"]
        read_only_fields = ["id"]


class ReliefDetailSerializer(ReliefSerializer):
    history = RuleChangeSerializer(source="changes", many=True, read_only=True)

    class Meta(ReliefSerializer.Meta):
        fields = [*ReliefSerializer.Meta.fields, "history"]


class RateSchedulePagination(PageNumberPagination):
    """The rate list's page, with the reliefs in force that day beside it."""

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["properties"]["reliefs"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Relief"},
            "description": "the reliefs in force on the same day",
        }
        body["required"].append("reliefs")
        return body


class OnFilter(django_filters.FilterSet):
    on = django_filters.DateFilter(
        method="filter_on", input_formats=["%Y-%m-%d"], label="the day, YYYY-MM-DD (default: today)"
    )

    def filter_on(self, queryset, name, value):
        return queryset.filter(in_force(value))


class RateFilter(OnFilter):
    class Meta:
        model = Rate
        fields = ["program", "segment", "on"]


class ReliefFilter(OnFilter):
    class Meta:
        model = Relief
        fields = ["segment", "on"]


CLOSE_EXAMPLE = OpenApiExample(
    "the 2025 JP cap ends in February 2026",
    request_only=True,
    value={"effective_to": "2026-02-28", "source": "BPJS letter B/1226/022026"},
)


class ScheduleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """What /rates/ and /reliefs/ share: the day's rows by default, admins add and close."""

    create_service = None
    close_service = None
    row_name = ""

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = type(self).create_service(actor=request.user, **body.validated_data)
        return Response(self.detail_serializer_class(row).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = type(self).close_service(
            actor=request.user, **{self.row_name: self.get_object()}, **body.validated_data
        )
        return Response(self.detail_serializer_class(row).data)


@extend_schema_view(
    list=extend_schema(
        summary="The rate schedule in force on a day, and the reliefs beside it",
    ),
    retrieve=extend_schema(summary="One rate row with its history", responses=RateDetailSerializer),
    create=extend_schema(
        summary="Add a rate row (admin): from a month's first day, after the row before ends",
        request=RateWriteSerializer,
        responses={201: RateDetailSerializer},
    ),
    close=extend_schema(
        request=CloseSerializer,
        responses=RateDetailSerializer,
        summary="Close a rate row (admin): it ends on a month's last day",
        examples=[CLOSE_EXAMPLE],
    ),
)
class RateViewSet(ScheduleViewSet):
    """The rate schedule: the rows in force on a day (today unless ``on`` says), with the
    reliefs of that day beside them. An admin adds rows and closes them, never edits."""

    permits = CONTRIBUTIONS.resource("rate")
    filterset_class = RateFilter
    pagination_class = RateSchedulePagination
    detail_serializer_class = RateDetailSerializer
    create_service = staticmethod(rate_create)
    close_service = staticmethod(rate_close)
    row_name = "rate"

    def get_serializer_class(self):
        if self.action == "create":
            return RateWriteSerializer
        return RateDetailSerializer if self.action != "list" else RateSerializer

    def get_queryset(self):
        if self.action == "list" and not self.request.query_params.get("on"):
            return selectors.rates_in_force()
        if self.action == "list":
            return selectors.rates_all()
        return selectors.rates_with_history()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)  # a bad ?on= is a 400 before this
        dates = self.filterset_class(request.query_params, queryset=Rate.objects.none())
        day = dates.form.cleaned_data.get("on") if dates.is_valid() else None
        reliefs = selectors.reliefs_in_force(day or timezone.localdate())
        response.data["reliefs"] = ReliefSerializer(reliefs, many=True).data
        return response


@extend_schema_view(
    list=extend_schema(summary="Reliefs (PP 50/2025…): all, or those in force on a day"),
    retrieve=extend_schema(summary="One relief with its history", responses=ReliefDetailSerializer),
    create=extend_schema(
        summary="Add a relief (admin) for contribution months",
        responses={201: ReliefDetailSerializer},
    ),
    close=extend_schema(
        request=CloseSerializer,
        responses=ReliefDetailSerializer,
        summary="Close a relief (admin): it ends on a month's last day",
    ),
)
class ReliefViewSet(ScheduleViewSet):
    """Reliefs beside the rates (PP 50/2025…), all or those in force ``on`` a day. An admin
    adds rows and closes them, never edits."""

    permits = CONTRIBUTIONS.resource("relief")
    filterset_class = ReliefFilter
    detail_serializer_class = ReliefDetailSerializer
    create_service = staticmethod(relief_create)
    close_service = staticmethod(relief_close)
    row_name = "relief"

    def get_serializer_class(self):
        return ReliefDetailSerializer if self.action == "retrieve" else ReliefSerializer

    def get_queryset(self):
        return selectors.reliefs_with_history()
