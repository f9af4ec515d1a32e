"""A month's price for a set of terms, as a row bills point to (``Price``).

Each distinct set of terms is priced once per month by the rate table; the row is reused
while the rules say the same, and a new revision is written when they say otherwise (a
relief added, a cap corrected). Rows are never edited, so a paid bill keeps showing what it
was billed at.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ..models import Price
from ..rates import Quote, RateTable, Terms

TERM_FIELDS = [
    "segment",
    "programs",
    "declared_income",
    "wage",
    "risk_class",
    "funding_source",
    "occupation",
]


def price_key(terms: Terms) -> tuple:
    """The terms as a Price row holds them (absent numbers 0, absent choices blank)."""
    return (
        terms.segment,
        ",".join(terms.programs),
        terms.declared_income or 0,
        terms.wage or 0,
        terms.risk_class or "",
        terms.funding_source or "",
        terms.occupation or "",
    )


def terms_of_price(price: Price) -> Terms:
    return Terms(
        price.segment,
        tuple(p for p in price.programs.split(",") if p),
        price.declared_income or None,
        price.wage or None,
        price.risk_class or None,
        price.funding_source or None,
        price.occupation or None,
    )


def _says(price: Price, quote: Quote) -> bool:
    return price.detail == quote.detail and price.relief_id == (
        quote.relief.pk if quote.relief else None
    )


def prices_for(
    period: datetime.date, table: RateTable, terms: Iterable[Terms]
) -> dict[Terms, Price]:
    """The price row of each of ``terms`` for ``period`` at ``table``'s rules: the latest
    revision when it says the same, else a new one. A row another process wrote meanwhile
    for the same terms and revision wins (the rules are the same for both)."""
    wanted = {t: table.quote(t) for t in set(terms)}
    if not wanted:
        return {}
    latest: dict[tuple, Price] = {}
    for price in Price.objects.filter(period=period).order_by("revision"):
        latest[tuple(getattr(price, f) for f in TERM_FIELDS)] = price
    found: dict[Terms, Price] = {}
    new: dict[Terms, Price] = {}
    for t, quote in wanted.items():
        current = latest.get(price_key(t))
        if current is not None and _says(current, quote):
            found[t] = current
            continue
        employer = sum(share["employer"] for share in quote.detail.values())
        worker = sum(share["worker"] for share in quote.detail.values())
        new[t] = Price(
            period=period,
            **dict(zip(TERM_FIELDS, price_key(t), strict=True)),
            revision=current.revision + 1 if current else 1,
            detail=quote.detail,
            relief=quote.relief,
            employer_amount=employer,
            worker_amount=worker,
            amount=employer + worker,
        )
    if new:
        Price.objects.bulk_create(new.values(), ignore_conflicts=True)
        written = {
            (*(getattr(p, f) for f in TERM_FIELDS), p.revision): p
            for p in Price.objects.filter(
                period=period, revision__in={r.revision for r in new.values()}
            )
        }
        for t, row in new.items():
            found[t] = written[(*price_key(t), row.revision)]
    return found
