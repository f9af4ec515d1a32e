"""What the money tests share besides the factories: the billing run, reads, expected
figures and evidence files.

Rows are made by the factories of tests/factories.py, the one set of them
(``CoveredMemberFactory``, ``BillFactory``, ``PaymentFactory``: through the production
services). Here: ``generate``, the monthly run itself (``bills_generate`` for village
codes, with its result); reads (``bill_of``, ``enrollment_of``, ``lines_of``); the
expected amounts (``BPU_PACKAGE``, ``PU_DETAIL``, ``full``); a request body
(``payment_body``); files built byte by byte.
"""

from __future__ import annotations

import datetime
import struct
import zlib

# Every view module is loaded here, at collection, on the real clock: a module first imported
# under freezegun keeps the fake one (DRF's throttles take ``timer = time.time`` at import),
# and logins in later tests would then fail with a TypeError.
import jamsostek.urls  # noqa: F401
from contributions.models import Bill, BillLine
from contributions.periods import parse_period
from contributions.services.billing.generation import bills_generate
from members.models import Enrollment, Member
from tests.conftest import KWAYANGAN
from tests.members.helpers import bpu_terms, pu_terms
from villages.models import Region

__all__ = ["bpu_terms", "pu_terms"]

# The common BPU package (JKK + JKM on the lowest bracket) and a village official on PU.
BPU_PACKAGE = 16_800


def full(employer: int, worker: int) -> dict:
    """A program's detail where no relief applies: due is the normal amount."""
    return {"employer": employer, "worker": worker, "normal": employer + worker, "relief": 0}


BPU_DETAIL = {"jkk": full(0, 10_000), "jkm": full(0, 6_800)}
# pu_terms(): wage Rp 2,400,000, very low risk, JKK + JKM + JHT + JP.
PU_DETAIL = {
    "jkk": full(5_760, 0),  # 0.24 %
    "jkm": full(7_200, 0),  # 0.30 %
    "jht": full(88_800, 48_000),  # 3.7 % + 2 %
    "jp": full(48_000, 24_000),  # 2 % + 1 %, under the cap
}
PU_MONTHLY = 221_760


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def enrollment_of(member: Member) -> Enrollment:
    """The member's newest enrollment, fresh from the database."""
    return Enrollment.objects.filter(member=member).order_by("-pk").first()


def generate(period: str, *villages: str):
    """Bill ``period`` (``YYYY-MM``) for the given village codes, or for all villages."""
    qs = Region.objects.filter(code__in=villages) if villages else None
    return bills_generate(period=parse_period(period), villages=qs)


def bill_of(
    village: str = KWAYANGAN, period: str = "2025-07", segment: str = "bpu", source: str = "add"
) -> Bill:
    return Bill.objects.get(
        village__code=village, period=parse_period(period), segment=segment, funding_source=source
    )


def lines_of(member: Member) -> list[str]:
    """The periods (``YYYY-MM``) a member has bill lines for, in order."""
    return [
        f"{p:%Y-%m}"
        for p in BillLine.objects.filter(enrollment__member=member)
        .order_by("period")
        .values_list("period", flat=True)
    ]


def on_the_lines_insert(act):
    """An ``execute_wrapper`` handing the statement that writes bill lines to ``act``, which
    returns the ``(sql, params)`` to run instead (or raises, as a refusing database would)."""
    lines = f'INSERT INTO "{BillLine._meta.db_table}"'

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(lines):
            sql, params = act(sql, params)
        return execute(sql, params, many, context)

    return wrapper


def payment_body(target: Bill, **overrides) -> dict:
    """A body for POST /payments/ that pays ``amount`` (default Rp 10,000) of ``target``."""
    body = {
        "village": target.village.code,
        "bill": target.pk,
        "amount": 10_000,
        "paid_on": "2025-07-08",
        "method": "transfer",
        "reference": "TRF-0001",
        "funding_source": target.funding_source,
        "note": "",
    }
    body.update(overrides)
    return body


# --- evidence files, built byte by byte --------------------------------------------------


def pdf_bytes() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes() -> bytes:
    """A 1×1 white PNG: signature, IHDR, IDAT, IEND with their CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\xff")  # filter byte 0, one white pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """An 8×8 mid-grey baseline JPEG: one block whose DC difference and AC are all zero.

    Both Huffman tables hold a single one-bit code (DC category 0, AC end-of-block), so the
    whole scan is two zero bits padded with ones: 0x3F.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15)  # one code of length 1
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes([1] * 64))
        + segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code + b"\x00")
        + segment(0xC4, b"\x10" + one_code + b"\x00")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )


# A Windows executable's first bytes (the DOS stub), whatever the file is called.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
