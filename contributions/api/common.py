"""What the money endpoints share: period fields and region-code filters."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..periods import format_period, parse_period


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-07"})
class PeriodField(serializers.Field):
    """A month as ``YYYY-MM`` in and out."""

    default_error_messages = {"invalid": "YYYY-MM"}

    def to_representation(self, value):
        return format_period(value)

    def to_internal_value(self, data):
        return parse_period(data, attr=self.field_name)


class RegionCodeFilters(django_filters.FilterSet):
    """``village``, ``district`` and ``regency`` by code, on a model with a ``village``."""

    village = django_filters.CharFilter(field_name="village__code")
    district = django_filters.CharFilter(field_name="village__district__code")
    regency = django_filters.CharFilter(field_name="village__regency__code")
