"""The villages' pure rules: what a desa and a kelurahan are, and which seats each has.

No ORM here. The model, the API, the admin, the member checks and the seat counts all
ask these functions, so a refusal has one code and one message everywhere.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from jamsostek.core.choices import Category, Level

# A village code is PP.KK.CC.DDDD; the serial's first digit tells the kind.
_SERIAL = len("PP.KK.CC.")
KELURAHAN_DIGIT = "1"
# A regency number from 71 up is a city (kota).
FIRST_KOTA = 71

# What a kelurahan lacks: it is an office of the regency or city, with a lurah appointed by
# the regency, no elected head, no village council and no village apparatus of its own.
KELURAHAN_LACKS = frozenset({Category.KEPALA_DESA, Category.PERANGKAT_DESA, Category.BPD})
NOT_IN_KELURAHAN = "not_in_kelurahan"  # the error code of every such refusal


def is_kelurahan(level: str, code: str) -> bool:
    """A village whose serial starts with 1 (a desa adat, 3, counts as a desa)."""
    return level == Level.VILLAGE and code[_SERIAL] == KELURAHAN_DIGIT


def kind(level: str, code: str) -> str | None:
    """``kabupaten``/``kota`` for a regency, ``desa``/``kelurahan`` for a village."""
    if level == Level.REGENCY:
        return "kota" if int(code[3:5]) >= FIRST_KOTA else "kabupaten"
    if level == Level.VILLAGE:
        return "kelurahan" if is_kelurahan(level, code) else "desa"
    return None


def kelurahan_q(field: str = "code") -> Q:
    """The villages (reached by ``field``, a code) that are kelurahan, as a filter."""
    return Q(**{f"{field}__regex": r"^\d{2}\.\d{2}\.\d{2}\." + KELURAHAN_DIGIT})


def has_category(level: str, code: str, category: str) -> bool:
    """Whether a village of this code has seats or roles of ``category``."""
    return not (is_kelurahan(level, code) and category in KELURAHAN_LACKS)


def not_in_kelurahan_message(category: str) -> str:
    return _("A kelurahan has no %(category)s: it is an office of the regency or city.") % {
        "category": Category(category).label
    }
