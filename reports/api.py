"""/reports/coverage/, /reports/compliance/, /reports/claims/ as JSON, CSV or .xlsx."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from jamsostek.core.choices import Level
from jamsostek.core.dates import FIRST_YEAR, LAST_YEAR
from jamsostek.core.errors import ApplicationError
from villages.models import Region
from villages.selectors import region_for
from villages.serializers import CategoryFiguresSerializer, RentanSerializer

from . import selectors
from .permissions import REPORTS
from .renderers import CSVRenderer, XLSXRenderer

FORMAT = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description="json (default), csv or xlsx (a file to download)",
)


def report_responses(serializer) -> dict:
    """A report's 200: the figures as JSON, or the same rows as a CSV or XLSX file."""
    return {
        (200, "application/json"): serializer,
        (200, CSVRenderer.media_type): bytes,
        (200, XLSXRenderer.media_type): bytes,
    }


class ReportView(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]
    title = "laporan"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if (
            renderer is not None
            and renderer.format in ("csv", "xlsx")
            and response.status_code >= 400
        ):
            # An error is the usual JSON error body, not a file that holds JSON.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
            return response
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
        """The region ``code`` names, or None. A region above the caller's scope is fine:
        the rows are cut to the scope."""
        if not code:
            return None
        return region_for(self.request.user, code, attr=attr, levels=levels, above_scope=True)

    def year(self) -> int:
        raw = self.request.query_params.get("year") or str(timezone.localdate().year)
        if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
            raise ApplicationError(
                _("A year is four digits, from 2015."), code="invalid_year", attr="year"
            )
        return int(raw)


class UcjSerializer(serializers.Serializer):
    employed_population = serializers.IntegerField()
    participants_active = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    villages = serializers.IntegerField()
    categories = serializers.DictField(
        child=CategoryFiguresSerializer(), help_text="per seat category"
    )
    rentan = RentanSerializer()
    villages_meeting_target = serializers.IntegerField()
    villages_with_perisai = serializers.IntegerField()
    participants_active = serializers.IntegerField()
    arrears_outstanding = serializers.IntegerField()
    ucj = UcjSerializer(
        allow_null=True, help_text="regency rows whose employed population is set; else null"
    )


class CoverageSerializer(serializers.Serializer):
    level = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    rows = CoverageRowSerializer(many=True)
    title = serializers.CharField(help_text="the sheet's name in the .xlsx download")


def _figures(positions: int, registered: int, active: int) -> dict:
    percent = round(active * 100 / positions, 1) if positions else None
    return {"positions": positions, "registered": registered, "active": active, "percent": percent}


COVERAGE_EXAMPLE = OpenApiExample(
    "Jawa Tengah, one row per regency (Kab. Banyumas shown)",
    media_type="application/json",
    response_only=True,
    value={
        "level": "regency",
        "code": "33",
        "rows": [
            {
                "code": "33.02",
                "name": "Kabupaten Banyumas",
                "villages": 331,
                "categories": {
                    "kepala_desa": _figures(301, 301, 301),
                    "perangkat_desa": _figures(2_709, 1_980, 1_944),
                    "bpd": _figures(3_379, 3_379, 3_379),
                    "rt": _figures(9_800, 750, 700),
                    "rw": _figures(2_500, 200, 200),
                    "linmas": _figures(10_400, 660, 660),
                    "lkd": _figures(1_655, 0, 0),
                },
                "rentan": {"target": 33_100, "active": 399, "percent": 1.2},
                "villages_meeting_target": 3,
                "villages_with_perisai": 5,
                "participants_active": 7_583,
                "arrears_outstanding": 1_192_800,
                "ucj": {
                    "employed_population": 900_000,
                    "participants_active": 7_583,
                    "percent": 0.8,
                },
            }
        ],
        "title": "cakupan",
    },
)


class CoverageView(ReportView):
    permits = REPORTS.resource("report-coverage")
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
        responses=report_responses(CoverageSerializer),
        examples=[COVERAGE_EXAMPLE],
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


class ComplianceRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="equal score, unpaid and late months share a rank")
    village = serializers.CharField()
    village_name = serializers.CharField()
    months_billed = serializers.IntegerField(help_text="months whose due date has passed")
    paid_on_time = serializers.IntegerField(help_text="paid in full by the due date")
    paid_late = serializers.IntegerField()
    unpaid = serializers.IntegerField()
    score = serializers.FloatField(help_text="(on time + late / 2) / months billed × 100")
    average_days_early = serializers.FloatField(
        allow_null=True, help_text="days before the due date, on average (negative: late)"
    )


class ComplianceSerializer(serializers.Serializer):
    regency = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    rows = ComplianceRowSerializer(many=True)
    title = serializers.CharField(help_text="the sheet's name in the .xlsx download")


class ClaimsRowSerializer(serializers.Serializer):
    village = serializers.CharField()
    village_name = serializers.CharField()
    claims = serializers.IntegerField()
    benefits = serializers.DictField(
        child=serializers.IntegerField(), help_text="rupiah paid per benefit (jkm, jkk, …)"
    )
    benefits_paid = serializers.IntegerField()
    contributions_paid = serializers.IntegerField(help_text="payments counted in the year")
    ratio = serializers.FloatField(allow_null=True, help_text="benefits / contributions")


class ClaimsSerializer(serializers.Serializer):
    regency = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    rows = ClaimsRowSerializer(many=True)
    title = serializers.CharField(help_text="the sheet's name in the .xlsx download")


COMPLIANCE_EXAMPLE = OpenApiExample(
    "Kab. Pekalongan, 2025",
    media_type="application/json",
    response_only=True,
    value={
        "regency": "33.26",
        "year": 2025,
        "rows": [
            {
                "rank": 1,
                "village": "33.26.13.2008",
                "village_name": "Kwayangan",
                "months_billed": 3,
                "paid_on_time": 3,
                "paid_late": 0,
                "unpaid": 0,
                "score": 100.0,
                "average_days_early": 11.3,
            },
            {
                "rank": 2,
                "village": "33.26.13.2003",
                "village_name": "Rowocacing",
                "months_billed": 3,
                "paid_on_time": 2,
                "paid_late": 1,
                "unpaid": 0,
                "score": 83.3,
                "average_days_early": 3.0,
            },
        ],
        "title": "tertib-bayar",
    },
)
CLAIMS_EXAMPLE = OpenApiExample(
    "Kab. Pekalongan, 2025",
    media_type="application/json",
    response_only=True,
    value={
        "regency": "33.26",
        "year": 2025,
        "rows": [
            {
                "village": "33.26.13.2008",
                "village_name": "Kwayangan",
                "claims": 1,
                "benefits": {"jkm": 42_000_000},
                "benefits_paid": 42_000_000,
                "contributions_paid": 50_400,
                "ratio": 833.33,
            }
        ],
        "title": "klaim",
    },
)


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
        responses=report_responses(ComplianceSerializer),
        examples=[COMPLIANCE_EXAMPLE],
    )
)
class ComplianceView(RegencyYearReport):
    permits = REPORTS.resource("report-compliance")
    title = "tertib-bayar"
    selector = staticmethod(selectors.compliance)


@extend_schema_view(
    get=extend_schema(
        summary="Benefits paid against contributions paid, per village",
        parameters=REGENCY_YEAR,
        responses=report_responses(ClaimsSerializer),
        examples=[CLAIMS_EXAMPLE],
    )
)
class ClaimsReportView(RegencyYearReport):
    permits = REPORTS.resource("report-claims")
    title = "klaim"
    selector = staticmethod(selectors.claims)
