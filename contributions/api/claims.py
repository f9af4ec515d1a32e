"""/claims/: benefits BPJS paid to members' beneficiaries."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from jamsostek.core.fields import MoneyField, ScopedObjectField
from jamsostek.core.filters import IntegerFilter, UpdatedSinceFilter, YearFilter
from members.selectors import members_for

from .. import selectors
from ..models import Benefit, BenefitClaim
from ..permissions import CONTRIBUTIONS
from ..services.claims import claim_record


class ClaimSerializer(serializers.ModelSerializer):
    member = ScopedObjectField(
        selector=members_for,
        message=_lazy("This member does not exist or is outside your scope."),
        code="invalid_member",
    )
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    village = serializers.CharField(source="member.village.code", read_only=True)
    amount = MoneyField(
        min_value=1, required=False, help_text="rupiah; omitted: the benefit's default (JKM)"
    )
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = BenefitClaim
        fields = [
            "id",
            "member",
            "member_name",
            "village",
            "benefit",
            "event_date",
            "amount",
            "paid_on",
            "beneficiary_name",
            "note",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # One death benefit per member is claim_record's to refuse (409 already_claimed).
        validators = []


class ClaimFilter(django_filters.FilterSet):
    member = IntegerFilter(field_name="member_id")
    village = django_filters.CharFilter(field_name="member__village__code")
    regency = django_filters.CharFilter(field_name="member__village__regency__code")
    benefit = django_filters.ChoiceFilter(choices=Benefit.choices)
    year = YearFilter(field_name="paid_on__year")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = BenefitClaim
        fields = ["member", "village", "regency", "benefit", "year", "updated_since"]


@extend_schema_view(
    list=extend_schema(summary="Benefit claims inside your scope"),
    create=extend_schema(
        summary="Record a benefit paid (bpjs_officer, admin); JKM ends the enrollment as deceased",
        responses={201: ClaimSerializer},
    ),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permits = CONTRIBUTIONS.resource("claim")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.claims_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = ClaimSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        claim = claim_record(actor=request.user, **body.validated_data)
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
