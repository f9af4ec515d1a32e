"""/reports/coverage/, /reports/compliance/, /reports/claims/ as JSON, CSV or .xlsx."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope
from villages.models import Level, Region

from . import selectors
from .renderers import CSVRenderer, XLSXRenderer

FORMAT = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description="json (default), csv or xlsx (a file to download)",
)


class ReportView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]
    title = "laporan"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if (
            renderer is not None
            and renderer.format in ("csv", "xlsx")
            and response.status_code == 200
        ):
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = (
                f'attachment; filename="{self.title}-{stamp}.{renderer.format}"'
            )
        return response

    def region(self, code: str | None, levels, attr: str) -> Region | None:
        if not code:
            return None
        region = Region.objects.filter(code=code, level__in=levels).first()
        if region is None or not (
            region_in_scope(region, self.request.user) or self._covers(region)
        ):
            raise ApplicationError(
                _("Region %(code)s does not exist or is outside your scope.") % {"code": code},
                code="invalid_region",
                attr=attr,
            )
        return region

    def _covers(self, region: Region) -> bool:
        """A parent above the caller's scope is fine: the rows are cut to the scope."""
        scope = self.request.user.scope
        return scope is not None and scope.code.startswith(region.code + ".")

    def year(self) -> int:
        raw = self.request.query_params.get("year") or str(timezone.localdate().year)
        if not raw.isdigit() or not 2015 <= int(raw) <= 2100:
            raise ApplicationError(
                _("A year is four digits, from 2015."), code="invalid_year", attr="year"
            )
        return int(raw)


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    villages = serializers.IntegerField()
    categories = serializers.DictField()
    rentan = serializers.DictField()
    villages_meeting_target = serializers.IntegerField()
    villages_with_perisai = serializers.IntegerField()
    participants_active = serializers.IntegerField()
    arrears_outstanding = serializers.IntegerField()
    ucj = serializers.DictField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    level = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    rows = CoverageRowSerializer(many=True)


class CoverageView(ReportView):
    title = "cakupan"

    @extend_schema(
        summary="Coverage per child region: seats, registered and active per category, "
        "vulnerable workers, villages meeting the target, PERISAI, UCJ",
        parameters=[
            OpenApiParameter(
                "level",
                str,
                enum=["province", "regency", "district", "village"],
                description="the level of the rows (default: the one below code)",
            ),
            OpenApiParameter("code", str, description="the parent region's code"),
            FORMAT,
        ],
        responses=CoverageSerializer,
    )
    def get(self, request):
        parent = self.region(
            request.query_params.get("code"),
            [Level.PROVINCE, Level.REGENCY, Level.DISTRICT, Level.VILLAGE],
            "code",
        )
        default = selectors.CHILD.get(parent.level, Level.VILLAGE) if parent else Level.PROVINCE
        level = request.query_params.get("level") or default
        if level not in Level.values or (
            parent
            and level_rank(level) <= level_rank(parent.level)
            and parent.level != Level.VILLAGE
        ):
            raise ApplicationError(
                _("The level must lie below the region given."), code="invalid_level", attr="level"
            )
        rows = selectors.coverage(request.user, level=level, parent=parent)
        return Response(
            {
                "level": level,
                "code": parent.code if parent else None,
                "rows": rows,
                "title": self.title,
            }
        )


def level_rank(level: str) -> int:
    return [Level.PROVINCE, Level.REGENCY, Level.DISTRICT, Level.VILLAGE].index(level)


class RegencyYearSerializer(serializers.Serializer):
    regency = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.DictField())


REGENCY_YEAR = [OpenApiParameter("regency", str), OpenApiParameter("year", int), FORMAT]


class RegencyYearReport(ReportView):
    """A report of a regency (or the caller's whole scope) for a year."""

    selector = None  # selectors.compliance or selectors.claims

    def get(self, request):
        regency = self.region(request.query_params.get("regency"), [Level.REGENCY], "regency")
        year = self.year()
        rows = type(self).selector(request.user, regency=regency, year=year)
        return Response(
            {
                "regency": regency.code if regency else None,
                "year": year,
                "rows": rows,
                "title": self.title,
            }
        )


@extend_schema_view(
    get=extend_schema(
        summary='The "tertib bayar iuran" ranking: months billed, paid by the due date, late, '
        "unpaid, score",
        parameters=REGENCY_YEAR,
        responses=RegencyYearSerializer,
    )
)
class ComplianceView(RegencyYearReport):
    title = "tertib-bayar"
    selector = staticmethod(selectors.compliance)


@extend_schema_view(
    get=extend_schema(
        summary="Benefits paid against contributions paid, per village",
        parameters=REGENCY_YEAR,
        responses=RegencyYearSerializer,
    )
)
class ClaimsReportView(RegencyYearReport):
    title = "klaim"
    selector = staticmethod(selectors.claims)
