"""Small files that unpack into huge work are refused before the work, with a clear 400.

Found by probing: an .xlsx whose only cell sits at row 1,048,576 took 14 s, and a 300 KB
file of empty ``<row/>`` elements unzipping to 200 MiB held a worker for minutes. Each bomb
below must be refused by what the file declares or by the first rows past the limit. A
guard stops (fails) a test that hangs, rather than timing it.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jamsostek.core.choices import Role
from members.models import Member
from members.spreadsheet.columns import MAX_CELL_CHARS, MAX_PART_BYTES, MAX_ROWS
from tests.guards import must_not_hang

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/members/import/"
HEADER = ["village", "nik", "full_name", "birth_date", "sex", "category"]


def post(api, make_user, name: str, content: bytes):
    client = api(make_user(Role.VILLAGE_OPERATOR))
    upload = SimpleUploadedFile(name, content)
    with must_not_hang():
        response = client.post(IMPORT + "?dry_run=true", {"file": upload}, format="multipart")
    assert not Member.objects.exists()
    return response


def error(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    return response.json()["errors"][0]


def workbook_bytes(fill) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_sheet_whose_only_cell_is_at_the_last_row_is_refused_at_the_row_limit(api, make_user):
    # Given a 5 KB .xlsx with the header and one cell at row 1,048,576
    content = workbook_bytes(lambda sheet: sheet.cell(row=1_048_576, column=1, value="x"))
    assert len(content) < 10_000
    # Then it is refused once MAX_ROWS rows (empty ones counted) have been read
    refused = error(post(api, make_user, "anggota.xlsx", content))
    assert refused["code"] == "too_many_rows"
    assert refused["attr"] == "file"
    assert str(MAX_ROWS) in refused["detail"]


def test_a_sheet_that_unzips_to_more_than_we_read_is_refused_by_the_zip_directory(api, make_user):
    # Given a real .xlsx whose sheet is replaced by ~100 MiB of empty rows (a few hundred KB
    # zipped)
    original = zipfile.ZipFile(io.BytesIO(workbook_bytes(lambda sheet: None)))
    bomb = io.BytesIO()
    row = b"<row/>" * 100_000
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in original.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, original.read(info))
                continue
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>'
                )
                written = 0
                while written <= MAX_PART_BYTES + len(row):
                    sheet.write(row)
                    written += len(row)
                sheet.write(b"</sheetData></worksheet>")
    content = bomb.getvalue()
    assert len(content) < 1_000_000
    # Then it is refused from the sizes the archive declares, before any XML is parsed
    refused = error(post(api, make_user, "anggota.xlsx", content))
    assert refused["code"] == "file_too_large"
    assert "Excel" in refused["detail"]


def test_a_csv_of_empty_lines_is_refused_at_the_row_limit(api, make_user):
    content = (",".join(HEADER) + "\n" + "\n" * (MAX_ROWS + 10) + "x\n").encode()
    refused = error(post(api, make_user, "anggota.csv", content))
    assert refused["code"] == "too_many_rows"


@pytest.mark.parametrize("name", ["anggota.csv", "anggota.xlsx"])
def test_a_cell_longer_than_any_field_is_refused_with_its_row(api, make_user, name):
    long = "A" * (MAX_CELL_CHARS + 1)
    row = ["33.26.13.2008", "3326134507850001", long, "1985-07-05", "female", "bpd"]
    if name.endswith(".csv"):
        content = (",".join(HEADER) + "\n" + ",".join(row) + "\n").encode()
    else:
        content = workbook_bytes(lambda sheet: sheet.append(row))
    refused = error(post(api, make_user, name, content))
    assert refused["code"] == "cell_too_long"
    assert "2" in refused["detail"]  # the row as the sheet numbers it
