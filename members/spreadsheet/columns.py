"""The template's columns, what each holds and how big a file may be: what the reading,
cleaning, template and export modules of this package share."""

from __future__ import annotations

import datetime

from jamsostek.core.choices import Category
from jamsostek.core.errors import ApplicationError

from ..models import FundingSource, Occupation, RiskClass, Segment, Sex

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
# What a spreadsheet may unzip to, checked in the zip's directory before anything is parsed:
# 50,000 rows of the template's 17 columns are some 40 MB of sheet XML. (A 300 KB file of
# empty <row/> elements that unzipped to 200 MiB held a worker for minutes.)
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_UNZIPPED_BYTES = 96 * 1024 * 1024
# Every row counts towards MAX_ROWS, empty ones too: a sheet whose only cell is at row
# 1,048,576 is a million rows to read.
MAX_CELL_CHARS = 1000
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


WIDTHS = {
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
