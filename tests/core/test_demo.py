import datetime

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

# The views load on the real clock (DRF's throttle keeps the clock it was imported with).
import jamsostek.urls  # noqa: F401
from accounts.models import User
from contributions.models import (
    BenefitClaim,
    Bill,
    BillAdjustment,
    BillLine,
    BillPenalty,
    Budget,
    Notification,
    Payment,
)
from demo.seed import DEMO_OPERATORS, DEMO_PASSWORD, seed_demo
from jamsostek.core.choices import Role
from members.models import Enrollment, Member
from reports.models import VillageProgress
from tests.conftest import shared_rows
from villages.models import VillageSeat

pytestmark = pytest.mark.django_db

DEMO_DAY = "2026-11-30 03:00:00"  # the demo's year: December 2025 to November 2026


def seeded():
    with freeze_time(DEMO_DAY):
        return seed_demo()


@pytest.fixture(scope="module")
def demo_seeded(django_db_setup, django_db_blocker):
    # A year of the demo villages' money takes some 18 s to write: once for the module.
    with shared_rows(django_db_blocker, seeded) as first_run:
        yield first_run


@pytest.fixture
def demo(demo_seeded, db):
    """What the first ``seed_demo()`` answered: (accounts, seats made, members made)."""
    return demo_seeded


@freeze_time(DEMO_DAY)
def test_seed_demo_creates_every_role_and_is_idempotent(api, demo):
    # When the demo is seeded
    accounts, seats, members = demo
    # Then each seed regency has an auditor and a BPJS officer, and named villages operators
    roles = {}
    for account in accounts:
        roles.setdefault(account.role, set()).add(account.scope)
    assert roles[Role.PMD_AUDITOR] == {"33.26", "33.75", "33.16", "33.02", "35.03"}
    assert roles[Role.BPJS_OFFICER] == roles[Role.PMD_AUDITOR]
    assert {"33.26.13.2008", "33.26.17.2012", "33.26.08.2023"} <= roles[Role.VILLAGE_OPERATOR]
    assert roles[Role.ADMIN] == {"nation"}
    assert Role.DISTRICT_VIEWER in roles
    # And every village of those regencies has seat counts: 7 categories for a desa, 4 for a
    # kelurahan (Kota Pekalongan's 27 are all kelurahan)
    assert seats == VillageSeat.objects.count() > 0
    kwayangan = dict(
        VillageSeat.objects.filter(village__code="33.26.13.2008").values_list("category", "count")
    )
    assert kwayangan["kepala_desa"] == 1 and kwayangan["bpd"] % 2 == 1
    medono = set(
        VillageSeat.objects.filter(village__code="33.75.01.1002").values_list("category", flat=True)
    )
    assert medono == {"rt", "rw", "linmas", "lkd"}
    # And the demo villages are living ones: officials, a few dozen vulnerable workers, drafts,
    # active members with KPJ numbers, and one member who died
    assert members > 0
    kwayangan = Enrollment.objects.filter(member__village__code="33.26.13.2008")
    assert {"draft", "submitted", "active", "ended"} <= set(
        kwayangan.values_list("status", flat=True)
    )
    assert kwayangan.filter(end_reason="deceased").count() == 1
    assert not kwayangan.filter(status="active", kpj_number__isnull=True).exists()
    rentan = Member.objects.filter(
        village__code="33.26.13.2008", roles__category="pekerja_rentan"
    ).count()
    assert 32 <= rentan <= 45
    assert Member.objects.filter(village__code="33.75.01.1002", roles__category="bpd").count() == 0
    # And a year of money: bills paid on time and late, payments in every review state,
    # late PU penalties, the village that stopped paying with its BPU members lapsed,
    # budgets and the death benefits of those who died
    assert Bill.objects.filter(village__code="33.26.13.2008").count() >= 12
    assert {"verified", "rejected", "pending_review"} <= set(
        Payment.objects.values_list("status", flat=True)
    )
    assert BillPenalty.objects.exists()
    lapsed = Enrollment.objects.filter(status="lapsed")
    assert lapsed.exists()
    assert set(lapsed.values_list("member__village__code", flat=True)) == {"33.26.17.2012"}
    assert Bill.objects.filter(village__code="33.26.17.2012", status="overdue").count() >= 4
    assert Budget.objects.filter(village__code="33.26.13.2008").exists()
    assert (
        BenefitClaim.objects.filter(benefit="jkm").count()
        == Enrollment.objects.filter(end_reason="deceased").count()
    )
    # And 2026 is billed at PP 50/2025's relieved rates, but not for the APBD-funded, in
    # villages with both ojek drivers (transport) and farmers (other sectors)
    june = BillLine.objects.filter(period=datetime.date(2026, 6, 1), bill__segment="bpu")
    assert june.filter(price__relief__name="PP 50/2025, transport sector").exists()
    relieved = june.filter(price__relief__name="PP 50/2025, other sectors").first()
    assert relieved.amount == 8_400
    full_price = june.filter(bill__funding_source="apbd").first()
    assert (full_price.amount, full_price.price.relief) == (16_800, None)
    assert Member.objects.filter(occupation="ojek", village=relieved.bill.village).exists()
    assert Member.objects.filter(occupation="petani", village=relieved.bill.village).exists()
    # and the relief entered a month late left credits on May's bills for April's paid ones
    credit = BillAdjustment.objects.filter(amount__lt=0, bill__isnull=False).first()
    assert (credit.origin.period, credit.bill.period) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 5, 1),
    )
    # And the dashboards have figures, and operators unread reminders
    progress = VillageProgress.objects.get(village__code="33.26.13.2008")
    assert progress.rentan_active > 0 and progress.participants_active > 0
    assert Notification.objects.filter(
        recipient__username="op_blacanan", channel="in_app", read_at__isnull=True
    ).exists()
    # And a demo operator can log in with the published password
    response = api().post(
        "/api/v1/auth/token/", {"username": DEMO_OPERATORS[0][1], "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    # When it runs again, then nothing new is created
    users_before, bills_before = User.objects.count(), Bill.objects.count()
    accounts_again, seats_again, members_again = seed_demo()
    assert not any(account.created for account in accounts_again)
    assert seats_again == 0
    assert members_again == 0
    assert User.objects.count() == users_before
    assert Bill.objects.count() == bills_before


def test_seed_demo_keeps_what_users_changed(demo):
    # Given a seeded demo whose RT seats in Kwayangan a user changed
    VillageSeat.objects.filter(village__code="33.26.13.2008", category="rt").update(count=99)
    # When it is seeded again, then the change stays
    seeded()
    assert VillageSeat.objects.get(village__code="33.26.13.2008", category="rt").count == 99


def test_seed_demo_refuses_production_without_force(settings, demo):
    # Given a seeded demo that lost a district viewer's account, in production
    User.objects.filter(username="kec_kedungwuni").delete()
    settings.DEBUG = False
    # When the command runs without --force, then it refuses and writes nothing
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.filter(username="kec_kedungwuni").exists()
    # And with --force it seeds: the account is back
    call_command("seed_demo", "--force")
    assert User.objects.filter(username="kec_kedungwuni").exists()
