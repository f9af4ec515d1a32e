"""Cleaning one sheet row: what people type in Excel (numbers for NIKs, dd/mm/yyyy dates,
"Rp 1.000.000") turned into the API's body, and errors mapped back to the sheet's columns."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError

from .columns import (
    CHOICES,
    COLUMNS,
    DATE_COLUMNS,
    ENROLLMENT_COLUMNS,
    MONEY_COLUMNS,
    SEX_SYNONYMS,
)

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


class RowErrors(list):
    def add(self, attr, code: str, detail) -> None:
        self.append({"attr": attr, "code": code, "detail": str(detail)})


def _nik_as_number_message(read) -> str:
    return _(
        "The NIK was read as a number (%(read)s): Excel keeps only 15 significant digits, so "
        "its last digit is lost (3326134507850001 becomes 3326134507850000). Format the nik "
        "column as text, type the NIK again and upload the file again."
    ) % {"read": read}


def _clean_nik(value, errors: RowErrors):
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


def _clean_date(value, attr: str, errors: RowErrors):
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


def _clean_money(value, attr: str, errors: RowErrors):
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
    errors = RowErrors()
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


def body_of(row: dict) -> dict:
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


def column_for(path: str | None) -> str | None:
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


def serializer_errors(detail) -> list[dict]:
    return [
        {
            "attr": column_for(path),
            "code": getattr(message, "code", "invalid"),
            "detail": str(message),
        }
        for path, message in _flatten(detail)
    ]


def exception_errors(exc: Exception) -> list[dict]:
    if isinstance(exc, ApplicationError):
        attr = exc.attr or ("nik" if exc.code == "nik_registered" else None)
        return [{"attr": column_for(attr), "code": exc.code, "detail": str(exc.message)}]
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return [
                {"attr": column_for(attr), "code": error.code or "invalid", "detail": message}
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
