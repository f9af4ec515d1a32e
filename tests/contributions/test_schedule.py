"""The money rules as data: admins add and close rate and relief rows, through the API and
the Django admin, and each change keeps who, when and on what authority."""

from __future__ import annotations

import datetime

import pytest

from contributions.models import Rate, Relief, RuleChange
from jamsostek.core.choices import Role

pytestmark = pytest.mark.django_db

RATES, RELIEFS = "/api/v1/rates/", "/api/v1/reliefs/"
JP_2027 = {
    "program": "jp",
    "segment": "pu",
    "basis": "percent_of_wage",
    "employer_value": "2.00",
    "worker_value": "1.00",
    "base_max": 11_600_000,
    "effective_from": "2027-03-01",
    "source": "BPJS letter of February 2027",
}
RELIEF = {
    "name": "Bantuan 2027",
    "segment": "bpu",
    "programs": ["jkk", "jkm"],
    "percent_off": 25,
    "sectors": ["other"],
    "excluded_funding_sources": ["apbd"],
    "effective_from": "2027-01-01",
    "effective_to": "2027-06-30",
    "source": "PP 1/2027",
}


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_rates_on_a_day_come_with_the_reliefs_in_force_that_day(api, make_user):
    client = api(make_user(Role.VILLAGE_OPERATOR))
    # When the schedule of 1 June 2026 and of 1 June 2025 are asked for
    june_2026 = client.get(RATES, {"on": "2026-06-01"}).json()
    june_2025 = client.get(RATES, {"on": "2025-06-01"}).json()
    # Then 2026 shows PP 50/2025's two reliefs, with their sectors and exclusions; 2025 none
    names = [r["name"] for r in june_2026["reliefs"]]
    assert names == ["PP 50/2025, transport sector", "PP 50/2025, other sectors"]
    transport = june_2026["reliefs"][0]
    assert transport["programs"] == ["jkk", "jkm"]
    assert transport["percent_off"] == 50
    assert transport["sectors"] == ["transport"]
    assert transport["excluded_funding_sources"] == ["apbn", "apbd"]
    assert (transport["effective_from"], transport["effective_to"]) == ("2026-01-01", "2027-03-31")
    assert transport["source"].startswith("PP 50/2025")
    assert june_2025["reliefs"] == []
    # and the JP cap of each day
    jp = {r["program"]: r for r in june_2026["results"] if r["segment"] == "pu"}["jp"]
    assert jp["base_max"] == 11_086_300
    assert {r["program"]: r for r in june_2025["results"] if r["segment"] == "pu"}["jp"][
        "base_max"
    ] == 10_547_400


def test_an_admin_closes_a_rate_and_adds_the_next_one_with_their_authority(api, make_user):
    admin = make_user(Role.ADMIN)
    client = api(admin)
    cap_2026 = Rate.objects.get(program="jp", effective_from=datetime.date(2026, 3, 1))

    # When the next cap is added while the 2026 row is still open
    early = client.post(RATES, JP_2027, format="json")
    # Then it is refused: the row before must end first
    assert (early.status_code, codes(early)) == (409, ["rate_overlap"])

    # When the 2026 row closes at the end of February 2027, and the 2027 row is added
    closed = client.post(
        f"{RATES}{cap_2026.pk}/close/",
        {"effective_to": "2027-02-28", "source": "BPJS letter of February 2027"},
        format="json",
    )
    added = client.post(RATES, JP_2027, format="json")

    # Then both hold, each with who, when and why
    assert closed.status_code == 200, closed.json()
    assert closed.json()["effective_to"] == "2027-02-28"
    assert closed.json()["history"][0] == {
        "action": "closed",
        "actor": admin.username,
        "at": closed.json()["history"][0]["at"],
        "source": "BPJS letter of February 2027",
        "changes": {"effective_to": [None, "2027-02-28"]},
    }
    assert added.status_code == 201, added.json()
    assert added.json()["base_max"] == 11_600_000
    assert [(h["action"], h["actor"]) for h in added.json()["history"]] == [
        ("created", admin.username)
    ]
    on = client.get(RATES, {"on": "2027-03-01", "program": "jp"}).json()["results"]
    assert [r["base_max"] for r in on] == [11_600_000]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"effective_from": "2027-03-15"}, "not_a_month_start"),
        ({"effective_to": "2027-03-30"}, "not_a_month_end"),
        ({"effective_to": "2027-02-28"}, "period_order"),
        ({"program": "jkm", "risk_class": "low"}, "not_for_risk"),
    ],
)
def test_a_rate_row_is_whole_months(api, make_user, change, code):
    Rate.objects.filter(program="jp", effective_to__isnull=True).update(
        effective_to=datetime.date(2027, 2, 28)
    )
    response = api(make_user(Role.ADMIN)).post(RATES, {**JP_2027, **change}, format="json")
    assert response.status_code == 400
    assert (
        code in codes(response) or code == "not_a_month_end" and "period_order" in codes(response)
    )


