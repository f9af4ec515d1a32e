"""The NIK: 16 digits of region, birth date (+40 for women) and serial, checked at registration."""

from __future__ import annotations

import datetime
import gzip
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jamsostek.core.choices import Role
from members.models import Member
from members.nik import check_nik, mask_nik, nik_region_codes, split_nik
from tests.conftest import CIRAHAB, KWAYANGAN, error_codes

from .helpers import example_body, make_nik

DATA = Path(__file__).resolve().parents[2] / "villages" / "data" / "idn-area-data"


def _codes(name: str) -> list[str]:
    with gzip.open(DATA / f"{name}.csv.gz", "rt", encoding="utf-8") as handle:
        return [line.split(",", 1)[0] for line in handle.read().splitlines()[1:] if line]


PROVINCES = _codes("provinces")
REGENCIES = _codes("regencies")
DISTRICTS = _codes("districts")
KNOWN = set(PROVINCES) | set(REGENCIES) | set(DISTRICTS)


def known_codes(nik: str) -> set[str]:
    """What the service asks the database for: the NIK's region codes that exist."""
    return {code for code in nik_region_codes(nik) if code in KNOWN}


def nik_for(district: str, birth: datetime.date, sex: str, serial: int) -> str:
    return make_nik(district, birth, sex, serial)


def codes_of(result) -> list[str]:
    return [code for code, _attr, _message in result.errors]


def attrs_of(result) -> set[str]:
    return {attr for _code, attr, _message in result.errors}


birth_dates = st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2010, 12, 31))
sexes = st.sampled_from(["male", "female"])
serials = st.integers(min_value=1, max_value=9999)
districts = st.sampled_from(DISTRICTS)
pure = settings(deadline=None, max_examples=200)


# --- check_nik, split_nik and mask_nik as pure functions --------------------------------


@pure
@given(district=districts, birth=birth_dates, sex=sexes, serial=serials)
def test_a_well_formed_nik_passes_and_splits_back(district, birth, sex, serial):
    # Given a NIK built from a real district, the birth date and sex, and a serial
    nik = nik_for(district, birth, sex, serial)
    # When it is checked against the same birth date and sex
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    # Then it passes without a warning, and splitting it gives back sex and birth day
    assert result.ok, result.errors
    assert result.warnings == []
    parts = split_nik(nik)
    assert parts.sex == sex
    assert (parts.birth_day, parts.month, parts.year2) == (birth.day, birth.month, birth.year % 100)
    assert parts.district == district
    assert parts.serial == f"{serial:04d}"


@pure
@given(district=districts, birth=birth_dates, other=birth_dates, sex=sexes, serial=serials)
def test_another_birth_date_is_an_error_on_birth_date(district, birth, other, sex, serial):
    assume(other != birth)
    nik = nik_for(district, birth, sex, serial)
    result = check_nik(nik, birth_date=other, sex=sex, known_codes=known_codes(nik))
    assert not result.ok
    assert codes_of(result) == ["nik_birth_date_mismatch"]
    assert attrs_of(result) == {"birth_date"}


@pure
@given(district=districts, birth=birth_dates, sex=sexes, serial=serials)
def test_the_other_sex_is_an_error_on_sex(district, birth, sex, serial):
    nik = nik_for(district, birth, sex, serial)
    flipped = "male" if sex == "female" else "female"
    result = check_nik(nik, birth_date=birth, sex=flipped, known_codes=known_codes(nik))
    assert codes_of(result) == ["nik_sex_mismatch"]
    assert attrs_of(result) == {"sex"}


def _not_sixteen_digits(text: str) -> bool:
    return re.fullmatch(r"[0-9]{16}", text) is None


# Strings that are not 16 ASCII digits: digits of the wrong length, digits with anything
# else mixed in, and arbitrary printable text (newline-terminated 16 digits and non-ASCII
# digits are the separate xfail cases below).
not_a_nik = st.one_of(
    st.text(alphabet="0123456789", max_size=40).filter(lambda s: len(s) != 16),
    st.tuples(
        st.text(alphabet="0123456789", min_size=16, max_size=16),
        st.integers(min_value=0, max_value=15),
        st.characters(blacklist_categories=["Nd"]),
    ).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]),
    st.text(alphabet=st.characters(codec="ascii", blacklist_characters="\n"), max_size=40),
).filter(_not_sixteen_digits)


