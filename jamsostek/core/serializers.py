"""Lists of 500 rows without DRF's per-field machinery, to the byte the same bodies.

DRF's ``Serializer.to_representation`` asks every field of every row for its attribute
through ``fields.get_attribute`` (a walk that tries mapping lookups, callables, managers and
defaults) before the field renders it: for a page of 500 bills that walk was most of the
time the page took. :class:`FastListSerializer` plans each field once per list instead —
an ``attrgetter`` for plain fields, the field's own method for the rest — and renders each
value with the field's own ``to_representation``, or with what that method does written
out (``str``, ``int``, ISO dates with the time zone resolved once), so a body is what DRF
would give (tests/core/test_fast_lists.py holds them equal). Whatever the plan does not
cover goes through DRF's path for that field.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Manager
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.settings import api_settings

# DRF's own to_representation of these field types, exactly: str(value), int(value).
_PLAIN = {serializers.CharField: str, serializers.IntegerField: int}


def _plan(child: serializers.Serializer) -> list[tuple[str, Any, Callable, Any, bool]]:
    """``(name, read, render, field, related)`` for each readable field: ``read(instance)``
    gives the attribute (or raises, and DRF's path is taken for that field), or ``read`` is
    None and the field renders the instance itself (a method field). A nested serializer's
    rows render through a plan of their own; a nested list of FastListSerializer keeps its
    plan for every row."""
    plan = []
    for field in child._readable_fields:
        if isinstance(field, serializers.SerializerMethodField):
            method = getattr(child, field.method_name)
            plan.append((field.field_name, None, method, field, False))
            continue
        simple = (
            field.source_attrs
            and field.source != "*"
            and type(field).get_attribute is Field.get_attribute
        )
        read = attrgetter(".".join(field.source_attrs)) if simple else field.get_attribute
        render = _PLAIN.get(type(field)) or field.to_representation
        if type(field) is serializers.DateTimeField:
            render = _iso_datetime(field)
        elif type(field) is serializers.DateField:
            render = _iso_date(field)
        elif (
            isinstance(field, serializers.Serializer)
            and type(field).to_representation is serializers.Serializer.to_representation
        ):
            render = _nested(_plan(field))
        related = isinstance(field, RelatedField)
        plan.append((field.field_name, read, render, field, related))
    return plan


def _iso_datetime(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    """DRF's ISO 8601 rendering of an aware datetime, with the field's time zone looked up
    once per list instead of per value (DRF asks asgiref's locals each time: 5 ms of a page
    of 500 members). Anything else goes to the field itself."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if zone is None or output is None or output.lower() != ISO_8601:
        return field.to_representation

    def render(value):
        if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


def _iso_date(field: serializers.DateField) -> Callable[[Any], Any]:
    """DRF's ISO 8601 rendering of a date; anything but a date goes to the field itself."""
    output = getattr(field, "format", api_settings.DATE_FORMAT)
    if output is None or output.lower() != ISO_8601:
        return field.to_representation
    date = datetime.date
    return lambda value: (
        value.isoformat() if type(value) is date else field.to_representation(value)
    )


def _nested(plan) -> Callable[[Any], dict]:
    return lambda instance: _row(instance, plan)


def _row(instance, plan) -> dict:
    row = {}
    for name, read, render, field, related in plan:
        if read is None:  # a method field, given the instance (never None) as DRF gives it
            row[name] = render(instance)
            continue
        try:
            value = read(instance)
            if callable(value) and not isinstance(value, Manager):
                raise TypeError  # a method: DRF calls it
        except (AttributeError, KeyError, TypeError, ObjectDoesNotExist):
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
        if related and isinstance(value, PKOnlyObject):
            row[name] = None if value.pk is None else render(value)
        else:
            row[name] = None if value is None else render(value)
    return row


class FastListSerializer(serializers.ListSerializer):
    """A ListSerializer whose rows render through a plan made once per list (see above)."""

    def to_representation(self, data):
        rows = data.all() if isinstance(data, Manager) else data
        plan = self.__dict__.get("_fast_plan")
        if plan is None:  # once per list, also when the list is a field of each row above
            plan = self.__dict__["_fast_plan"] = _plan(self.child)
        return [_row(instance, plan) for instance in rows]
