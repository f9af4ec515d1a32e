"""/members/: register, edit, submit, activate, end, history (spreadsheets: .spreadsheet).

The money figures of an enrollment (its monthly price, its arrears) come from
contributions, asked through members.signals (answered by contributions/receivers.py).
"""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Role
from jamsostek.core.choices import Category
from jamsostek.core.filters import UpdatedSinceFilter
from jamsostek.core.money import total
from jamsostek.core.permissions import roles
from jamsostek.core.serializers import FastListSerializer

from .. import selectors, signals
from ..models import EndReason, FundingSource, Member, Program, RiskClass, Segment, Status
from ..nik import mask_nik
from ..rules import EDITOR_ROLES, FULL_NIK_ROLES
from ..serializers import (
    ActivateSerializer,
    EndSerializer,
    MemberUpdateSerializer,
    MemberWriteSerializer,
    RoleSerializer,
)
from ..services import lifecycle, registration
from .spreadsheet import MemberIOMixin

# --- read bodies ------------------------------------------------------------------------


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


def _pricer_when_asked():
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


# --- filters ----------------------------------------------------------------------------


class MemberFilter(django_filters.FilterSet):
    village = django_filters.CharFilter(field_name="village__code")
    district = django_filters.CharFilter(field_name="village__district__code")
    regency = django_filters.CharFilter(field_name="village__regency__code")
    category = django_filters.ChoiceFilter(choices=Category.choices, method="filter_category")
    status = django_filters.ChoiceFilter(choices=Status.choices, method="filter_status")
    segment = django_filters.ChoiceFilter(choices=Segment.choices, method="filter_enrollment")
    funding_source = django_filters.ChoiceFilter(
        choices=FundingSource.choices, method="filter_enrollment"
    )
    is_perisai = django_filters.BooleanFilter()
    search = django_filters.CharFilter(
        method="filter_search", label="part of the name, or the start of a NIK or KPJ"
    )
    updated_since = UpdatedSinceFilter()
    in_arrears = django_filters.BooleanFilter(
        method="filter_in_arrears", label="on an overdue bill"
    )

    class Meta:
        model = Member
        fields = [
            "village",
            "district",
            "regency",
            "category",
            "status",
            "segment",
            "funding_source",
            "is_perisai",
            "search",
            "updated_since",
            "in_arrears",
        ]

    def filter_category(self, queryset, name, value):
        return selectors.filter_by_category(queryset, value)

    def filter_status(self, queryset, name, value):
        return selectors.filter_by_status(queryset, value)

    def filter_enrollment(self, queryset, name, value):
        return selectors.filter_by_enrollment(queryset, **{name: value})

    def filter_in_arrears(self, queryset, name, value):
        return selectors.filter_in_arrears(queryset, value)

    def filter_search(self, queryset, name, value):
        by_nik = getattr(self.request, "user", None) is not None and (
            self.request.user.role in FULL_NIK_ROLES
        )
        return selectors.search_members(queryset, value, by_nik=by_nik)


# --- views ------------------------------------------------------------------------------

CREATE_EXAMPLE = OpenApiExample(
    "a BPD member",
    request_only=True,
    value={
        "village": "33.26.13.2008",
        "nik": "3326134507850001",
        "full_name": "Siti Aminah",
        "birth_date": "1985-07-05",
        "sex": "female",
        "phone": "081234567890",
        "roles": [
            {
                "category": "bpd",
                "position": "Ketua BPD",
                "term_start": "2023-01-01",
                "term_end": "2028-12-31",
            }
        ],
        "occupation": None,
        "enrollment": {
            "segment": "bpu",
            "programs": ["jkk", "jkm"],
            "declared_income": 1000000,
            "funding_source": "add",
        },
    },
)


@extend_schema_view(
    list=extend_schema(summary="Members inside your scope (NIKs masked)"),
    retrieve=extend_schema(summary="One member", responses=MemberDetailSerializer),
    create=extend_schema(
        summary="Register a member",
        request=MemberWriteSerializer,
        responses={201: MemberCreatedSerializer},
        examples=[CREATE_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Edit a member", request=MemberUpdateSerializer, responses=MemberCreatedSerializer
    ),
    destroy=extend_schema(summary="Delete a registration made by mistake (drafts only)"),
)
class MemberViewSet(
    MemberIOMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    permission_by_action = {
        "create": EDITOR_ROLES,
        "partial_update": EDITOR_ROLES,
        "destroy": EDITOR_ROLES,
        "submit": EDITOR_ROLES,
        "activate": (Role.BPJS_OFFICER, Role.ADMIN, Role.VILLAGE_OPERATOR),
        "end": (Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER, Role.ADMIN),
    }

    def get_permissions(self):
        allowed = self.permission_by_action.get(self.action)
        if allowed:
            return [roles(*allowed)()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.members_for(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["price"] = _pricer_when_asked()
        return context

    def get_serializer_class(self):
        if self.action == "list":
            return MemberSerializer
        return MemberDetailSerializer

    def list(self, request, *args, **kwargs):
        # Rows, not models: see selectors.member_page.
        rows = selectors.member_rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        members = selectors.members_with_arrears(
            selectors.member_page(rows if page is None else page)
        )
        data = self.get_serializer(members, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        [member] = selectors.members_with_arrears([self.get_object()])
        return Response(self.get_serializer(member).data)

    def _detail(self, member, *, created=False, warnings=None, status_code=200):
        [member] = selectors.members_with_arrears([self.get_queryset().get(pk=member.pk)])
        if warnings is None:
            data = MemberDetailSerializer(member, context=self.get_serializer_context()).data
        else:
            member.warnings = warnings
            data = MemberCreatedSerializer(member, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if created else status_code)

    def create(self, request, *args, **kwargs):
        body = MemberWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = registration.member_create(actor=request.user, **body.validated_data)
        return self._detail(outcome.member, created=True, warnings=outcome.warnings)

    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        body = MemberUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        outcome = registration.member_update(
            actor=request.user, member=member, **body.validated_data
        )
        return self._detail(outcome.member, warnings=outcome.warnings)

    def destroy(self, request, *args, **kwargs):
        registration.member_delete(actor=request.user, member=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses=MemberDetailSerializer,
        summary="Submit the draft enrollment to BPJS (draft → submitted)",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        member = self.get_object()
        lifecycle.enrollment_submit(actor=request.user, member=member)
        return self._detail(member)

    @extend_schema(
        request=ActivateSerializer,
        responses=MemberDetailSerializer,
        summary="Record the KPJ number: the enrollment is active",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        member = self.get_object()
        body = ActivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lifecycle.enrollment_activate(actor=request.user, member=member, **body.validated_data)
        return self._detail(member)

    @extend_schema(
        request=EndSerializer,
        responses=MemberDetailSerializer,
        summary="End the enrollment (term ended, resigned, deceased, moved, other)",
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        member = self.get_object()
        body = EndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lifecycle.enrollment_end(actor=request.user, member=member, **body.validated_data)
        return self._detail(member)

    @extend_schema(
        responses=HistorySerializer(many=True),
        summary="Every change of status and of money-relevant fields",
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        member = self.get_object()
        page = self.paginate_queryset(selectors.member_history(member))
        return self.get_paginated_response(HistorySerializer(page, many=True).data)
