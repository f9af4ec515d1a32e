"""CSV and .xlsx for report bodies ``{"rows": [...]}``: nested fields become flat columns
(``categories.bpd.active`` → ``bpd_active``). Anything else (an error) stays JSON."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook
from rest_framework.renderers import BaseRenderer

from jamsostek.core.spreadsheets import neutralised


def flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if key == "categories" and isinstance(value, dict):
            for category, figures in value.items():
                flat.update(flatten(figures, f"{category}_"))
        elif isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _table(data) -> tuple[list[str], list[dict]] | None:
    if not isinstance(data, dict) or "rows" not in data:
        return None
    rows = [flatten(row) for row in data["rows"]]
    header: list[str] = []
    for row in rows:
        header += [key for key in row if key not in header]
    return header, rows


_safe = neutralised  # every text cell of a report (jamsostek/core/spreadsheets.py)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        table = _table(data)
        if table is None:
            return json.dumps(data).encode()
        header, rows = table
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that Excel reads the file as UTF-8
        writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _safe(value) for key, value in row.items()})
        return buffer.getvalue().encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        table = _table(data)
        if table is None:
            return json.dumps(data).encode()
        header, rows = table
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(data.get("title", "laporan"))[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_safe(row.get(key)) for key in header])
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()
