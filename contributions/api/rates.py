"""/rates/: the contribution rate schedule in force on a day."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from .. import selectors
from ..models import Rate
from ..rates import in_force


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


class RateFilter(django_filters.FilterSet):
    on = django_filters.DateFilter(
        method="filter_on", input_formats=["%Y-%m-%d"], label="the day, YYYY-MM-DD (default: today)"
    )

    class Meta:
        model = Rate
        fields = ["program", "segment", "on"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(in_force(value))


@extend_schema_view(list=extend_schema(summary="The rate schedule in force on a day"))
class RateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RateSerializer
    filterset_class = RateFilter

    def get_queryset(self):
        if self.action == "list" and not self.request.query_params.get("on"):
            return selectors.rates_in_force()
        return selectors.rates_all()
