"""/members/: register, edit, submit, activate, end, history (bodies: .bodies; spreadsheets:
.spreadsheet).

The money figures of an enrollment (its monthly price, its arrears) come from
contributions, asked through members.signals (answered by contributions/receivers.py).
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jamsostek.core.choices import Category
from jamsostek.core.filters import UpdatedSinceFilter

from .. import selectors
from ..models import FundingSource, Member, Segment, Status
from ..permissions import FULL_NIK_ROLES, MEMBERS
from ..serializers import (
    ActivateSerializer,
    EndSerializer,
    MemberUpdateSerializer,
    MemberWriteSerializer,
)
from ..services import lifecycle, registration
from .bodies import (
    HistorySerializer,
    MemberCreatedSerializer,
    MemberDetailSerializer,
    MemberSerializer,
    pricer_when_asked,
)
from .spreadsheet import MemberIOMixin

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
    permits = MEMBERS.resource("member")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.members_for(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["price"] = pricer_when_asked()
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
