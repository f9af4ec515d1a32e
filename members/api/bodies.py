"""The bodies /members/ answers with: a member, its enrollment (priced through the hooks of
members.signals, with its arrears), its roles and its history (the views: .members)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jamsostek.core.money import total
from jamsostek.core.serializers import FastListSerializer

from .. import selectors, signals
from ..models import EndReason, FundingSource, Member, Program, RiskClass, Segment, Status
from ..nik import mask_nik
from ..permissions import FULL_NIK_ROLES
from ..serializers import RoleSerializer


class ReliefSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    percent_off = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    source = serializers.CharField()


class EnrollmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    segment = serializers.ChoiceField(choices=Segment.choices)
    programs = serializers.ListField(child=serializers.ChoiceField(choices=Program.choices))
    declared_income = serializers.IntegerField(allow_null=True)
    wage = serializers.IntegerField(allow_null=True)
    risk_class = serializers.ChoiceField(choices=RiskClass.choices, allow_null=True)
    funding_source = serializers.ChoiceField(choices=FundingSource.choices)
    kpj_number = serializers.CharField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.ChoiceField(choices=EndReason.choices, allow_null=True)
    monthly_contribution = serializers.SerializerMethodField(
        help_text="rupiah a month, employer and worker shares together, at this month's rates"
    )
    arrears_months = serializers.IntegerField(
        default=0, help_text="months of overdue bills this member is on"
    )
    arrears_amount = serializers.IntegerField(
        default=0, help_text="rupiah of this member's lines on overdue bills"
    )
    contribution_detail = serializers.SerializerMethodField(
        help_text="{program: {employer: n, worker: n, normal: n, relief: n}}: the shares due "
        "this month, both shares before any relief, and what the relief took off"
    )
    relief = serializers.SerializerMethodField(
        help_text="the relief this month's price includes (PP 50/2025…), or null"
    )

    def _price(self, enrollment) -> dict | None:
        # Asked for three times per enrollment (total, detail, relief): priced once. No rate
        # in force (a date outside the schedule): no figure rather than a 500.
        if not hasattr(enrollment, "_price"):
            enrollment._price = None
            if enrollment.status != Status.ENDED:
                price = self.context.get("price") or signals.enrollment_pricer(timezone.localdate())
                enrollment._price = price(enrollment)
        return enrollment._price

    def get_monthly_contribution(self, enrollment) -> int | None:
        price = self._price(enrollment)
        return None if price is None else total(price["detail"])

    def get_contribution_detail(self, enrollment) -> dict | None:
        price = self._price(enrollment)
        return None if price is None else price["detail"]

    @extend_schema_field(ReliefSummarySerializer(allow_null=True))
    def get_relief(self, enrollment) -> dict | None:
        price = self._price(enrollment)
        return None if price is None or price["relief"] is None else price["relief"]


class ShownEnrollmentSerializer(EnrollmentSerializer):
    """The member's enrollment as a nested field: bound once per list, not once per row."""

    def get_attribute(self, member):
        enrollment = selectors.shown_enrollment(member)
        if enrollment is not None:
            enrollment.arrears_months = getattr(member, "arrears_months", 0)
            enrollment.arrears_amount = getattr(member, "arrears_amount", 0)
        return enrollment


def pricer_when_asked():
    """``price(enrollment)`` at today's rates, the rate table read on the first call: one
    per list, and none when no enrollment is priced (the schema's generation asks every
    view for its serializer context)."""
    pricer = None

    def price(enrollment):
        nonlocal pricer
        if pricer is None:
            pricer = signals.enrollment_pricer(timezone.localdate())
        return pricer(enrollment)

    return price


class MemberRolesSerializer(FastListSerializer):
    """The member's roles as a nested list: the list ``members_for`` prefetched."""

    def get_attribute(self, member):
        return selectors.member_roles(member)


class MemberSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    nik_masked = serializers.SerializerMethodField()
    roles = MemberRolesSerializer(child=RoleSerializer())
    enrollment = ShownEnrollmentSerializer(
        read_only=True,
        allow_null=True,
        help_text="the open enrollment, else the latest ended one; null if none",
    )

    class Meta:
        model = Member
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "village",
            "village_name",
            "nik_masked",
            "full_name",
            "birth_date",
            "sex",
            "phone",
            "occupation",
            "is_perisai",
            "roles",
            "enrollment",
            "created_at",
            "updated_at",
        ]

    def get_nik_masked(self, member) -> str:
        return mask_nik(member.nik)


class MemberDetailSerializer(MemberSerializer):
    nik = serializers.SerializerMethodField(
        help_text="the whole NIK; null for a district viewer, who sees only nik_masked"
    )

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields[:3], "nik", *MemberSerializer.Meta.fields[3:]]

    def get_nik(self, member) -> str | None:
        user = self.context["request"].user
        return member.nik if user.role in FULL_NIK_ROLES else None


class MemberCreatedSerializer(MemberDetailSerializer):
    warnings = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="things worth a look that did not stop the save",
    )

    class Meta(MemberDetailSerializer.Meta):
        fields = [*MemberDetailSerializer.Meta.fields, "warnings"]


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    action = serializers.CharField()
    changes = serializers.DictField(help_text="{field: [old, new]}")
    reason = serializers.CharField()
