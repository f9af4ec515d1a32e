"""Reading an uploaded .xlsx or .csv file into numbered rows of the template's columns."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _

from .columns import (
    COLUMNS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_PART_BYTES,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    REQUIRED_COLUMNS,
    ImportFileError,
)


def read_rows(file, *, name: str | None = None) -> list[tuple[int, dict]]:
    """The data rows of an .xlsx or .csv file: ``[(row number, {column: value}), ...]``.

    ``file`` is a path, bytes or a binary file object (an upload). Row numbers are those
    the user sees, the header being row 1. Header names are matched case-insensitively;
    unknown columns are ignored and empty rows skipped. Values come back as the file holds
    them (strings stripped, empty ones None, numbers and dates as read): :func:`clean_row`
    makes sense of them.
    """
    data, name = _read_bytes(file, name)
    if data[:4] == b"PK\x03\x04":
        raw = _xlsx_rows(data)
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(
            _("This is an old Excel (.xls) file: save it as .xlsx and upload it again."),
            code="file_type",
        )
    elif (name or "").lower().endswith(".xlsx"):
        raise ImportFileError(_("The .xlsx file is damaged or not an Excel file."))
    else:
        raw = _csv_rows(data)
    return _with_header(raw)


def _read_bytes(file, name: str | None) -> tuple[bytes, str | None]:
    if isinstance(file, bytes | bytearray):
        return bytes(file), name
    if isinstance(file, str | Path):
        path = Path(file)
        return path.read_bytes(), name or path.name
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    return data, name or getattr(file, "name", None)


def _too_big() -> ImportFileError:
    return ImportFileError(
        _(
            "The spreadsheet holds far more than its size shows: save it again from Excel, "
            "without empty rows below the data, or split it."
        ),
        code="file_too_large",
    )


def _check_zip(data: bytes) -> None:
    """Refuse an .xlsx whose parts would unzip to more than we read, from the zip's own
    directory (the sizes it declares are what zipfile will ever give out)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = [info.file_size for info in archive.infolist()]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(_("The .xlsx file is damaged or not an Excel file.")) from exc
    if any(size > MAX_PART_BYTES for size in sizes) or sum(sizes) > MAX_UNZIPPED_BYTES:
        raise _too_big()


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise ImportFileError(_("The .xlsx file is damaged or not an Excel file.")) from exc
    try:
        sheet = workbook["Anggota"] if "Anggota" in workbook.sheetnames else workbook.worksheets[0]
        # The sheet's declared extent, when it has one, refuses a huge sheet at once; the
        # count in _with_header refuses one that does not declare it.
        if (sheet.max_row or 0) > MAX_ROWS + 1:
            raise _too_many_rows()
        cells = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(cells, start=1):
            yield number, list(values)
    except ImportFileError:
        raise
    except Exception as exc:  # a sheet whose XML openpyxl cannot parse
        raise ImportFileError(_("The .xlsx file is damaged or not an Excel file.")) from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" on Windows writes the ANSI code page.
        text = data.decode("cp1252", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _normal_header(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


def _tidy(value):
    if isinstance(value, str):
        value = value.replace("\u00a0", " ").strip()
        return value or None
    return value


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(count)s rows: split it into smaller files.")
        % {"count": MAX_ROWS},
        code="too_many_rows",
    )


def _with_header(raw: Iterable[tuple[int, list]]) -> list[tuple[int, dict]]:
    header: dict[int, str] | None = None
    rows: list[tuple[int, dict]] = []
    for number, values in raw:
        if number > MAX_ROWS + 1:  # the header and MAX_ROWS rows, empty ones counted
            raise _too_many_rows()
        values = [_tidy(v) for v in values]
        if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in values):
            raise ImportFileError(
                _("Row %(row)s has a cell longer than %(count)s characters.")
                % {"row": number, "count": MAX_CELL_CHARS},
                code="cell_too_long",
            )
        if all(v is None for v in values):
            continue
        if header is None:
            header = {}
            for index, value in enumerate(values):
                column = _normal_header(value)
                if column in COLUMNS and column not in header.values():
                    header[index] = column
            missing = [c for c in REQUIRED_COLUMNS if c not in header.values()]
            if missing:
                raise ImportFileError(
                    _(
                        "The first row must hold the template's column names; missing: "
                        "%(columns)s. Download the template and copy your data into it."
                    )
                    % {"columns": ", ".join(missing)},
                    code="missing_columns",
                )
            continue
        row = {column: values[i] if i < len(values) else None for i, column in header.items()}
        if any(v is not None for v in row.values()):
            rows.append((number, row))
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
    if header is None:
        raise ImportFileError(_("The file is empty."), code="empty_file")
    return rows
