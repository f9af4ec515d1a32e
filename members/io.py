"""Members in and out of spreadsheets: the import template, reading .xlsx/.csv files,
importing their rows through the same checks as the API, and exporting the member list.

One sheet row is one person with one role (the API's body, flattened):

    village, nik, full_name, birth_date, sex, phone, category, position, term_start,
    term_end, occupation, segment, programs, declared_income, wage, risk_class,
    funding_source

Rows are validated by ``members.api.MemberWriteSerializer`` and written by
``members.services``; errors come back per row, with the row number the user sees (the
header is row 1) and the column at fault.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from rest_framework import serializers

from jamsostek.core.choices import Category
from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope

from . import services
from .models import (
    FundingSource,
    ImportJob,
    Member,
    MemberEvent,
    Occupation,
    RiskClass,
    Segment,
    Sex,
)
from .nik import mask_nik

COLUMNS = [
    "village",
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "phone",
    "category",
    "position",
    "term_start",
    "term_end",
    "occupation",
    "segment",
    "programs",
    "declared_income",
    "wage",
    "risk_class",
    "funding_source",
]
EXPORT_COLUMNS = [*COLUMNS, "status", "kpj_number", "effective_from", "monthly_contribution"]
# Without these a file cannot be imported at all (a 400, not an error on every row).
REQUIRED_COLUMNS = ["village", "nik", "full_name", "birth_date", "sex", "category"]
DATE_COLUMNS = {"birth_date", "term_start", "term_end"}
MONEY_COLUMNS = {"declared_income", "wage"}
TEXT_COLUMNS = {"village", "nik", "phone"}  # formatted as text in the template
ENROLLMENT_COLUMNS = [
    "segment",
    "programs",
    "declared_income",
    "wage",
    "risk_class",
    "funding_source",
]
CHOICES = {
    "sex": Sex,
    "category": Category,
    "occupation": Occupation,
    "segment": Segment,
    "risk_class": RiskClass,
    "funding_source": FundingSource,
}
# Words people write for the sex instead of the API's values.
SEX_SYNONYMS = {
    "l": Sex.MALE,
    "lk": Sex.MALE,
    "laki_laki": Sex.MALE,
    "pria": Sex.MALE,
    "m": Sex.MALE,
    "p": Sex.FEMALE,
    "pr": Sex.FEMALE,
    "perempuan": Sex.FEMALE,
    "wanita": Sex.FEMALE,
    "f": Sex.FEMALE,
}

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A 5 MB .xlsx unzips to far more: cap what is read (the template has 17 columns).
MAX_COLUMNS = 64
MAX_ROWS = 50_000
TEMPLATE_ROWS = 5000  # rows 2..5001 get the formats and drop-downs
PROGRESS_EVERY = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

EXAMPLE = {
    "village": "33.26.13.2008",
    "nik": "3326134507850001",
    "full_name": "Siti Aminah",
    "birth_date": datetime.date(1985, 7, 5),
    "sex": "female",
    "phone": "081234567890",
    "category": "bpd",
    "position": "Ketua BPD",
    "term_start": datetime.date(2023, 1, 1),
    "term_end": datetime.date(2028, 12, 31),
    "occupation": None,
    "segment": "bpu",
    "programs": "jkk,jkm",
    "declared_income": 1_000_000,
    "wage": None,
    "risk_class": None,
    "funding_source": "add",
}


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read (a 400 on the ``file`` field)."""

    def __init__(self, message, *, code: str = "invalid_file"):
        super().__init__(message, code=code, attr="file")


# --- the template -----------------------------------------------------------------------

_WIDTHS = {
    "village": 15,
    "nik": 20,
    "full_name": 28,
    "birth_date": 12,
    "sex": 9,
    "phone": 15,
    "category": 16,
    "position": 22,
    "term_start": 12,
    "term_end": 12,
    "occupation": 14,
    "segment": 9,
    "programs": 16,
    "declared_income": 16,
    "wage": 13,
    "risk_class": 11,
    "funding_source": 15,
}

