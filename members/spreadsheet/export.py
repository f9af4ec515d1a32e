"""The member list as a .csv (streamed) or .xlsx file: one row per member and role."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator

import openpyxl
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell

from jamsostek.core.money import total
from jamsostek.core.spreadsheets import neutralised

from .. import signals
from ..nik import mask_nik
from ..selectors import member_roles, shown_enrollment
from .columns import CSV_TYPE, EXPORT_COLUMNS, WIDTHS, XLSX_TYPE


def _export_rows(queryset, *, full_nik: bool) -> Iterator[list]:
    price = signals.enrollment_pricer(timezone.localdate())
    for member in queryset.iterator(chunk_size=2000):
        enrollment = shown_enrollment(member)
        monthly = None
        if enrollment is not None and enrollment.is_open:
            quote = price(enrollment)
            monthly = None if quote is None else total(quote["detail"])
        person = [
            member.village.code,
            member.nik if full_nik else mask_nik(member.nik),
            member.full_name,
            member.birth_date,
            member.sex,
            member.phone,
        ]
        terms = [
            enrollment.segment if enrollment else None,
            ",".join(enrollment.programs) if enrollment else None,
            enrollment.declared_income if enrollment else None,
            enrollment.wage if enrollment else None,
            enrollment.risk_class if enrollment else None,
            enrollment.funding_source if enrollment else None,
            enrollment.status if enrollment else None,
            enrollment.kpj_number if enrollment else None,
            enrollment.effective_from if enrollment else None,
            monthly,
        ]
        roles = member_roles(member) or [None]
        for role in roles:
            yield [
                *person,
                role.category if role else None,
                role.position if role else None,
                role.term_start if role else None,
                role.term_end if role else None,
                member.occupation,
                *terms,
            ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralised(value)  # every text cell: a name, a phone, a position (CSV injection)


def _csv_lines(queryset, *, full_nik: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for values in _export_rows(queryset, full_nik=full_nik):
        yield writer.writerow([_csv_value(v) for v in values])


def _xlsx_bytes(queryset, *, full_nik: bool) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Anggota")
    sheet.freeze_panes = "A2"
    for index, name in enumerate(EXPORT_COLUMNS, start=1):
        width = WIDTHS.get(name, 14)
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    sheet.append(EXPORT_COLUMNS)
    for values in _export_rows(queryset, full_nik=full_nik):
        cells = []
        for value in values:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str):
                # Every text cell is typed as text, which a spreadsheet never runs (openpyxl
                # would write "=…" as a formula): the value itself stays as it is.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def members_export(queryset, fmt: str, *, full_nik: bool = False):
    """``(content, content_type, filename)`` for the members of ``queryset``, one row per role.

    ``fmt`` is ``csv`` (content: a generator of lines, for a streaming response) or
    ``xlsx`` (content: bytes). NIKs are masked unless ``full_nik``. ``queryset`` should
    come from ``members.selectors.members_for`` (roles and enrollments prefetched).
    """
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return _xlsx_bytes(queryset, full_nik=full_nik), XLSX_TYPE, f"anggota-{stamp}.xlsx"
    if fmt == "csv":
        return _csv_lines(queryset, full_nik=full_nik), CSV_TYPE, f"anggota-{stamp}.csv"
    raise ValueError(f"unknown export format {fmt!r}")
