"""Query filters whose published type is what they accept."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .dates import FIRST_YEAR, LAST_YEAR


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


# Real time zones lie between UTC−12:00 and UTC+14:00; PostgreSQL refuses a timestamp whose
# offset is much further out (`+16:00` was a 500 on every list and detail page).
EARLIEST_OFFSET = datetime.timedelta(hours=-12)
LATEST_OFFSET = datetime.timedelta(hours=14)


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {
        "offset": _("The time zone offset must lie between -12:00 and +14:00."),
        "year": _("The year must lie between %(first)s and %(last)s."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        offset = value.utcoffset()
        if offset is not None and not EARLIEST_OFFSET <= offset <= LATEST_OFFSET:
            raise ValidationError(self.error_messages["offset"], code="invalid_offset")
        if not 1900 <= value.year <= LAST_YEAR:
            raise ValidationError(
                self.error_messages["year"],
                code="invalid_year",
                params={"first": 1900, "last": LAST_YEAR},
            )
        return value


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """``?updated_since=`` (ISO 8601 with an offset): the rows changed since then, for sync."""

    field_class = BoundedIsoDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        super().__init__(*args, **kwargs)