# The second sheet, in Indonesian: (column, required, what it is, allowed values).
_HELP = [
    (
        "village",
        "Wajib",
        "Kode desa/kelurahan Kemendagri dengan titik, misalnya 33.26.13.2008. Desa harus "
        "berada dalam wilayah akun Anda.",
        "Kode desa 13 karakter (PP.KK.CC.DDDD)",
    ),
    (
        "nik",
        "Wajib",
        "Nomor Induk Kependudukan, 16 digit, sesuai KTP/KK. FORMAT KOLOM INI SEBAGAI TEKS "
        "(Format Cells → Text) sebelum mengetik atau menempel NIK: bila NIK tersimpan sebagai "
        "angka, Excel hanya menyimpan 15 digit dan digit terakhir berubah menjadi 0 "
        "(3326134507850001 menjadi 3326134507850000, tampil sebagai 3,32613E+15). Baris "
        "seperti itu ditolak. NIK harus cocok dengan tanggal lahir dan jenis kelamin "
        "(perempuan: tanggal lahir + 40).",
        "16 digit",
    ),
    ("full_name", "Wajib", "Nama lengkap sesuai KTP.", "Teks, maks. 150 karakter"),
    (
        "birth_date",
        "Wajib",
        "Tanggal lahir. Boleh berupa tanggal Excel, atau ditulis dd/mm/yyyy (05/07/1985) "
        "atau yyyy-mm-dd (1985-07-05).",
        "Tanggal",
    ),
    ("sex", "Wajib", "Jenis kelamin.", "male (laki-laki), female (perempuan)"),
    (
        "phone",
        "Tidak",
        "Nomor HP, diawali 08 atau +62. Kolom ini berformat teks agar angka 0 di depan "
        "tidak hilang.",
        "Teks, maks. 20 karakter",
    ),
    (
        "category",
        "Wajib",
        "Peran orang tersebut di desa. Satu baris = satu peran; orang dengan dua peran "
        "didaftarkan dengan satu peran, peran lain ditambahkan di aplikasi.",
        "kepala_desa, perangkat_desa (sekdes, kaur, kasi, kadus), bpd, rt, rw, linmas, lkd "
        "(PKK, Karang Taruna, LPM, kader posyandu), pekerja_rentan. Kelurahan tidak "
        "mempunyai kepala_desa, perangkat_desa dan bpd.",
    ),
    ("position", "Tidak", "Nama jabatan, misalnya Ketua BPD, Kaur Keuangan.", "Teks"),
    ("term_start", "Tidak", "Awal masa jabatan.", "Tanggal"),
    ("term_end", "Tidak", "Akhir masa jabatan (tidak boleh sebelum term_start).", "Tanggal"),
    (
        "occupation",
        "Wajib untuk pekerja_rentan",
        "Pekerjaan pekerja rentan; kosongkan untuk peran lain.",
        "petani, nelayan, buruh_tani, buruh_harian, pedagang, umkm, ojek, pengrajin, lainnya",
    ),
    (
        "segment",
        "Tidak",
        "Segmen kepesertaan BPJS Ketenagakerjaan. Kosongkan seluruh kolom segment sampai "
        "funding_source bila orang tersebut belum didaftarkan kepesertaannya.",
        "bpu (Bukan Penerima Upah), pu (Penerima Upah)",
    ),
    (
        "programs",
        "Wajib bila segment diisi",
        "Program yang diikuti, dipisah koma. JKK dan JKM wajib; JP hanya untuk pu.",
        "jkk, jkm, jht, jp (contoh: jkk,jkm)",
    ),
    (
        "declared_income",
        "Wajib untuk bpu",
        "Penghasilan sebulan yang dilaporkan (dasar iuran BPU), dalam rupiah utuh.",
        "Angka, misalnya 1000000 atau 1.000.000",
    ),
    (
        "wage",
        "Wajib untuk pu",
        "Upah sebulan (siltap) untuk Penerima Upah, dalam rupiah utuh; kosongkan untuk bpu.",
        "Angka, misalnya 2400000",
    ),
    (
        "risk_class",
        "Wajib untuk pu",
        "Kelas risiko pekerjaan (kantor desa: very_low); kosongkan untuk bpu.",
        "very_low, low, medium, high, very_high",
    ),
    (
        "funding_source",
        "Wajib bila segment diisi",
        "Sumber dana iuran. IURAN TIDAK BOLEH DIBAYAR DARI DANA DESA: bila desa yang "
        "membayar, gunakan ADD atau pendapatan APBDes lainnya. Kelurahan tidak mempunyai "
        "ADD/APBDes: gunakan apbd, csr atau mandiri.",
        "add, apbdes, apbd, mandiri, csr",
    ),
]

