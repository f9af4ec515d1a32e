"""/payments/: recorded by the village, reviewed by the regency, reversed, never edited."""

from __future__ import annotations

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from jamsostek.core.fields import MoneyField, ScopedObjectField
from jamsostek.core.filters import IntegerFilter, UpdatedSinceFilter
from jamsostek.core.idempotency import idempotent
from members.serializers import FundingSourceField

from .. import selectors
from ..models import Payment, PaymentMethod, PaymentStatus
from ..periods import parse_period
from ..permissions import CONTRIBUTIONS
from ..services.payments import (
    EVIDENCE_TYPES,
    evidence_content_type,
    payment_record,
    payment_reverse,
    payment_review,
)
from .common import PeriodField, RegionCodeFilters


class PaymentWriteSerializer(serializers.Serializer):
    village = serializers.CharField(help_text="the village's code (must be the bill's)")
    bill = ScopedObjectField(
        selector=selectors.bills_for,
        message=_lazy("This bill does not exist or is outside your scope."),
        code="invalid_bill",
    )
    amount = MoneyField(min_value=1)
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    funding_source = FundingSourceField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(
        required=False, allow_null=True, help_text="a photo (JPEG, PNG) or PDF, at most 5 MB"
    )

    def validate(self, attrs):
        if attrs["village"] != attrs["bill"].village.code:
            raise serializers.ValidationError(
                {
                    "village": [
                        ErrorDetail(_("The bill belongs to another village."), "village_mismatch")
                    ]
                }
            )
        return attrs


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.username")
    at = serializers.DateTimeField()
    note = serializers.CharField()
    related = serializers.IntegerField(source="related_id", allow_null=True)


class PaymentSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    period = PeriodField(source="bill.period")
    recorded_by = serializers.CharField(source="recorded_by.username")
    verified_by = serializers.CharField(
        source="verified_by.username", allow_null=True, default=None
    )
    reversal = serializers.IntegerField(
        source="reversal.pk",
        allow_null=True,
        default=None,
        help_text="the entry that reversed this payment",
    )
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "village",
            "bill",
            "period",
            "amount",
            "paid_on",
            "method",
            "reference",
            "funding_source",
            "note",
            "evidence",
            "status",
            "recorded_by",
            "verified_by",
            "verified_at",
            "review_note",
            "reversal_of",
            "reversal",
            "created_at",
            "updated_at",
        ]

    def get_evidence(self, payment) -> str | None:
        """Where to download the evidence: an authenticated, scoped URL, never /media/."""
        if not payment.evidence:
            return None
        url = reverse("payment-evidence", kwargs={"pk": payment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PaymentDetailSerializer(PaymentSerializer):
    history = serializers.SerializerMethodField()

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "history"]

    def get_history(self, payment) -> EventSerializer(many=True):
        """The payment's own events and, for a reversed one, its reversal's."""
        events = list(selectors.payment_history(payment))
        reversal = getattr(payment, "reversal", None) if payment.reversal_of_id is None else None
        if reversal is not None:
            events += list(selectors.payment_history(reversal))
        events.sort(key=lambda e: (e.at, e.pk))
        return EventSerializer(events, many=True).data


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PaymentFilter(RegionCodeFilters):
    bill = IntegerFilter(field_name="bill_id")
    period = django_filters.CharFilter(method="filter_period", label="YYYY-MM")
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Payment
        fields = ["village", "district", "regency", "bill", "period", "status", "updated_since"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(bill__period=parse_period(value))


@extend_schema_view(
    list=extend_schema(summary="Payments inside your scope"),
    retrieve=extend_schema(
        summary="One payment with its review and history", responses=PaymentDetailSerializer
    ),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permits = CONTRIBUTIONS.resource("payment")
    filterset_class = PaymentFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.payments_for(self.request.user)

    def initialize_request(self, request, *args, **kwargs):
        # A payment carries its transfer evidence (a file): multipart/form-data. The reviews
        # and reversals are JSON, as everywhere else. (The action is known only here, after
        # DRF has chosen the view's parsers.)
        request = super().initialize_request(request, *args, **kwargs)
        if self.action == "create":
            request.parsers = [MultiPartParser()]
        return request

    def get_serializer_class(self):
        return PaymentDetailSerializer if self.action != "list" else PaymentSerializer

    def _detail(self, payment, code=status.HTTP_200_OK):
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(
            PaymentDetailSerializer(payment, context={"request": self.request}).data, status=code
        )

    @extend_schema(
        request={"multipart/form-data": PaymentWriteSerializer},
        responses={201: PaymentDetailSerializer},
        examples=[
            OpenApiExample(
                "a month's PU bill paid in full, with the transfer slip",
                request_only=True,
                media_type="multipart/form-data",
                value={
                    "village": "33.26.13.2008",
                    "bill": 1234,
                    "amount": 2605320,
                    "paid_on": "2026-11-30",
                    "method": "transfer",
                    "reference": "TRF-0001",
                    "funding_source": "add",
                    "note": "",
                    "evidence": "(bukti-transfer.pdf: the file's bytes)",
                },
            )
        ],
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                location=OpenApiParameter.HEADER,
                required=False,
                description="Retry safely: the same key and body replay the first answer; the same "
                "key with another body is 409.",
            )
        ],
        summary="Record a payment against a bill (village operator)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        body = PaymentWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        del data["village"]  # checked against the bill's
        payment = payment_record(actor=request.user, **data)
        return self._detail(payment, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReviewSerializer,
        responses=PaymentDetailSerializer,
        summary="Verify a payment (pmd_auditor; not who recorded it)",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._review(request, "verify")

    @extend_schema(
        request=ReviewSerializer,
        responses=PaymentDetailSerializer,
        summary="Reject a payment with a note (pmd_auditor; not who recorded it)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, "reject")

    def _review(self, request, verdict):
        payment = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment_review(
            actor=request.user, payment=payment, verdict=verdict, note=body.validated_data["note"]
        )
        return self._detail(payment)

    @extend_schema(
        responses={(200, kind): bytes for kind in EVIDENCE_TYPES},
        summary="Download the payment's evidence (same scope as the payment)",
    )
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        payment = self.get_object()
        if not payment.evidence:
            raise Http404
        name = payment.evidence.name.rsplit("/", 1)[-1]
        file = payment.evidence.open("rb")
        # The type the file is (by its first bytes, as when it was accepted), not its name's.
        return FileResponse(
            file,
            as_attachment=True,
            filename=name,
            content_type=evidence_content_type(file) or "application/octet-stream",
        )

    @extend_schema(
        request=ReverseSerializer,
        responses=PaymentDetailSerializer,
        summary="Reverse a payment: adds the opposite entry, edits nothing",
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        payment = self.get_object()
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment_reverse(actor=request.user, payment=payment, reason=body.validated_data["reason"])
        return self._detail(payment)
