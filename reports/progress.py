"""The progress body of API.md, from the precomputed rows: what a village's body shows
(/villages/ is given these functions by jamsostek/urls.py; the console calls them)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from jamsostek.core.choices import SEAT_CATEGORIES


def _timestamp(value) -> str:
    """As every other timestamp of the API: ISO 8601 in local time with its offset."""
    return serializers.DateTimeField().to_representation(value)


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def villages_with_progress(villages: QuerySet) -> QuerySet:
    """``villages`` with their progress rows loaded, as :func:`village_progress_body` reads."""
    return villages.select_related("progress").prefetch_related("category_progress")


def village_progress_body(village) -> dict:
    """Body for one village; ``village`` comes with ``progress`` and ``category_progress``
    loaded (select/prefetch). A village never refreshed shows zeros and ``as_of`` null."""
    row = getattr(village, "progress", None) if hasattr(village, "progress") else None
    categories = {cp.category: cp for cp in village.category_progress.all()}
    target = row.rentan_target if row else village.rentan_target
    active = row.rentan_active if row else 0
    agents = row.perisai_agents if row else 0
    return {
        "village": village.code,
        "as_of": _timestamp(row.as_of) if row else None,
        "rentan": {"target": target, "active": active, "percent": percent(active, target)},
        "perisai": {"agents": agents, "met": agents > 0},
        "categories": {
            category: {
                "positions": cp.positions if cp else 0,
                "registered": cp.registered if cp else 0,
                "active": cp.active if cp else 0,
                "percent": percent(cp.active, cp.positions) if cp else None,
            }
            for category in SEAT_CATEGORIES
            for cp in [categories.get(category)]
        },
        "arrears": {
            "outstanding": row.arrears_outstanding if row else 0,
            "months": row.arrears_months if row else 0,
        },
    }