_NOTES = [
    "Petunjuk umum",
    "• Baris pertama lembar Anggota adalah nama kolom: jangan diubah atau dihapus. Urutan "
    "kolom boleh berbeda; kolom lain diabaikan.",
    "• Hapus baris contoh (Siti Aminah) sebelum mengunggah; baris contoh yang tidak diubah "
    "dilewati.",
    "• Huruf besar/kecil dan spasi berlebih tidak masalah (Female, BPD, ' bpd ').",
    "• Nominal uang dalam rupiah utuh: 1000000, 1.000.000 atau Rp 1.000.000.",
    "• Kolom NIK harus berformat Teks. NIK yang terbaca sebagai angka ditolak karena digit "
    "terakhirnya sudah hilang.",
    "• Iuran tidak boleh dibayar dari Dana Desa (funding_source dana_desa ditolak).",
    "• Unggahan bersifat semua atau tidak sama sekali: bila ada satu baris yang salah, tidak "
    "ada yang disimpan dan semua kesalahan dilaporkan per baris dan kolom. Dengan partial=true "
    "baris yang benar tetap disimpan. Dengan dry_run=true file hanya diperiksa.",
    "• NIK yang sudah terdaftar di desa yang sama memperbarui data orang tersebut (nama, "
    "tanggal lahir, jenis kelamin, HP, pekerjaan, kepesertaan); NIK yang terdaftar di desa "
    "lain ditolak.",
    "• Ukuran file paling besar 5 MB, berformat .xlsx atau .csv (UTF-8, pemisah koma atau "
    "titik koma).",
]


def build_template() -> bytes:
    """The .xlsx import template: the "Anggota" sheet to fill in and the "Petunjuk" sheet."""
    return _template_bytes()


