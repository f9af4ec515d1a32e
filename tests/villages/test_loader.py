"""load_regions: the Kemendagri tree from idn-area-data, idempotent, never deleting."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jamsostek.core.choices import Role
from villages.models import Level, Region
from villages.services import DEFAULT_SOURCE, RegionSourceError, regions_load

pytestmark = pytest.mark.django_db

# A made-up province code the real tree does not use, so tests can load and change it freely.
FAKE = "98"


def write_source(folder: Path, *, provinces, regencies, districts, villages, gz=False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "provinces": (["code", "name"], provinces),
        "regencies": (["code", "province_code", "name"], regencies),
        "districts": (["code", "regency_code", "name"], districts),
        "villages": (["code", "district_code", "name"], villages),
    }
    for name, (header, rows) in tables.items():
        path = folder / (f"{name}.csv.gz" if gz else f"{name}.csv")
        opener = gzip.open if gz else open
        with opener(path, "wt", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def fake_tree(**changes):
    tree = {
        "provinces": [(FAKE, "Provinsi Uji")],
        "regencies": [(f"{FAKE}.01", FAKE, "Kabupaten Uji")],
        "districts": [(f"{FAKE}.01.01", f"{FAKE}.01", "Kecamatan Satu")],
        "villages": [
            (f"{FAKE}.01.01.2001", f"{FAKE}.01.01", "Desa Satu"),
            (f"{FAKE}.01.01.2002", f"{FAKE}.01.01", "Desa Dua"),
            (f"{FAKE}.01.01.1003", f"{FAKE}.01.01", "Kelurahan Tiga"),
        ],
    }
    tree.update(changes)
    return tree


def test_shipped_source_matches_the_2025_counts():
    # Given the nation loaded from the shipped CSVs (session fixture)
    # Then every level has the Kepmendagri 300.2.2-2138/2025 count.
    counts = {level: Region.objects.filter(level=level).count() for level in Level}
    assert counts == {"province": 38, "regency": 514, "district": 7285, "village": 83762}
    jateng = Region.objects.get(code="33")
    assert Region.objects.filter(level=Level.REGENCY, province=jateng).count() == 35
    assert Region.objects.filter(level=Level.DISTRICT, province=jateng).count() == 576
    assert Region.objects.filter(level=Level.VILLAGE, province=jateng).count() == 8563


def test_every_row_links_to_its_ancestors():
    village = Region.objects.get(code="33.26.13.2008")
    assert (
        village.parent.code,
        village.district.code,
        village.regency.code,
        village.province.code,
    ) == ("33.26.13", "33.26.13", "33.26", "33")
    assert Region.objects.filter(level=Level.VILLAGE, district__isnull=True).count() == 0


def test_a_second_load_of_the_same_source_changes_nothing():
    # Given the nation is loaded; when it is loaded again
    before = list(Region.objects.order_by("pk").values_list("pk", "name", "updated_at"))
    results = regions_load()
    # Then nothing is created, renamed, retired, or even touched.
    assert sum(r.changed for r in results.values()) == 0
    assert results[Level.VILLAGE].unchanged == 83762
    assert list(Region.objects.order_by("pk").values_list("pk", "name", "updated_at")) == before


def test_a_newer_source_renames_and_adds_and_retires_without_deleting(tmp_path, make_user):
    # Given a loaded province with an operator on one of its villages
    regions_load(source=write_source(tmp_path / "v1", **fake_tree()), provinces=[FAKE])
    operator = make_user(Role.VILLAGE_OPERATOR, scope=f"{FAKE}.01.01.2002")
    # When a newer source renames Desa Satu, adds a village and no longer lists Desa Dua
    newer = fake_tree(
        villages=[
            (f"{FAKE}.01.01.2001", f"{FAKE}.01.01", "Desa Satu Baru"),
            (f"{FAKE}.01.01.1003", f"{FAKE}.01.01", "Kelurahan Tiga"),
            (f"{FAKE}.01.01.2004", f"{FAKE}.01.01", "Desa Pemekaran"),
        ]
    )
    results = regions_load(source=write_source(tmp_path / "v2", **newer), provinces=[FAKE])
    # Then the counts say so
    village = results[Level.VILLAGE]
    assert (village.created, village.renamed, village.retired, village.unchanged) == (1, 1, 1, 1)
    # And the rename happened in place, the new village sits in the tree
    assert Region.objects.get(code=f"{FAKE}.01.01.2001").name == "Desa Satu Baru"
    added = Region.objects.get(code=f"{FAKE}.01.01.2004")
    assert (added.district.code, added.regency.code, added.province.code) == (
        f"{FAKE}.01.01",
        f"{FAKE}.01",
        FAKE,
    )
    # And the dropped village still exists, inactive, with the operator still on it
    dropped = Region.objects.get(code=f"{FAKE}.01.01.2002")
    assert dropped.is_active is False
    operator.refresh_from_db()
    assert operator.scope_id == dropped.pk
    # And the real nation was not touched by a load limited to the test province
    assert (
        Region.objects.filter(level=Level.VILLAGE, is_active=True)
        .exclude(province__code=FAKE)
        .count()
        == 83762
    )


def test_a_retired_region_that_comes_back_is_reactivated(tmp_path):
    regions_load(source=write_source(tmp_path / "v1", **fake_tree()), provinces=[FAKE])
    without = fake_tree(villages=fake_tree()["villages"][:1])
    regions_load(source=write_source(tmp_path / "v2", **without), provinces=[FAKE])
    assert not Region.objects.get(code=f"{FAKE}.01.01.2002").is_active
    results = regions_load(source=tmp_path / "v1", provinces=[FAKE])
    assert results[Level.VILLAGE].reactivated == 2
    assert Region.objects.get(code=f"{FAKE}.01.01.2002").is_active


def test_gzip_and_plain_csv_sources_load_alike(tmp_path):
    regions_load(source=write_source(tmp_path / "gz", gz=True, **fake_tree()), provinces=[FAKE])
    results = regions_load(source=write_source(tmp_path / "plain", **fake_tree()), provinces=[FAKE])
    assert sum(r.changed for r in results.values()) == 0
    assert Region.objects.filter(province__code=FAKE, level=Level.VILLAGE).count() == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"villages": [(f"{FAKE}.01.01.20X1", f"{FAKE}.01.01", "Rusak")]}, "bad village code"),
        ({"villages": [(f"{FAKE}.01.01.2001", f"{FAKE}.01.02", "Salah Induk")]}, "does not belong"),
        ({"villages": [(f"{FAKE}.01.02.2001", f"{FAKE}.01.02", "Yatim")]}, "parent"),
        ({"villages": [(f"{FAKE}.01.01.2001", f"{FAKE}.01.01", "  ")]}, "no name"),
        (
            {
                "villages": [
                    (f"{FAKE}.01.01.2001", f"{FAKE}.01.01", "A"),
                    (f"{FAKE}.01.01.2001", f"{FAKE}.01.01", "B"),
                ]
            },
            "appears twice",
        ),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_written(tmp_path, change, message):
    # Given a source whose regencies and districts are fine but one village row is wrong
    source = write_source(tmp_path / "bad", **fake_tree(**change))
    # When it is loaded, then it is refused, naming the problem
    with pytest.raises(RegionSourceError, match=message):
        regions_load(source=source, provinces=[FAKE])
    # And the provinces, regencies and districts read before the bad row were not kept
    assert not Region.objects.filter(code__startswith=FAKE).exists()


def test_a_missing_file_is_refused(tmp_path):
    source = write_source(tmp_path / "partial", **fake_tree())
    (source / "villages.csv").unlink()
    with pytest.raises(RegionSourceError, match="villages.csv"):
        regions_load(source=source, provinces=[FAKE])
    assert not Region.objects.filter(code=FAKE).exists()


def test_command_reports_counts_and_errors(tmp_path, capsys):
    source = write_source(tmp_path / "ok", **fake_tree())
    call_command("load_regions", "--source", str(source), "--province", FAKE)
    out = capsys.readouterr().out
    assert "village" in out and "Regions loaded" in out
    with pytest.raises(CommandError, match="two-digit"):
        call_command("load_regions", "--province", "3")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_regions", "--source", str(tmp_path / "ok" / ".."), "--province", FAKE)


def test_the_shipped_data_carries_its_licence():
    assert (DEFAULT_SOURCE / "LICENSE-ODbL.md").read_text().startswith("# Open Database License")
    assert "ODbL" in (DEFAULT_SOURCE / "README.md").read_text()
