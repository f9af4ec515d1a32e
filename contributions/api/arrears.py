"""/arrears/: per village, what is overdue and since when."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from jamsostek.core.filters import IntegerFilter
from villages.models import Region

from .. import selectors
from ..permissions import CONTRIBUTIONS
from .common import PeriodField


class ArrearsSerializer(serializers.Serializer):
    village = serializers.CharField(source="code")
    village_name = serializers.CharField(source="name")
    district = serializers.CharField(source="district.code")
    outstanding = serializers.IntegerField(help_text="rupiah overdue")
    months = serializers.IntegerField(help_text="months with an overdue bill")
    oldest_period = PeriodField()
    members_in_arrears = serializers.IntegerField()
    members_lapsed = serializers.IntegerField()


class ArrearsFilter(django_filters.FilterSet):
    village = django_filters.CharFilter(field_name="code")
    district = django_filters.CharFilter(field_name="district__code")
    regency = django_filters.CharFilter(field_name="regency__code")
    min_months = IntegerFilter(field_name="months", lookup_expr="gte")

    class Meta:
        model = Region
        fields = ["village", "district", "regency", "min_months"]


@extend_schema_view(list=extend_schema(summary="Villages in arrears inside your scope"))
class ArrearsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permits = CONTRIBUTIONS.resource("arrears")
    serializer_class = ArrearsSerializer
    filterset_class = ArrearsFilter

    def get_queryset(self):
        return selectors.arrears_by_village(self.request.user)
