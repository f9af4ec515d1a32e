"""What the scope matrices of the API (tests/api/test_scope_matrix.py) and of the console
(tests/console/test_scope.py) share: the URL patterns as the resolver knows them, and the
check that a matrix has a row for each of them."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from jamsostek.core.choices import Role

# The matrices' columns: the five roles (in their default test scopes) and a visitor.
VO, DV, PMD, BPJS, ADMIN = (
    Role.VILLAGE_OPERATOR.value,
    Role.DISTRICT_VIEWER.value,
    Role.PMD_AUDITOR.value,
    Role.BPJS_OFFICER.value,
    Role.ADMIN.value,
)
ANON = "anonymous"
ROLES = (VO, DV, PMD, BPJS, ADMIN)
CALLERS = (*ROLES, ANON)


def row(*cells) -> dict:
    """One matrix row, its cells in the order of CALLERS."""
    assert len(cells) == len(CALLERS)
    return dict(zip(CALLERS, cells, strict=True))


def resolver_patterns() -> Iterator[tuple[URLPattern, str, tuple[str, ...]]]:
    """Every URL pattern of the site: (pattern, its route, the namespaces it lies in)."""

    def walk(patterns, prefix, namespaces):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, route, inner)
            else:
                yield pattern, route, namespaces

    yield from walk(get_resolver().url_patterns, "", ())


def described(pattern: URLPattern, route: str) -> tuple[str, str, list[str]]:
    """(name, route, URL kwargs) of a pattern."""
    return pattern.name, route, sorted(pattern.pattern.regex.groupindex)


def assert_matrix_complete(patterns, matrix: dict, objects: dict, methods, what: str) -> None:
    """Each pattern has a name and a row per method; those that address an object have an
    OBJECTS entry, and cells of (inside, outside); the others single cells."""
    unnamed = [route for name, route, _kwargs in patterns if not name]
    assert unnamed == [], f"{what} URLs without a name cannot be checked by the matrix"
    missing = [
        (name, method)
        for name, _route, _kwargs in patterns
        for method in methods
        if (name, method) not in matrix
    ]
    assert missing == [], f"add these (URL name, method) rows to MATRIX: {missing}"
    for name, route, kwargs in patterns:
        if kwargs:
            assert name in objects, f"{route} takes {kwargs}: add an OBJECTS entry for {name}"
        for method in methods:
            for caller, cell in matrix[(name, method)].items():
                if kwargs:
                    assert isinstance(cell, tuple) and len(cell) == 2, (name, method, caller)
                else:
                    assert not isinstance(cell, tuple), (name, method, caller)


# --- rows the matrices act on -------------------------------------------------------------------

_month = itertools.count(0)


def bill_in(village: str, source: str = "add"):
    """A fresh bill of ``village`` (a month of its own, January 2025 to June 2026, so that a
    payment dated 1 July 2025 is at most a year ahead of it) with Rp 1,000,000 to pay."""
    from contributions.models import Bill
    from contributions.periods import add_months
    from villages.models import Region

    period = add_months(datetime.date(2025, 1, 1), next(_month) % 18)
    return Bill.objects.create(
        village=Region.objects.get(code=village),
        period=period,
        funding_source=source,
        segment="bpu",
        due_date=period.replace(day=15),
        lines_amount=1_000_000,
        amount=1_000_000,
    )
