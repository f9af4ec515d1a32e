"""/regions/ (the reference tree) and /villages/ (villages inside the caller's scope).

A village's body shows its progress, which reports keeps, above this app: the URL conf
hands ``VillageViewSet`` reports' two functions (jamsostek/urls.py).
"""

from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jamsostek.core.choices import Level

from . import rules
from .models import Region
from .permissions import VILLAGES
from .selectors import regions_list, villages_for
from .serializers import ProgressSerializer
from .services import village_update

CODE_REGEX = r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?"


def _search(queryset, value: str):
    value = value.strip()
    if value[:1].isdigit():
        return queryset.filter(code__startswith=value)
    return queryset.filter(name__icontains=value)


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="code of the parent region")
    search = django_filters.CharFilter(method="filter_search", label="name, or the start of a code")

    class Meta:
        model = Region
        fields = ["level", "parent"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, value)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)
    kind = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="kabupaten/kota for a regency, desa/kelurahan for a village",
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent"]


@extend_schema_view(
    list=extend_schema(summary="The Kemendagri region tree"),
    retrieve=extend_schema(summary="One region by code"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces, regencies, districts and villages: reference data for every user."""

    permits = VILLAGES.resource("region")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self):
        return regions_list()


class NamedRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PositionCountsField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.IntegerField(min_value=0, allow_null=True), **kwargs)

    def to_representation(self, village):
        return {seat.category: seat.count for seat in village.seats.all()}

    def get_attribute(self, instance):
        return instance


class VillageSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="desa or kelurahan")
    district = NamedRegionSerializer(read_only=True)
    regency = NamedRegionSerializer(read_only=True)
    province = NamedRegionSerializer(read_only=True)
    position_counts = PositionCountsField(
        required=False,
        help_text="Seats per category in the village (the denominator of coverage). "
        "PATCH merges by category; null removes one.",
    )
    rentan_target = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    progress = serializers.SerializerMethodField(
        help_text="as /villages/<code>/progress/: refreshed by a task after changes and nightly"
    )

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "kind",
            "district",
            "regency",
            "province",
            "position_counts",
            "rentan_target",
            "progress",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["code", "name", "is_active", "updated_at"]

    def get_progress(self, village) -> ProgressSerializer:
        return self.context["progress_of"](village)


class VillageFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code")
    regency = django_filters.CharFilter(field_name="regency__code")
    province = django_filters.CharFilter(field_name="province__code")
    search = django_filters.CharFilter(method="filter_search", label="name, or the start of a code")
    kind = django_filters.ChoiceFilter(
        choices=[("desa", "desa"), ("kelurahan", "kelurahan")], method="filter_kind"
    )

    class Meta:
        model = Region
        fields = ["district", "regency", "province", "is_active"]

    def filter_search(self, queryset, name, value):
        return _search(queryset, value)

    def filter_kind(self, queryset, name, value):
        kelurahan = rules.kelurahan_q()
        return queryset.filter(kelurahan) if value == "kelurahan" else queryset.exclude(kelurahan)


@extend_schema_view(
    list=extend_schema(summary="Villages inside your scope"),
    retrieve=extend_schema(summary="One village: its place in the tree, seats and target"),
    partial_update=extend_schema(
        summary="Set seat counts and the vulnerable-worker target (pmd_auditor, admin)",
        examples=[
            OpenApiExample(
                "seats",
                request_only=True,
                value={
                    "position_counts": {
                        "kepala_desa": 1,
                        "perangkat_desa": 11,
                        "bpd": 7,
                        "rt": 24,
                        "rw": 5,
                        "linmas": 15,
                        "lkd": 20,
                    },
                    "rentan_target": 100,
                },
            )
        ],
    ),
)
class VillageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permits = VILLAGES.resource("village")
    serializer_class = VillageSerializer
    filterset_class = VillageFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2}\.\d{2}\.\d{2}\.\d{4}"
    http_method_names = ["get", "patch", "head", "options"]

    # Given by the layer above (jamsostek/urls.py, from reports): ``load_progress(villages)``
    # is the queryset with what ``progress_of(village)``, a village's progress body, reads.
    load_progress: Callable[[QuerySet[Region]], QuerySet[Region]]
    progress_of: Callable[[Region], dict]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        if not (hasattr(cls, "load_progress") and hasattr(cls, "progress_of")):
            raise ImproperlyConfigured(
                f"{cls.__name__} shows each village's progress: a subclass gives it "
                "load_progress and progress_of (see jamsostek/urls.py)."
            )
        return super().as_view(actions, **initkwargs)

    def get_queryset(self):
        return self.load_progress(villages_for(self.request.user))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "progress_of": self.progress_of}

    @extend_schema(
        responses=ProgressSerializer,
        summary="A village's coverage: vulnerable workers, PERISAI, seats, arrears",
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, code=None):
        return Response(self.progress_of(self.get_object()))

    def partial_update(self, request, *args, **kwargs):
        village = self.get_object()
        serializer = self.get_serializer(village, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        village_update(village=village, updated_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_object()).data)