@pure
@given(text=not_a_nik)
def test_anything_but_sixteen_digits_is_a_format_error(text):
    result = check_nik(text, birth_date=None, sex=None, known_codes=set(PROVINCES))
    assert codes_of(result) == ["nik_format"]
    assert attrs_of(result) == {"nik"}
    assert split_nik(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "3326134507850001\n",  # `$` matches before a final newline
        "３３２６１３４５０７８５０００１",  # fullwidth digits are \d
        "٣٣٢٦١٣٤٥٠٧٨٥٠٠٠١",  # Arabic-Indic digits are \d
    ],
    ids=["trailing-newline", "fullwidth", "arabic-indic"],
)
def test_non_ascii_or_newline_terminated_digits_are_a_format_error(text):
    result = check_nik(text, birth_date=None, sex=None, known_codes=KNOWN)
    assert codes_of(result) == ["nik_format"]
    assert split_nik(text) is None


unknown_provinces = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")


@pure
@given(province=unknown_provinces, birth=birth_dates, sex=sexes, serial=serials)
def test_an_unknown_province_is_an_error(province, birth, sex, serial):
    assume(province not in PROVINCES)
    nik = nik_for(f"{province}.01.01", birth, sex, serial)
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    assert codes_of(result) == ["nik_province"]


@pure
@given(
    province=st.sampled_from(PROVINCES),
    regency=st.integers(min_value=0, max_value=99),
    birth=birth_dates,
    sex=sexes,
    serial=serials,
)
def test_a_known_province_with_an_unknown_regency_is_an_error(
    province, regency, birth, sex, serial
):
    code = f"{province}.{regency:02d}"
    assume(code not in REGENCIES)
    nik = nik_for(f"{code}.01", birth, sex, serial)
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    assert codes_of(result) == ["nik_regency"]


@pure
@given(
    regency=st.sampled_from(REGENCIES),
    district=st.integers(min_value=0, max_value=99),
    birth=birth_dates,
    sex=sexes,
    serial=serials,
)
def test_a_known_regency_with_an_unknown_district_is_only_a_warning(
    regency, district, birth, sex, serial
):
    code = f"{regency}.{district:02d}"
    assume(code not in DISTRICTS)
    nik = nik_for(code, birth, sex, serial)
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    assert result.ok, result.errors
    assert [code for code, _message in result.warnings] == ["nik_district_unknown"]


@pure
@given(district=districts, birth=birth_dates, sex=sexes)
def test_serial_0000_is_an_error(district, birth, sex):
    nik = nik_for(district, birth, sex, 0)
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    assert codes_of(result) == ["nik_serial"]


@pytest.mark.parametrize(
    "ddmmyy",
    [
        "310285",  # 31 February
        "710285",  # 31 February, a woman
        "300290",  # 30 February
        "290287",  # 29 February of a year that is not a leap year (1987 nor 2087)
        "691387",  # month 13, a woman
        "151385",  # month 13
        "150085",  # month 0
        "720185",  # day 72 (a woman's 32nd)
        "320185",  # day 32
        "000185",  # day 0
        "400185",  # day 40: neither a man's nor a woman's day
    ],
)
def test_impossible_birth_dates_are_errors(ddmmyy):
    nik = f"332613{ddmmyy}0001"
    result = check_nik(nik, birth_date=None, sex=None, known_codes=known_codes(nik))
    assert codes_of(result) == ["nik_birth_date"]
    assert attrs_of(result) == {"nik"}


leap_years = st.sampled_from([y for y in range(1940, 2011) if y % 4 == 0])


@pure
@given(year=leap_years, sex=sexes, serial=serials)
def test_29_february_of_a_leap_year_is_fine(year, sex, serial):
    birth = datetime.date(year, 2, 29)
    nik = nik_for("33.26.13", birth, sex, serial)
    assert nik[6:10] == ("6902" if sex == "female" else "2902")
    result = check_nik(nik, birth_date=birth, sex=sex, known_codes=known_codes(nik))
    assert result.ok, result.errors


