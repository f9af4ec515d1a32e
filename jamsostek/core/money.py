"""Money is whole rupiah (int); rate arithmetic is Decimal, rounded in one place."""

from decimal import ROUND_HALF_UP, Decimal


def round_rupiah(amount: Decimal) -> int:
    """Round to whole rupiah, half up (Rp 10.5 → 11): DOMAIN's rule per program and month."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(base: int, percent: Decimal) -> Decimal:
    return Decimal(base) * Decimal(percent) / Decimal(100)


def total(detail: dict[str, dict[str, int]]) -> int:
    """The whole of a price breakdown ``{program: {"employer": n, "worker": n}}``."""
    return sum(share["employer"] + share["worker"] for share in detail.values())


def format_rupiah(amount: int, *, prefix: str = "Rp ") -> str:
    """Rupiah as people write them: ``Rp 1.234.500`` (dots between thousands)."""
    return prefix + f"{amount:,}".replace(",", ".")
