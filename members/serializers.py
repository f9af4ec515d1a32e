"""The bodies members are written with: the API, the spreadsheet import and the console
validate input with these, then call members.services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jamsostek.core.choices import Category
from jamsostek.core.fields import MoneyField
from jamsostek.core.serializers import FastListSerializer

from . import rules
from .models import EndReason, FundingSource, Occupation, Program, RiskClass, Segment, Sex


class FundingSourceField(serializers.ChoiceField):
    """The funding source, refusing Dana Desa with the reason rather than "not a choice"."""

    def __init__(self, **kwargs):
        super().__init__(choices=FundingSource.choices, **kwargs)

    def to_internal_value(self, data):
        if rules.is_dana_desa(data):
            raise serializers.ValidationError(
                rules.dana_desa_message(), code=rules.DANA_DESA_NOT_ALLOWED
            )
        return super().to_internal_value(data)


class RoleSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = FastListSerializer

    category = serializers.ChoiceField(choices=Category.choices)
    position = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    term_start = serializers.DateField(required=False, allow_null=True, default=None)
    term_end = serializers.DateField(required=False, allow_null=True, default=None)
    ended_on = serializers.DateField(read_only=True, allow_null=True)


class EnrollmentWriteSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(choices=Segment.choices)
    programs = serializers.ListField(
        child=serializers.ChoiceField(choices=Program.choices), min_length=1
    )
    declared_income = MoneyField(min_value=1, required=False, allow_null=True)
    wage = MoneyField(min_value=1, required=False, allow_null=True)
    risk_class = serializers.ChoiceField(choices=RiskClass.choices, required=False, allow_null=True)
    funding_source = FundingSourceField()

    def validate_programs(self, value):
        return sorted(set(value), key=Program.values.index)


class MemberWriteSerializer(serializers.Serializer):
    village = serializers.CharField(max_length=13, help_text="the village's code")
    nik = serializers.CharField(max_length=32)
    full_name = serializers.CharField(max_length=150)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    roles = RoleSerializer(many=True)
    occupation = serializers.ChoiceField(
        choices=Occupation.choices, required=False, allow_null=True, default=None
    )
    is_perisai = serializers.BooleanField(required=False, default=False)
    enrollment = EnrollmentWriteSerializer(required=False)

    def validate_nik(self, value):
        return "".join(value.split())


class MemberUpdateSerializer(MemberWriteSerializer):
    village = None
    enrollment = EnrollmentWriteSerializer(required=False, partial=True)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="why: written to the member's history",
    )

    def validate_roles(self, value):
        # A PATCH is partial, which DRF extends to nested roles; a role still needs its
        # category, so the roles sent are checked as a whole list.
        full = RoleSerializer(data=self.initial_data.get("roles"), many=True)
        full.is_valid(raise_exception=True)
        return full.validated_data


class ActivateSerializer(serializers.Serializer):
    kpj_number = serializers.RegexField(
        r"^[0-9]{11}\Z", error_messages={"invalid": _("A KPJ number is 11 digits.")}
    )
    effective_from = serializers.DateField()


class EndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EndReason.choices)
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
