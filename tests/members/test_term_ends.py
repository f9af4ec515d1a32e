"""Term ends: the nightly job ends roles past their term and the enrollments no role keeps."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from members.models import EndReason, MemberEvent, MemberRole, Status
from members.tasks import roles_end_expired
from reports.models import CategoryProgress, StaleProgress
from reports.tasks import progress_refresh, progress_refresh_stale
from tests.conftest import KWAYANGAN
from tests.contributions.helpers import enrollment_of
from tests.factories import CoveredMemberFactory

pytestmark = pytest.mark.django_db


def bpd_until(actor, term_end: str, **kwargs):
    """An active BPD member (effective 2025-01-01) whose term ends on ``term_end``."""
    roles = [
        {
            "category": "bpd",
            "position": "Anggota BPD",
            "term_start": datetime.date(2019, 7, 1),
            "term_end": datetime.date.fromisoformat(term_end),
        }
    ] + kwargs.pop("extra_roles", [])
    return CoveredMemberFactory(actor=actor, roles=roles, **kwargs)


def test_a_role_past_its_term_ends_with_its_enrollment(admin):
    # Given a BPD member whose term ends on 30 June 2025
    member = bpd_until(admin, "2025-06-30")

    # When the job runs on the last day of the term, nothing ends yet
    assert roles_end_expired(today="2025-06-30") == {"roles": 0, "enrollments": 0}
    assert enrollment_of(member).status == Status.ACTIVE

    # When it runs the day after
    with freeze_time("2025-07-01 01:45:00"):
        result = roles_end_expired(today="2025-07-01")

    # Then the role ended on its term's last day, and so did the enrollment, as term_ended
    assert result == {"roles": 1, "enrollments": 1}
    role = MemberRole.objects.get(member=member)
    assert role.ended_on == datetime.date(2025, 6, 30)
    enrollment = enrollment_of(member)
    assert (enrollment.status, enrollment.ended_on, enrollment.end_reason) == (
        Status.ENDED,
        datetime.date(2025, 6, 30),
        EndReason.TERM_ENDED,
    )
    # And the history says so, with no actor (the job) and the role's before and after
    events = list(MemberEvent.objects.filter(member=member).order_by("pk"))
    role_event = next(e for e in events if "roles" in e.changes)
    assert role_event.actor is None
    assert role_event.changes["roles"][0][0]["ended_on"] is None
    assert role_event.changes["roles"][1][0]["ended_on"] == "2025-06-30"
    assert events[-1].changes["status"] == [Status.ACTIVE, Status.ENDED]


def test_running_the_job_twice_ends_nothing_more(admin):
    # Given two members whose terms have passed, and one whose term runs on
    first = bpd_until(admin, "2025-03-31")
    second = bpd_until(admin, "2025-05-31")
    staying = bpd_until(admin, "2027-12-31")

    # When the job runs twice (a retry after a crash, or beat firing twice)
    once = roles_end_expired(today="2025-07-01")
    twice = roles_end_expired(today="2025-07-01")

    # Then the first run ended both, the second nothing; the history has one entry each
    assert once == {"roles": 2, "enrollments": 2}
    assert twice == {"roles": 0, "enrollments": 0}
    for member in (first, second):
        assert enrollment_of(member).status == Status.ENDED
        assert MemberEvent.objects.filter(member=member, changes__has_key="roles").count() == 1
    assert enrollment_of(staying).status == Status.ACTIVE
    assert not MemberEvent.objects.filter(member=staying, changes__has_key="roles").exists()


def test_an_enrollment_another_role_keeps_stays_active(admin):
    # Given a member who sits on the BPD until June and heads an RT without a term
    member = bpd_until(admin, "2025-06-30", extra_roles=[{"category": "rt", "position": "RT 03"}])

    # When the job runs in July
    result = roles_end_expired(today="2025-07-01")

    # Then only the BPD seat ended; the RT seat keeps the member covered
    assert result == {"roles": 1, "enrollments": 0}
    open_roles = MemberRole.objects.filter(member=member, ended_on__isnull=True)
    assert list(open_roles.values_list("category", flat=True)) == ["rt"]
    assert enrollment_of(member).status == Status.ACTIVE


def test_an_ended_role_shows_in_the_apps_sync_and_the_progress(admin, api):
    # Given an active BPD member of Kwayangan registered in June, synced by the app on 20 June
    with freeze_time("2025-06-10 09:00:00"):
        member = bpd_until(admin, "2025-06-30")
        other = bpd_until(admin, "2027-12-31")
    synced_at = "2025-06-20T00:00:00+07:00"
    progress_refresh()
    assert CategoryProgress.objects.get(village__code=KWAYANGAN, category="bpd").active == 2

    # When the nightly job ends the term on 1 July
    with freeze_time("2025-07-01 01:45:00"):
        roles_end_expired(today="2025-07-01")

    # Then the app's next sync brings back that member only, with the role ended
    response = api(admin).get("/api/v1/members/", {"updated_since": synced_at})
    assert [row["id"] for row in response.json()["results"]] == [member.pk]
    assert other.pk not in [row["id"] for row in response.json()["results"]]
    # And the village is marked for a refresh, after which its figures drop the seat
    assert StaleProgress.objects.filter(village__code=KWAYANGAN).exists()
    progress_refresh_stale()
    bpd = CategoryProgress.objects.get(village__code=KWAYANGAN, category="bpd")
    assert (bpd.registered, bpd.active) == (1, 1)
    assert not StaleProgress.objects.filter(village__code=KWAYANGAN).exists()


def test_the_management_command_ends_terms_for_a_given_day(admin, capsys):
    # Given a term that ended in March
    member = bpd_until(admin, "2025-03-31")

    # When an operator runs the command for 1 April
    call_command("end_expired_terms", "--date", "2025-04-01")

    # Then the enrollment ended and the command prints what it did, as JSON
    assert enrollment_of(member).status == Status.ENDED
    assert json.loads(capsys.readouterr().out) == {"roles": 1, "enrollments": 1}
