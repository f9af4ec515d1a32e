"""Serializer pieces other apps' APIs share: a region by code in the caller's scope, and
the progress body a village shows (its figures come from reports: see villages/api.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from jamsostek.core.errors import ApplicationError

from .models import Region
from .selectors import region_for


class RegionField(serializers.CharField):
    """A region's code in, the region out: of ``levels``, inside the caller's scope, else 400.

    The caller is ``context["request"].user`` (or ``context["user"]``). Options as
    :func:`villages.selectors.region_for`; the output is the region's code.
    """

    def __init__(self, *, levels=None, active_only=False, above_scope=False, **kwargs):
        self.levels = levels
        self.active_only = active_only
        self.above_scope = above_scope
        super().__init__(**kwargs)

    def _user(self):
        if "user" in self.context:
            return self.context["user"]
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        # CharField refuses a NUL byte only after this lookup, which PostgreSQL cannot run
        # with one (a 500): refuse it first, as the middleware does in the URL.
        if "\x00" in code:
            raise serializers.ValidationError(
                _("Null characters are not allowed."), code="null_characters_not_allowed"
            )
        try:
            return region_for(
                self._user(),
                code,
                attr=self.field_name,
                levels=self.levels,
                active_only=self.active_only,
                above_scope=self.above_scope,
            )
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from exc

    def to_representation(self, value):
        return value.code if isinstance(value, Region) else super().to_representation(value)


class RentanSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    active = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class PerisaiSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    met = serializers.BooleanField()


class CategoryFiguresSerializer(serializers.Serializer):
    positions = serializers.IntegerField()
    registered = serializers.IntegerField()
    active = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True, help_text="active / positions × 100")


class ArrearsFiguresSerializer(serializers.Serializer):
    outstanding = serializers.IntegerField()
    months = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    village = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    rentan = RentanSerializer()
    perisai = PerisaiSerializer()
    categories = serializers.DictField(
        child=CategoryFiguresSerializer(), help_text="per seat category"
    )
    arrears = ArrearsFiguresSerializer()
