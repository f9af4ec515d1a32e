"""Query filters whose published type is what they accept."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# The years the service has business with: contributions began long after 2000, and no bill
# is planned past 2100. Bounds keep `?year=0` or `?year=10000` a 400 rather than a date error.
FIRST_YEAR = 2000
LAST_YEAR = 2100


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (an id, a count): django-filter's NumberFilter takes decimals and is
    published as `number`, so generated clients asked for floats."""

    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)