def test_reliefs_are_added_and_closed_by_an_admin_only(api, make_user):
    admin = make_user(Role.ADMIN)
    # When an auditor, then an admin, add a relief
    refused = api(make_user(Role.PMD_AUDITOR)).post(RELIEFS, RELIEF, format="json")
    added = api(admin).post(RELIEFS, RELIEF, format="json")
    # Then only the admin's is kept
    assert refused.status_code == 403
    assert added.status_code == 201, added.json()
    relief = Relief.objects.get(name="Bantuan 2027")
    assert relief.percent_off == 25
    # When it is closed early, then it ends and the history says who and why
    closed = api(admin).post(
        f"{RELIEFS}{relief.pk}/close/",
        {"effective_to": "2027-03-31", "source": "PP 2/2027"},
        format="json",
    )
    assert closed.status_code == 200
    assert [h["action"] for h in closed.json()["history"]] == ["closed", "created"]
    # and a closed row is never extended
    longer = api(admin).post(
        f"{RELIEFS}{relief.pk}/close/",
        {"effective_to": "2027-12-31", "source": "PP 3/2027"},
        format="json",
    )
    assert (longer.status_code, codes(longer)) == (409, ["already_closed"])


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"programs": ["jkk", "jkp"]}, "programs"),
        ({"percent_off": 0}, "percent_off"),
        ({"percent_off": 120}, "percent_off"),
        ({"excluded_funding_sources": ["dana_desa"]}, "excluded_funding_sources"),
        ({"effective_to": "2026-12-31"}, "effective_to"),
    ],
)
def test_a_bad_relief_is_400_and_nothing_is_kept(api, make_user, change, attr):
    response = api(make_user(Role.ADMIN)).post(RELIEFS, {**RELIEF, **change}, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]
    assert not Relief.objects.filter(name="Bantuan 2027").exists()


def test_the_django_admin_adds_and_closes_through_the_same_rules(client, make_user):
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    cap = Rate.objects.get(program="jp", effective_from=datetime.date(2026, 3, 1))
    # When the admin closes the 2026 cap without saying on what authority
    page = client.post(
        f"/admin/contributions/rate/{cap.pk}/change/",
        {
            "effective_to": "2027-02-28",
            "change_source": "",
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    )
    # Then the form asks for it, and nothing changed
    assert page.status_code == 200
    cap.refresh_from_db()
    assert cap.effective_to is None
    # When the authority is given
    page = client.post(
        f"/admin/contributions/rate/{cap.pk}/change/",
        {
            "effective_to": "2027-02-28",
            "change_source": "BPJS letter of February 2027",
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    )
    # Then the row closes, with its history entry
    assert page.status_code == 302
    cap.refresh_from_db()
    assert cap.effective_to == datetime.date(2027, 2, 28)
    change = RuleChange.objects.filter(rate=cap).first()
    assert (change.action, change.actor, change.source) == (
        "closed",
        admin,
        "BPJS letter of February 2027",
    )
    # When a relief that overlaps nothing but starts mid-month is added in the admin
    page = client.post(
        "/admin/contributions/relief/add/",
        {
            **RELIEF,
            "programs": '["jkk", "jkm"]',
            "sectors": '["other"]',
            "excluded_funding_sources": '["apbd"]',
            "effective_from": "2027-01-15",
            "note": "",
            "change_source": "",
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    )
    # Then the form shows the refusal and no row is added
    assert page.status_code == 200
    assert not Relief.objects.filter(name="Bantuan 2027").exists()
