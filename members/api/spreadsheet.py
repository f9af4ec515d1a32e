"""/members/import/, /members/import-template/, /members/export/ and /members/import-jobs/.

``MemberIOMixin`` is mixed into ``MemberViewSet`` (.members); ``ImportJobViewSet`` is
registered on its own.
"""

from __future__ import annotations

import contextlib

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from .. import selectors
from ..models import ImportJob
from ..permissions import FULL_NIK_ROLES, MEMBERS
from ..services.import_jobs import members_import_file
from ..spreadsheet.columns import MAX_UPLOAD_BYTES, XLSX_TYPE
from ..spreadsheet.export import members_export
from ..spreadsheet.template import build_template

EXPORT_FORMATS = ("csv", "xlsx")


class FileFormatNegotiation(DefaultContentNegotiation):
    """On export, ``?format=`` names the file to produce, not a DRF renderer.

    DRF reads ``?format=`` (URL_FORMAT_OVERRIDE) to pick a renderer and answers 404 when
    none has that name; here it is left to the view, and errors render as JSON.
    """

    def filter_renderers(self, renderers, format):
        return renderers


# --- bodies -----------------------------------------------------------------------------


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the filled-in template, .xlsx or .csv, up to 5 MB")

    def validate_file(self, upload):
        name = (upload.name or "").lower()
        if not name.endswith((".xlsx", ".csv")):
            raise serializers.ValidationError(
                _("Upload an .xlsx or .csv file (the template's format)."), code="file_type"
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than 5 MB: split it into smaller files."),
                code="file_too_large",
            )
        return upload


class ImportParamsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False)
    partial = serializers.BooleanField(required=False, default=False)


class ExportParamsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, required=False, default="csv")


class RowMessageSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="the row number in the sheet (the header is row 1)")
    attr = serializers.CharField(allow_null=True, help_text="the column at fault, if any")
    code = serializers.CharField()
    detail = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="data rows read from the file")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    dry_run = serializers.BooleanField(
        help_text="true: nothing was kept; created and updated say what would have been"
    )
    errors = RowMessageSerializer(many=True)
    warnings = RowMessageSerializer(many=True)


class ImportJobSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="queued, running, done or failed")
    rows_done = serializers.SerializerMethodField()
    result = serializers.JSONField(
        read_only=True, help_text="the import's result (as /members/import/ answers) once done"
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "filename",
            "dry_run",
            "partial",
            "rows_total",
            "rows_done",
            "result",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_rows_done(self, job) -> int:
        return selectors.import_job_rows_done(job)


DRY_RUN = OpenApiParameter(
    "dry_run", OpenApiTypes.BOOL, description="check and count only: nothing is kept"
)
PARTIAL = OpenApiParameter(
    "partial", OpenApiTypes.BOOL, description="keep the good rows even if others fail"
)
FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=EXPORT_FORMATS, default="csv")
XLSX = XLSX_TYPE


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class MemberIOMixin:
    """Spreadsheet actions of ``MemberViewSet`` (uses its queryset and filters)."""

    @extend_schema(
        summary="The .xlsx import template (with drop-downs and instructions in Indonesian)",
        request=None,
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="import-template", url_name="import-template")
    def import_template(self, request):
        response = HttpResponse(build_template(), content_type=XLSX)
        return _attachment(response, "template-anggota.xlsx")

    @extend_schema(
        summary="Import members from the template (.xlsx or .csv)",
        description=(
            "One row per member and role. All or nothing unless `partial=true`; "
            "`dry_run=true` only checks. A NIK already registered in the row's village "
            "updates that member. Files of more than IMPORT_SYNC_LIMIT rows (2000) are "
            "imported by a background job: the answer is then 202 with the job, to follow "
            "at /members/import-jobs/{id}/."
        ),
        parameters=[DRY_RUN, PARTIAL],
        request=ImportUploadSerializer,
        examples=[
            OpenApiExample(
                "the filled-in template",
                request_only=True,
                media_type="multipart/form-data",
                value={"file": "(anggota.xlsx: the file's bytes)"},
            )
        ],
        responses={200: ImportResultSerializer, 202: ImportJobSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
    )
    def import_(self, request):
        params = ImportParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = members_import_file(
            actor=request.user,
            upload=body.validated_data["file"],
            language=get_language() or "",
            **params.validated_data,
        )
        if run.job is not None:
            job = run.job
            headers = {}
            with contextlib.suppress(NoReverseMatch):  # until the job URLs are registered
                headers["Location"] = reverse("import-job-detail", kwargs={"pk": job.pk})
            return Response(
                ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers
            )
        return Response(run.result)

    @extend_schema(
        summary="The filtered member list as a file (one row per member and role)",
        description=(
            "The list's filters apply. Columns: the import template's, then status, "
            "kpj_number, effective_from and monthly_contribution. NIKs are masked for "
            "district viewers."
        ),
        parameters=[FORMAT],
        filters=True,
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX): OpenApiTypes.BINARY},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        content_negotiation_class=FileFormatNegotiation,
    )
    def export(self, request):
        params = ExportParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        fmt = params.validated_data["format"]
        queryset = self.filter_queryset(self.get_queryset())
        content, content_type, filename = members_export(
            queryset, fmt, full_nik=request.user.role in FULL_NIK_ROLES
        )
        if fmt == "csv":
            response = StreamingHttpResponse(content, content_type=content_type)
        else:
            response = HttpResponse(content, content_type=content_type)
        return _attachment(response, filename)


@extend_schema_view(
    list=extend_schema(summary="Your import jobs (an admin sees everyone's)"),
    retrieve=extend_schema(summary="One import job: its progress, then its result"),
)
class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    permits = MEMBERS.resource("import-job")
    serializer_class = ImportJobSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.import_jobs_for(self.request.user)
