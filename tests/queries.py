"""Counting the queries of a list, for the API's and the console's query-count tests.

A test counts the SQL of one page with a few rows and of the same page with many more, and
``assert_same_cost`` holds the two counts equal: a count that grows with the rows means
queries per row (an N+1).
"""

from __future__ import annotations

from dataclasses import dataclass

from villages.models import Level, Region


@dataclass(frozen=True)
class Page:
    """One GET of a list: the SQL it ran and the rows it answered or showed."""

    queries: list[str]
    rows: int


def assert_same_cost(name: str, few: Page, many: Page, rows: tuple[int, int]) -> None:
    """The larger page holds the rows expected, and cost as many queries as the smaller."""
    figures = (
        f"{name}: {len(few.queries)} queries for {few.rows} rows, "
        f"{len(many.queries)} for {many.rows}"
    )
    print(figures)  # shown with -s: the figures of each list
    assert (few.rows, many.rows) == rows
    assert many.rows > few.rows
    assert len(many.queries) == len(few.queries), figures + ":\n" + "\n".join(many.queries)


def desa(prefix: str, count: int, exclude: tuple[str, ...] = ()) -> list[str]:
    """The first ``count`` desa (not kelurahan: those have no ADD) whose code starts so."""
    codes = (
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix + ".")
        .filter(code__regex=r"^\d{2}\.\d{2}\.\d{2}\.2")
        .exclude(code__in=exclude)
        .order_by("code")
        .values_list("code", flat=True)
    )
    found = list(codes[:count])
    assert len(found) == count, prefix
    return found