@pure
@given(nik=st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_mask_keeps_the_first_and_last_four_digits(nik):
    masked = mask_nik(nik)
    assert masked == nik[:4] + "********" + nik[12:]
    assert len(masked) == 16


def test_mask_of_the_example():
    assert mask_nik("3326134507850001") == "3326********0001"


# --- through POST /api/v1/members/ ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "attr", "code"),
    [
        ({"nik": "332613450785001"}, "nik", "nik_format"),
        ({"nik": "33261345078500011"}, "nik", "nik_format"),
        ({"nik": "33261345O7850001"}, "nik", "nik_format"),
        ({"nik": "9926134507850001"}, "nik", "nik_province"),
        ({"nik": "3399134507850001"}, "nik", "nik_regency"),
        ({"nik": "3326134507850000"}, "nik", "nik_serial"),
        ({"nik": "3326137102850001"}, "nik", "nik_birth_date"),
        ({"nik": "3326134513850001"}, "nik", "nik_birth_date"),
        ({"nik": "3326137201850001"}, "nik", "nik_birth_date"),
        ({"birth_date": "1985-07-06"}, "birth_date", "nik_birth_date_mismatch"),
        ({"birth_date": "1986-07-05"}, "birth_date", "nik_birth_date_mismatch"),
        ({"sex": "male"}, "sex", "nik_sex_mismatch"),
        ({"nik": "3326130507850001"}, "sex", "nik_sex_mismatch"),
    ],
)
def test_api_refuses_a_bad_nik_naming_the_field(api, operator, changes, attr, code):
    # When the operator registers Siti Aminah with a NIK that does not fit
    response = api(operator).post("/api/v1/members/", example_body(**changes), format="json")
    # Then it is a 400 naming the field and the rule, and nothing is saved
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["type"] == "validation_error"
    assert {(e["attr"], e["code"]) for e in body["errors"]} == {(attr, code)}
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_api_refuses_fullwidth_digits_as_a_format_error(api, operator):
    response = api(operator).post(
        "/api/v1/members/", example_body(nik="３３２６１３４５０７８５０００１"), format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == ["nik_format"]


@pytest.mark.django_db
def test_api_accepts_spaces_inside_the_nik(api, operator):
    response = api(operator).post(
        "/api/v1/members/", example_body(nik="3326 1345 0785 0001"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert Member.objects.get().nik == "3326134507850001"


@pytest.mark.django_db
def test_api_unknown_district_is_saved_with_a_warning(api, operator):
    # Given a NIK from district 33.26.99, which Kab. Pekalongan does not (or no longer) have
    nik = "3326994507850001"
    # When the operator registers it
    response = api(operator, language="en").post(
        "/api/v1/members/", example_body(nik=nik), format="json"
    )
    # Then the member is saved, and the body says what looked odd
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(w["code"], w["attr"]) for w in body["warnings"]] == [("nik_district_unknown", "nik")]
    assert "33.26.99" in body["warnings"][0]["detail"]
    assert Member.objects.get().nik == nik


@pytest.mark.django_db
def test_api_a_clean_nik_has_no_warnings(api, operator):
    response = api(operator).post("/api/v1/members/", example_body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == []


@pytest.mark.django_db
def test_api_nik_already_in_the_same_village_is_409_naming_it(api, operator):
    # Given Siti Aminah registered in Kwayangan
    client = api(operator, language="en")
    assert client.post("/api/v1/members/", example_body(), format="json").status_code == 201
    # When the operator registers the same NIK again under another name
    response = client.post("/api/v1/members/", example_body(full_name="Siti A."), format="json")
    # Then 409 says where the NIK is registered, and nothing more was saved
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "client_error"
    assert error_codes(response) == ["nik_registered"]
    assert "Kwayangan" in body["errors"][0]["detail"]
    assert KWAYANGAN in body["errors"][0]["detail"]
    assert Member.objects.count() == 1
    assert Member.objects.get().full_name == "Siti Aminah"


@pytest.mark.django_db
def test_api_nik_registered_outside_the_scope_is_409_without_saying_where(
    api, operator, make_user, region
):
    from members.services.registration import member_create

    from .helpers import bpu_terms

    # Given the NIK already registered (by an admin) in Cirahab, a desa of Banyumas
    cirahab = region(CIRAHAB)
    member_create(
        actor=make_user(Role.ADMIN),
        village=CIRAHAB,
        nik="3326134507850001",
        full_name="Siti Aminah",
        birth_date=datetime.date(1985, 7, 5),
        sex="female",
        roles=[{"category": "pekerja_rentan"}],
        occupation="pedagang",
        enrollment=bpu_terms(funding_source="apbd"),
    )
    # When the Kwayangan operator registers the same NIK
    response = api(operator, language="en").post("/api/v1/members/", example_body(), format="json")
    # Then 409 says only that it is registered: not which village, not its code
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"code": "nik_registered", "detail": "This NIK is already registered.", "attr": "nik"}
    ]
    text = response.content.decode()
    assert cirahab.name not in text
    assert CIRAHAB not in text
    assert "33.02" not in text
    assert Member.objects.get().village.code == CIRAHAB


@pytest.mark.django_db
def test_api_nik_messages_in_english_on_request(api, operator):
    response = api(operator, language="en").post(
        "/api/v1/members/", example_body(nik="12345"), format="json"
    )
    assert response.json()["errors"][0]["detail"] == "A NIK is exactly 16 digits."
    response = api(operator, language="en").post(
        "/api/v1/members/", example_body(sex="male"), format="json"
    )
    assert response.json()["errors"][0]["detail"] == (
        "The sex does not match the NIK: for women the NIK adds 40 to the day of birth."
    )


@pytest.mark.django_db
def test_api_nik_messages_are_indonesian_by_default(api, operator):
    response = api(operator).post("/api/v1/members/", example_body(nik="12345"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] != "A NIK is exactly 16 digits."
    assert "16" in response.json()["errors"][0]["detail"]