@functools.lru_cache(maxsize=1)
def _template_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Anggota"
    header_fill = PatternFill("solid", fgColor="1F4E78")
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    sheet.append([EXAMPLE[name] for name in COLUMNS])
    last = TEMPLATE_ROWS + 1
    for index, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _WIDTHS[name]
        number_format = None
        if name in TEXT_COLUMNS:
            number_format = "@"
        elif name in DATE_COLUMNS:
            number_format = "yyyy-mm-dd"
        elif name in MONEY_COLUMNS:
            number_format = "#,##0"
        if number_format:
            # The column's style covers rows typed below the range; the cells the range.
            dimension.number_format = number_format
            for row in range(2, last + 1):
                sheet.cell(row=row, column=index).number_format = number_format
        if name in CHOICES:
            values = CHOICES[name].values
            validation = DataValidation(
                type="list",
                formula1='"{}"'.format(",".join(values)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Nilai tidak dikenal",
                error="Pilih salah satu: " + ", ".join(values),
                showInputMessage=False,
            )
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("Petunjuk")
    help_sheet.append(["Kolom", "Wajib?", "Keterangan", "Nilai yang boleh"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
    for entry in _HELP:
        help_sheet.append(list(entry))
    help_sheet.append([])
    for note in _NOTES:
        help_sheet.append([note])
    help_sheet.cell(row=len(_HELP) + 3, column=1).font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 22, 90, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=2, max_row=len(_HELP) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading files ----------------------------------------------------------------------


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


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise ImportFileError(_("The .xlsx file is damaged or not an Excel file.")) from exc
    try:
        sheet = workbook["Anggota"] if "Anggota" in workbook.sheetnames else workbook.worksheets[0]
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


def _with_header(raw: Iterable[tuple[int, list]]) -> list[tuple[int, dict]]:
    header: dict[int, str] | None = None
    rows: list[tuple[int, dict]] = []
    for number, values in raw:
        values = [_tidy(v) for v in values]
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
                raise ImportFileError(
                    _("The file has more than %(count)s rows: split it into smaller files.")
                    % {"count": MAX_ROWS},
                    code="too_many_rows",
                )
    if header is None:
        raise ImportFileError(_("The file is empty."), code="empty_file")
    return rows


# --- cleaning one row -------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")
_FLOAT_TEXT = re.compile(r"^\d{15,}[.,]0+$")
_ISO_DATE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DMY_DATE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_MONEY_ID = re.compile(r"^(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,2}))?$")  # 1.000.000,00
_MONEY_EN = re.compile(r"^(\d{1,3}(?:,\d{3})+)(?:\.(\d{1,2}))?$")  # 1,000,000.00
_MONEY_DECIMAL = re.compile(r"^(\d+)[.,](\d{1,2})$")  # 1000000.00
_VILLAGE_DIGITS = re.compile(r"^\d{10}$")


class _RowErrors(list):
    def add(self, attr, code: str, detail) -> None:
        self.append({"attr": attr, "code": code, "detail": str(detail)})


def _nik_as_number_message(read) -> str:
    return _(
        "The NIK was read as a number (%(read)s): Excel keeps only 15 significant digits, so "
        "its last digit is lost (3326134507850001 becomes 3326134507850000). Format the nik "
        "column as text, type the NIK again and upload the file again."
    ) % {"read": read}


def _clean_nik(value, errors: _RowErrors):
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        shown = f"{value:.0f}" if isinstance(value, float) else str(value)
        errors.add("nik", "nik_as_number", _nik_as_number_message(shown))
        return None
    text = str(value).strip().lstrip("'").strip()
    compact = re.sub(r"\s+", "", text)
    if not compact.isascii():  # fullwidth or other scripts' digits
        errors.add("nik", "nik_format", _("A NIK is exactly 16 digits."))
        return None
    if (
        _SCIENTIFIC.match(compact)
        or _FLOAT_TEXT.match(compact)
        or (compact.isdigit() and len(compact) >= 16 and compact.endswith("0000"))
    ):
        errors.add("nik", "nik_as_number", _nik_as_number_message(text))
        return None
    return compact


def _clean_date(value, attr: str, errors: _RowErrors):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    try:
        if match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
        if match := _DMY_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass
    errors.add(
        attr,
        "invalid_date",
        _("%(value)s is not a date: write it as dd/mm/yyyy (for example 05/07/1985) or yyyy-mm-dd.")
        % {"value": text},
    )
    return None


def _clean_money(value, attr: str, errors: _RowErrors):
    if value is None:
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if math.isfinite(value) and value == int(value):
            return int(value)
        errors.add(attr, "not_whole_rupiah", _("Amounts are whole rupiah, without cents."))
        return None
    text = re.sub(r"^(?:rp|idr)\.?", "", str(value).strip(), flags=re.IGNORECASE)
    text = re.sub(r"[\s\u00a0]", "", text)
    text = re.sub(r"[.,]-+$", "", text)  # "Rp 1.000.000,-"
    if text.isdecimal():
        return int(text)
    for pattern, thousands in ((_MONEY_ID, "."), (_MONEY_EN, ","), (_MONEY_DECIMAL, None)):
        match = pattern.match(text)
        if match:
            whole, cents = match.groups()
            if cents and int(cents):
                errors.add(attr, "not_whole_rupiah", _("Amounts are whole rupiah, without cents."))
                return None
            return int(whole.replace(thousands, "") if thousands else whole)
    errors.add(
        attr,
        "invalid_amount",
        _("%(value)s is not an amount: write whole rupiah, for example 1000000 or 1.000.000.")
        % {"value": value},
    )
    return None


def _clean_choice(value, attr: str):
    if value is None:
        return None
    text = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    if attr == "sex":
        text = SEX_SYNONYMS.get(text, text)
    # Not a choice: the serializer says so in its own words (and refuses Dana Desa).
    return text


def _clean_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    return re.sub(r"\s+", " ", str(value)).strip() or None


def _clean_phone(value) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Typed as a number: Excel dropped the leading 0 of 08…
        digits = f"{value:.0f}"
        return "0" + digits if digits.startswith("8") else digits
    return _clean_text(value)


def _clean_village(value) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{value:.0f}"
    text = _clean_text(value)
    if text and _VILLAGE_DIGITS.match(text):
        return f"{text[:2]}.{text[2:4]}.{text[4:6]}.{text[6:]}"
    return text


def _clean_programs(value) -> list[str] | None:
    if value is None:
        return None
    parts = [p for p in re.split(r"[,;/+\s]+", str(value).strip().lower()) if p]
    return list(dict.fromkeys(parts)) or None


def clean_row(values: dict) -> tuple[dict, list[dict]]:
    """A flat row as the sheet holds it → (the same row cleaned, errors found on the way)."""
    errors = _RowErrors()
    row = {
        "village": _clean_village(values.get("village")),
        "nik": _clean_nik(values.get("nik"), errors),
        "full_name": _clean_text(values.get("full_name")),
        "phone": _clean_phone(values.get("phone")),
        "position": _clean_text(values.get("position")),
        "programs": _clean_programs(values.get("programs")),
    }
    for name in DATE_COLUMNS:
        row[name] = _clean_date(values.get(name), name, errors)
    for name in MONEY_COLUMNS:
        row[name] = _clean_money(values.get(name), name, errors)
    for name in CHOICES:
        row[name] = _clean_choice(values.get(name), name)
    return row, errors


def _body_of(row: dict) -> dict:
    """The flat row → the body ``MemberWriteSerializer`` takes (None left out)."""
    role = {
        k: row[k] for k in ("category", "position", "term_start", "term_end") if row[k] is not None
    }
    body = {
        k: row[k]
        for k in ("village", "nik", "full_name", "birth_date", "sex", "phone", "occupation")
        if row[k] is not None
    }
    body["roles"] = [role]
    if any(row[k] is not None for k in ENROLLMENT_COLUMNS):
        body["enrollment"] = {k: row[k] for k in ENROLLMENT_COLUMNS if row[k] is not None}
    return body


def _column_for(path: str | None) -> str | None:
    """``roles.0.category`` → ``category``, ``enrollment.programs.1`` → ``programs``…"""
    if not path:
        return None
    parts = path.split(".")
    for part in reversed(parts):
        if part in COLUMNS:
            return part
    if parts[0] == "roles":
        return "category"
    return None


def _flatten(detail, prefix: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
            else:
                yield prefix, item
    else:
        yield prefix, detail


def _serializer_errors(detail) -> list[dict]:
    return [
        {
            "attr": _column_for(path),
            "code": getattr(message, "code", "invalid"),
            "detail": str(message),
        }
        for path, message in _flatten(detail)
    ]


def _exception_errors(exc: Exception) -> list[dict]:
    if isinstance(exc, ApplicationError):
        attr = exc.attr or ("nik" if exc.code == "nik_registered" else None)
        return [{"attr": _column_for(attr), "code": exc.code, "detail": str(exc.message)}]
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return [
                {"attr": _column_for(attr), "code": error.code or "invalid", "detail": message}
                for attr, errors in exc.error_dict.items()
                for error in errors
                for message in error.messages
            ]
        return [
            {"attr": None, "code": error.code or "invalid", "detail": message}
            for error in exc.error_list
            for message in error.messages
        ]
    return [{"attr": None, "code": "invalid", "detail": str(exc)}]


# --- importing --------------------------------------------------------------------------


def _existing_members(niks: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(niks), 900):
        chunk = niks[start : start + 900]
        for member in (
            Member.objects.select_related("village").prefetch_related("roles").filter(nik__in=chunk)
        ):
            found[member.nik] = member
    return found


@functools.cache
def _example_cleaned() -> dict:
    return clean_row(EXAMPLE)[0]


def _is_example(row: dict) -> bool:
    """Whether ``row`` is the template's example, unchanged."""
    return row["nik"] == EXAMPLE["nik"] and row == _example_cleaned()


def import_members(
    *,
    actor,
    rows: list[tuple[int, dict]],
    dry_run: bool,
    partial: bool,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Register (or, for a NIK already in the same village, update) one member per row.

    All or nothing unless ``partial``: one failed row and nothing is kept. ``dry_run``
    checks and counts everything, then keeps nothing. ``progress(rows_done)`` is called
    every ``PROGRESS_EVERY`` rows and at the end. Returns ``{rows, created, updated,
    dry_run, errors: [{row, attr, code, detail}], warnings: [...]}``; ``created`` and
    ``updated`` are what was kept, or in a dry run what would have been kept.
    """
    importer = _Importer(actor)
    cleaned = importer.clean(rows)
    with transaction.atomic():
        for done, (number, row, row_errors) in enumerate(cleaned, start=1):
            importer.import_row(number, row, row_errors)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
        if progress:
            progress(len(cleaned))
        if importer.errors and not partial:
            importer.created = importer.updated = 0
            transaction.set_rollback(True)
        if dry_run:
            transaction.set_rollback(True)
    return {
        "rows": len(cleaned),
        "created": importer.created,
        "updated": importer.updated,
        "dry_run": dry_run,
        "errors": sorted(importer.errors, key=lambda e: e["row"]),
        "warnings": sorted(importer.warnings, key=lambda e: e["row"]),
    }


class _Importer:
    def __init__(self, actor):
        from .api import MemberWriteSerializer  # members.api mixes in members.io_api

        # One instance validates every row (as DRF's ListSerializer does): its fields are
        # built once instead of deep-copied for each row.
        self.serializer = MemberWriteSerializer()
        self.actor = actor
        self.created = self.updated = 0
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.existing: dict[str, Member] = {}

    def clean(self, rows: list[tuple[int, dict]]) -> list[tuple[int, dict, _RowErrors]]:
        """Clean every row, find NIKs repeated in the file, and fetch the NIKs known."""
        cleaned = []
        first_row_of: dict[str, int] = {}
        for number, values in rows:
            row, row_errors = clean_row(values)
            nik = row["nik"]
            if nik and nik in first_row_of:
                row_errors.add(
                    "nik",
                    "nik_repeated",
                    _("This NIK is also in row %(row)s of this file.") % {"row": first_row_of[nik]},
                )
            elif nik:
                first_row_of[nik] = number
            cleaned.append((number, row, row_errors))
        self.existing = _existing_members([nik for nik in first_row_of if nik.isdigit()])
        return cleaned

    def report(self, target: list, number: int, *items: dict) -> None:
        target.extend({"row": number, **item} for item in items)

    def import_row(self, number: int, row: dict, row_errors: _RowErrors) -> None:
        if _is_example(row) and row["nik"] not in self.existing:
            self.report(
                self.warnings,
                number,
                {
                    "attr": None,
                    "code": "example_row",
                    "detail": _("The template's example row was skipped."),
                },
            )
            return
        try:
            data = self.serializer.run_validation(_body_of(row))
        except serializers.ValidationError as exc:
            # A column whose cell could not be read already has its error.
            faulty = {e["attr"] for e in row_errors}
            row_errors.extend(e for e in _serializer_errors(exc.detail) if e["attr"] not in faulty)
        if row_errors:
            self.report(self.errors, number, *row_errors)
            return
        member = self.existing.get(data["nik"])
        try:
            with transaction.atomic():
                if (
                    member is not None
                    and member.village.code == data["village"]
                    and region_in_scope(member.village, self.actor)
                ):
                    outcome = self._update(number, member, data)
                else:
                    outcome = services.member_create(
                        actor=self.actor, action=MemberEvent.Action.IMPORTED, **data
                    )
                    self.created += 1
        except (ApplicationError, DjangoValidationError) as exc:
            self.report(self.errors, number, *_exception_errors(exc))
            return
        except IntegrityError:
            detail = _(
                "This row could not be saved: it conflicts with data saved meanwhile or breaks "
                "a rule of the database."
            )
            self.report(self.errors, number, {"attr": None, "code": "conflict", "detail": detail})
            return
        self.report(
            self.warnings,
            number,
            *({**w, "attr": _column_for(w.get("attr"))} for w in outcome.warnings),
        )

    def _update(self, number: int, member: Member, data: dict):
        outcome = services.member_update(
            actor=self.actor,
            member=member,
            reason=_("Updated by a spreadsheet import."),
            **_update_fields(data),
        )
        self.updated += 1
        category = data["roles"][0]["category"]
        if category not in {role.category for role in member.roles.all()}:
            self.report(
                self.warnings,
                number,
                {
                    "attr": "category",
                    "code": "role_not_added",
                    "detail": _(
                        "The member was updated but the role %(category)s was not added: add "
                        "it on the member's page."
                    )
                    % {"category": category},
                },
            )
        return outcome


def _update_fields(data: dict) -> dict:
    """What a row may change on a member of its village: the person and the terms.

    Empty optional cells (phone, occupation) leave the member's value as it is.
    """
    fields = {k: data[k] for k in ("full_name", "birth_date", "sex")}
    for name in ("phone", "occupation"):
        if data.get(name):
            fields[name] = data[name]
    if "enrollment" in data:
        fields["enrollment"] = data["enrollment"]
    return fields


# --- import jobs ------------------------------------------------------------------------


def import_job_create(
    *, actor, upload, dry_run: bool, partial: bool, rows_total: int, language: str = ""
) -> ImportJob:
    """Store the upload as a job and have a worker import it once this transaction commits."""
    from .tasks import import_file

    if hasattr(upload, "seek"):
        upload.seek(0)
    job = ImportJob(
        created_by=actor,
        dry_run=dry_run,
        partial=partial,
        filename=Path(getattr(upload, "name", "") or "import").name[:255],
        language=language or "",
        rows_total=rows_total,
    )
    job.file.save(job.filename, upload, save=False)
    job.save()
    transaction.on_commit(lambda: import_file.delay(job.pk))
    return job


def import_jobs_for(user):
    """The import jobs ``user`` may see: their own, or every one for an admin."""
    jobs = ImportJob.objects.select_related("created_by")
    if not (user and user.is_authenticated and user.is_active):
        return jobs.none()
    if getattr(user, "role", None) == "admin":
        return jobs
    return jobs.filter(created_by=user)


# --- exporting --------------------------------------------------------------------------


def _export_rows(queryset, *, full_nik: bool) -> Iterator[list]:
    from contributions.rates import RateTable, Terms, total

    from .selectors import shown_enrollment

    table = RateTable.for_month(timezone.localdate())
    for member in queryset.iterator(chunk_size=2000):
        enrollment = shown_enrollment(member)
        monthly = None
        if enrollment is not None and enrollment.is_open:
            try:
                monthly = total(table.contribution(Terms.of(enrollment)))
            except ApplicationError:
                monthly = None
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
        roles = list(member.roles.all()) or [None]
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


# Free text a spreadsheet would run as a formula when the CSV is opened (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FREE_TEXT = [EXPORT_COLUMNS.index("full_name"), EXPORT_COLUMNS.index("position")]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _csv_lines(queryset, *, full_nik: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for values in _export_rows(queryset, full_nik=full_nik):
        values = [_csv_value(v) for v in values]
        for index in _FREE_TEXT:
            if str(values[index]).startswith(_FORMULA_START):
                values[index] = "'" + values[index]
        yield writer.writerow(values)


def _xlsx_bytes(queryset, *, full_nik: bool) -> bytes:
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Anggota")
    sheet.freeze_panes = "A2"
    for index, name in enumerate(EXPORT_COLUMNS, start=1):
        width = _WIDTHS.get(name, 14)
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    sheet.append(EXPORT_COLUMNS)
    for values in _export_rows(queryset, full_nik=full_nik):
        cells = []
        for value in values:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                # openpyxl writes a string starting with "=" as a formula: keep it text.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_members(queryset, fmt: str, *, full_nik: bool = False):
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
