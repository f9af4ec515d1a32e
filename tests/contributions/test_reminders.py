"""Reminders: planned into the outbox once per recipient, channel and key; delivered by
e-mail and over the SMS/WhatsApp gateway with retries; read in the app at /notifications/.

Dates used throughout (2025):
- July's BPU bill is due Tuesday 15 July; June's PU bill is due the same day; July's PU bill
  on Friday 15 August; June's BPU bill on Monday 16 June (the 15th is a Sunday).
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import User
from contributions import tasks
from contributions.api.notifications import NotificationViewSet
from contributions.models import Channel, Delivery, Notification
from contributions.services.arrears import arrears_rules_apply
from contributions.services.notifications import notifications_deliver
from contributions.services.reminders import reminders_plan
from jamsostek.core.choices import Role
from members.models import MemberRole, Status
from tests.conftest import BANYUMAS, BLACANAN, CIRAHAB, KAB_PEKALONGAN, KWAYANGAN
from tests.factories import CoveredMemberFactory, PaymentFactory
from tests.gateway import Gateway

from .helpers import BPU_PACKAGE, PU_MONTHLY, bill_of, day, generate, pu_terms

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"
KAB_BATANG = "33.25"  # a regency of Jawa Tengah with no village in these tests


def bill_months(*periods: str, village: str | None = None) -> None:
    """Bill each month on its 2nd day, before anything falls due."""
    for period in periods:
        with freeze_time(f"{period}-02 03:00:00"):
            generate(period, *([village] if village else []))


def rules_on(date: str) -> None:
    with freeze_time(f"{date} 03:00:00"):
        arrears_rules_apply()


def plan(date: str) -> int:
    """The morning's planning run for ``date``: how many rows it queued."""
    return reminders_plan(today=day(date)).planned


def outbox(user, channel: str = Channel.IN_APP) -> dict[str, Notification]:
    """The user's notifications on one channel, by key."""
    return {n.key: n for n in Notification.objects.filter(recipient=user, channel=channel)}


def keys(user, channel: str = Channel.IN_APP) -> set[str]:
    return set(outbox(user, channel))


def channels(user) -> dict[str, set[str]]:
    """For each key the user has, the channels it was queued on."""
    found: dict[str, set[str]] = {}
    for key, channel in Notification.objects.filter(recipient=user).values_list("key", "channel"):
        found.setdefault(key, set()).add(channel)
    return found


def arrears_key(period: str, segment: str, stage: str, village: str = KWAYANGAN) -> str:
    return f"arrears:{village}:{period}:{segment}:{stage}"


def july(*stages: str) -> set[str]:
    """The keys of Kwayangan's July BPU bill at these stages."""
    return {arrears_key("2025-07", "bpu", stage) for stage in stages}


# --- stages -----------------------------------------------------------------------------------


def test_an_unpaid_bill_is_reminded_before_on_and_after_its_due_date(admin, operator):
    # Given Kwayangan's July BPU bill, Rp 16,800, due Tuesday 15 July, never paid
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")

    # When the nightly rules and the morning's planning run on a series of days,
    # Then after each day the operator has exactly these stages
    expected = [
        ("2025-07-10", set()),  # due - 5: outside the window
        ("2025-07-11", set()),  # due - 4
        ("2025-07-12", july("before")),  # due - 3
        ("2025-07-14", july("before")),  # due - 1: still the one "before"
        ("2025-07-15", july("before", "due")),
        ("2025-07-16", july("before", "due", "after-1")),
        ("2025-07-18", july("before", "due", "after-1")),  # due + 3
        ("2025-07-22", july("before", "due", "after-1", "after-7")),
        ("2025-07-29", july("before", "due", "after-1", "after-7", "after-14")),
        ("2025-08-14", july("before", "due", "after-1", "after-7", "after-14", "after-30")),
        ("2025-09-30", july("before", "due", "after-1", "after-7", "after-14", "after-30")),
    ]
    for date, stages in expected:
        rules_on(date)
        plan(date)
        assert keys(operator) == stages, date

    # And each reminder is in the app at once, unread, in Indonesian with the figures
    rows = outbox(operator)
    assert {(n.status, n.kind, n.read_at) for n in rows.values()} == {
        (Delivery.SENT, "arrears", None)
    }
    before = rows[arrears_key("2025-07", "bpu", "before")]
    assert before.subject == "Iuran jatuh tempo 15-07-2025"
    assert before.body == (
        "Iuran BPU Kwayangan periode 2025-07 sebesar Rp 16.800 jatuh tempo pada 15-07-2025."
    )
    due = rows[arrears_key("2025-07", "bpu", "due")]
    assert due.subject == "Iuran jatuh tempo hari ini"
    assert due.body == (
        "Hari ini, 15-07-2025, adalah batas akhir pembayaran iuran BPU Kwayangan "
        "periode 2025-07: Rp 16.800."
    )
    late = rows[arrears_key("2025-07", "bpu", "after-7")]
    assert late.subject == "Iuran periode 2025-07 sudah lewat jatuh tempo"
    assert late.body == (
        "Iuran BPU Kwayangan periode 2025-07 jatuh tempo pada 15-07-2025 dan masih "
        "tertunggak Rp 16.800. Peserta tidak terlindungi selama iuran belum dibayar; "
        "segera lakukan pembayaran."
    )
    assert late.data == {
        "village": "Kwayangan",
        "village_code": KWAYANGAN,
        "period": "2025-07",
        "segment": "BPU",
        "amount": "Rp 16.800",
        "outstanding": BPU_PACKAGE,
        "due": "15-07-2025",
        "stage": "after-7",
    }


def test_a_due_date_moved_past_a_weekend_moves_the_reminders(admin, operator):
    # Given June's BPU bill: the 15th is a Sunday, so it is due Monday 16 June
    CoveredMemberFactory(actor=admin)
    bill_months("2025-06")
    assert bill_of(period="2025-06").due_date == day("2025-06-16")

    # When planning runs on Sunday the 15th, it is still "before"
    plan("2025-06-12")
    assert keys(operator) == set()
    plan("2025-06-15")
    assert keys(operator) == {arrears_key("2025-06", "bpu", "before")}

    # And Monday the 16th is the due day
    plan("2025-06-16")
    assert keys(operator) == {
        arrears_key("2025-06", "bpu", "before"),
        arrears_key("2025-06", "bpu", "due"),
    }


def test_a_bill_paid_in_full_gets_no_further_reminders(admin, operator):
    # Given July's bill reminded three days before its due date
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-12")
    assert keys(operator) == july("before")

    # When the village pays it in full on the 14th
    with freeze_time("2025-07-14 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of())

    # Then nothing more is planned, on the due date or long after it
    for date in ("2025-07-15", "2025-07-16", "2025-07-22", "2025-08-14"):
        rules_on(date)
        assert plan(date) == 0, date
    assert keys(operator) == july("before")


def test_a_partly_paid_bill_names_what_is_still_owed(admin, operator):
    # Given two BPU members of Kwayangan: July's bill is Rp 33,600
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, full_name="Siti Aminah", sex="female", category="bpd")
    bill_months("2025-07")
    assert bill_of().amount == 2 * BPU_PACKAGE

    # When the village pays Rp 16,800 of it before the due date
    with freeze_time("2025-07-14 03:00:00"):
        PaymentFactory(actor=operator, bill=bill_of(), amount=BPU_PACKAGE)

    # Then the reminders on and after the due date name the Rp 16,800 outstanding
    plan("2025-07-15")
    rules_on("2025-07-16")
    plan("2025-07-16")
    rows = outbox(operator)
    assert set(rows) == july("due", "after-1")
    assert rows[arrears_key("2025-07", "bpu", "due")].body.endswith("periode 2025-07: Rp 16.800.")
    late = rows[arrears_key("2025-07", "bpu", "after-1")]
    assert "masih tertunggak Rp 16.800." in late.body
    assert "33.600" not in late.body
    assert (late.data["amount"], late.data["outstanding"]) == ("Rp 16.800", BPU_PACKAGE)


def test_pu_and_bpu_bills_are_reminded_apart(admin, operator):
    # Given a BPU member and a PU official of Kwayangan billed for June and July:
    # June's PU and July's BPU are both due 15 July, July's PU on 15 August
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(
        actor=admin, enrollment=pu_terms(), category="perangkat_desa", full_name="Budi Santoso"
    )
    bill_months("2025-06", "2025-07")

    # When planning runs on 15 July
    plan("2025-07-15")

    # Then each segment's bill has its own key and its own amount
    rows = outbox(operator)
    assert set(rows) == {
        arrears_key("2025-06", "bpu", "after-14"),  # due 16 June
        arrears_key("2025-06", "pu", "due"),
        arrears_key("2025-07", "bpu", "due"),
    }
    assert rows[arrears_key("2025-06", "pu", "due")].body == (
        "Hari ini, 15-07-2025, adalah batas akhir pembayaran iuran PU Kwayangan "
        "periode 2025-06: Rp 221.760."
    )
    assert rows[arrears_key("2025-06", "pu", "due")].data["outstanding"] == PU_MONTHLY
    assert rows[arrears_key("2025-07", "bpu", "due")].data["outstanding"] == BPU_PACKAGE

    # And July's PU bill comes into the window three days before its own due date
    plan("2025-08-12")
    assert arrears_key("2025-07", "pu", "before") in keys(operator)
    assert arrears_key("2025-07", "bpu", "before") not in keys(operator)


# --- one row per recipient, channel and key ---------------------------------------------------


def test_planning_twice_the_same_day_plans_nothing_the_second_time(admin, operator):
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    assert plan("2025-07-15") == 1
    rows = list(Notification.objects.order_by("pk").values())

    assert plan("2025-07-15") == 0
    assert list(Notification.objects.order_by("pk").values()) == rows


def test_the_morning_task_run_twice_sends_once(admin, make_user, mailoutbox):
    # Given an operator with an e-mail address and July's bill due today
    operator = make_user(Role.VILLAGE_OPERATOR, email="operator@kwayangan.desa.id")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")

    # When the morning task runs, and runs again
    first = tasks.reminders_send.delay(today="2025-07-15").get()
    second = tasks.reminders_send.delay(today="2025-07-15").get()

    # Then the first planned the reminder in the app and by e-mail and sent the e-mail,
    # the second did nothing
    assert first == {"planned": 2, "sent": 1, "retry": 0, "failed": 0}
    assert second == {"planned": 0, "sent": 0, "retry": 0, "failed": 0}
    assert channels(operator) == {
        arrears_key("2025-07", "bpu", "due"): {Channel.IN_APP, Channel.EMAIL}
    }
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["operator@kwayangan.desa.id"]
    assert mailoutbox[0].subject == "Iuran jatuh tempo hari ini"


def test_each_recipient_gets_one_row_per_channel_they_can_be_reached_on(admin, make_user, settings):
    # Given the gateway configured and Kwayangan's operators reachable in different ways
    settings.NOTIFY_GATEWAY_URL = "http://127.0.0.1:9/unused"
    everywhere = make_user(
        Role.VILLAGE_OPERATOR, email="sekdes@kwayangan.desa.id", phone="081234567890"
    )
    app_only = make_user(Role.VILLAGE_OPERATOR)
    phone_only = make_user(Role.VILLAGE_OPERATOR, phone="081298765432")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")

    # When July's bill falls due
    plan("2025-07-15")

    # Then each has the reminder once on each of their channels
    key = arrears_key("2025-07", "bpu", "due")
    assert channels(everywhere) == {key: {Channel.IN_APP, Channel.EMAIL, Channel.GATEWAY}}
    assert channels(app_only) == {key: {Channel.IN_APP}}
    assert channels(phone_only) == {key: {Channel.IN_APP, Channel.GATEWAY}}
    # The app's copy is delivered by being there; the others wait for delivery
    rows = Notification.objects.filter(recipient=everywhere)
    assert {(n.channel, n.status, n.sent_at is not None) for n in rows} == {
        (Channel.IN_APP, Delivery.SENT, True),
        (Channel.EMAIL, Delivery.PENDING, False),
        (Channel.GATEWAY, Delivery.PENDING, False),
    }
    assert len({(n.subject, n.body) for n in rows}) == 1


def test_without_a_gateway_a_phone_number_is_not_a_channel(admin, make_user, settings):
    settings.NOTIFY_GATEWAY_URL = ""
    operator = make_user(Role.VILLAGE_OPERATOR, phone="081234567890")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    assert channels(operator) == {arrears_key("2025-07", "bpu", "due"): {Channel.IN_APP}}


def test_only_active_operators_of_the_village_are_reminded(admin, make_user):
    # Given Kwayangan's and Blacanan's July bills, and users around them
    kwayangan = make_user(Role.VILLAGE_OPERATOR)
    inactive = make_user(Role.VILLAGE_OPERATOR, is_active=False, email="lama@kwayangan.desa.id")
    blacanan = make_user(Role.VILLAGE_OPERATOR, BLACANAN)
    cirahab = make_user(Role.VILLAGE_OPERATOR, CIRAHAB)
    others = [make_user(role) for role in (Role.DISTRICT_VIEWER, Role.BPJS_OFFICER, Role.ADMIN)]
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    bill_months("2025-07")

    # When July's bills fall due
    plan("2025-07-15")

    # Then each village's active operator has its own village's reminder only
    assert keys(kwayangan) == july("due")
    assert keys(blacanan) == {arrears_key("2025-07", "bpu", "due", village=BLACANAN)}
    assert "Blacanan" in outbox(blacanan)[arrears_key("2025-07", "bpu", "due", BLACANAN)].body
    # And nobody else has anything
    for user in (inactive, cirahab, *others):
        assert not Notification.objects.filter(recipient=user).exists(), user.role


# --- the monthly digest --------------------------------------------------------------------------


@pytest.fixture
def overdue(admin):
    """On 16 July 2025, after the nightly rules: June's and July's BPU bills overdue in
    Kwayangan (two members, Rp 67,200), Blacanan (one member, Rp 10,000 paid: Rp 23,600)
    and Cirahab in Banyumas (one member, Rp 33,600)."""
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, full_name="Siti Aminah", sex="female", category="bpd")
    CoveredMemberFactory(actor=admin, village=BLACANAN)
    CoveredMemberFactory(actor=admin, village=CIRAHAB)
    bill_months("2025-06", "2025-07")
    with freeze_time("2025-07-10 03:00:00"):
        PaymentFactory(actor=admin, bill=bill_of(BLACANAN, "2025-07"), amount=10_000)
    rules_on("2025-07-16")


def digests(user) -> dict[str, Notification]:
    return {k: n for k, n in outbox(user).items() if n.kind == "digest"}


def test_auditors_get_a_monthly_digest_of_their_regencys_arrears(make_user, overdue):
    # Given auditors of Kab. Pekalongan (one of them inactive), Banyumas and Batang
    pekalongan = make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN)
    gone = make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN, is_active=False)
    banyumas = make_user(Role.PMD_AUDITOR, BANYUMAS)
    batang = make_user(Role.PMD_AUDITOR, KAB_BATANG)
    operator = make_user(Role.VILLAGE_OPERATOR)

    # When the morning's planning runs on 16 July
    plan("2025-07-16")

    # Then Kab. Pekalongan's auditor has one digest of its two villages, largest first
    found = digests(pekalongan)
    assert list(found) == [f"digest:{KAB_PEKALONGAN}:2025-07"]
    digest = found[f"digest:{KAB_PEKALONGAN}:2025-07"]
    assert digest.subject == "Rekap tunggakan 2025-07: 2 desa, Rp 90.800"
    assert digest.body == (
        "2 desa di kabupaten/kota Anda menunggak iuran, seluruhnya Rp 90.800:\n"
        f"- Kwayangan ({KWAYANGAN}): Rp 67.200\n"
        f"- Blacanan ({BLACANAN}): Rp 23.600"
    )
    assert digest.data == {
        "count": 2,
        "amount": "Rp 90.800",
        "month": "2025-07",
        "outstanding": 90_800,
        "villages": [
            {"code": KWAYANGAN, "outstanding": 67_200},
            {"code": BLACANAN, "outstanding": 23_600},
        ],
    }
    # And no village reminder: those go to operators
    assert set(outbox(pekalongan)) == set(found)

    # And Banyumas's auditor has Cirahab's only
    assert [(n.subject, n.data["villages"]) for n in digests(banyumas).values()] == [
        (
            "Rekap tunggakan 2025-07: 1 desa, Rp 33.600",
            [{"code": CIRAHAB, "outstanding": 33_600}],
        )
    ]
    # And an auditor of a regency without arrears, an inactive one and operators get none
    for user in (batang, gone, operator):
        assert digests(user) == {}


def test_the_digest_is_planned_once_a_month(make_user, overdue):
    auditor = make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN)
    plan("2025-07-16")
    assert set(digests(auditor)) == {f"digest:{KAB_PEKALONGAN}:2025-07"}

    # When planning runs again that day, and later in the month with more paid
    plan("2025-07-16")
    with freeze_time("2025-07-20 03:00:00"):
        PaymentFactory(actor=auditor, bill=bill_of(period="2025-06"))
    plan("2025-07-20")
    plan("2025-07-31")

    # Then there is still the one July digest, unchanged
    assert set(digests(auditor)) == {f"digest:{KAB_PEKALONGAN}:2025-07"}
    assert digests(auditor)[f"digest:{KAB_PEKALONGAN}:2025-07"].data["outstanding"] == 90_800

    # When August comes, August's digest shows what is overdue then
    plan("2025-08-01")
    assert set(digests(auditor)) == {
        f"digest:{KAB_PEKALONGAN}:2025-07",
        f"digest:{KAB_PEKALONGAN}:2025-08",
    }
    august = digests(auditor)[f"digest:{KAB_PEKALONGAN}:2025-08"]
    assert august.subject == "Rekap tunggakan 2025-08: 2 desa, Rp 57.200"  # 33,600 + 23,600


def test_no_overdue_bill_no_digest(admin, make_user):
    # Given bills that are open, not overdue
    auditor = make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN)
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    rules_on("2025-07-14")
    plan("2025-07-14")
    assert digests(auditor) == {}


# --- terms ending ---------------------------------------------------------------------------


def official(admin, term_end: str, *, position: str = "Ketua BPD", **kwargs):
    """A covered member of Kwayangan in one role ending on ``term_end``; returns the role."""
    member = CoveredMemberFactory(
        actor=admin,
        roles=[
            {
                "category": "bpd",
                "position": position,
                "term_start": "2020-01-01",
                "term_end": term_end,
            }
        ],
        **kwargs,
    )
    return MemberRole.objects.get(member=member)


def test_a_term_ending_within_30_days_is_noticed_once(admin, operator):
    # Given roles ending in 10, 30 and 31 days after 1 December 2025
    soon = official(admin, "2025-12-11", full_name="Siti Aminah", sex="female")
    edge = official(admin, "2025-12-31", position="Sekretaris BPD", full_name="Ahmad Fauzi")
    later = official(admin, "2026-01-01", position="Anggota BPD", full_name="Dewi Lestari")

    # When planning runs on 1 December
    plan("2025-12-01")

    # Then the two within 30 days are noticed to the operator, in Indonesian
    rows = outbox(operator)
    assert set(rows) == {f"term:{soon.pk}:30d", f"term:{edge.pk}:30d"}
    notice = rows[f"term:{soon.pk}:30d"]
    assert notice.kind == "term"
    assert notice.subject == "Masa jabatan berakhir pada 11-12-2025"
    assert notice.body == (
        "Masa jabatan Siti Aminah sebagai Ketua BPD berakhir pada 11-12-2025. "
        "Daftarkan penggantinya agar jabatan tersebut tetap terlindungi."
    )
    assert notice.data == {
        "name": "Siti Aminah",
        "position": "Ketua BPD",
        "end": "11-12-2025",
        "member": soon.member_id,
        "role": soon.pk,
    }

    # When planning runs on the following days
    plan("2025-12-02")
    plan("2025-12-10")

    # Then the third comes in once it is 30 days away, and none twice
    assert set(outbox(operator)) == {
        f"term:{soon.pk}:30d",
        f"term:{edge.pk}:30d",
        f"term:{later.pk}:30d",
    }
    assert Notification.objects.filter(kind="term").count() == 3


def test_no_notice_for_a_term_far_off_or_for_an_ended_role(admin, operator, make_user):
    # Given a role ending in two months, and one of a member who left in November
    official(admin, "2026-02-01")
    official(
        admin, "2025-12-20", full_name="Ahmad Fauzi", status=Status.ENDED, ended_on="2025-11-15"
    )
    assert MemberRole.objects.filter(ended_on__isnull=False).count() == 1
    # And an operator of another village
    other = make_user(Role.VILLAGE_OPERATOR, BLACANAN)

    # When planning runs on 1 December
    assert plan("2025-12-01") == 0

    # Then nobody has a notice
    assert not Notification.objects.filter(kind="term").exists()
    assert keys(operator) == keys(other) == set()


def test_a_term_notice_goes_only_to_the_members_village(admin, operator, make_user):
    role = official(admin, "2025-12-11")
    other = make_user(Role.VILLAGE_OPERATOR, BLACANAN)
    plan("2025-12-01")
    assert keys(operator) == {f"term:{role.pk}:30d"}
    assert keys(other) == set()


# --- delivery: e-mail --------------------------------------------------------------------------


def test_email_is_delivered_once(admin, make_user, mailoutbox):
    # Given July's due reminder queued for an operator with an e-mail address
    operator = make_user(Role.VILLAGE_OPERATOR, email="operator@kwayangan.desa.id")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    email = outbox(operator, Channel.EMAIL)[arrears_key("2025-07", "bpu", "due")]
    assert (email.status, email.attempts) == (Delivery.PENDING, 0)

    # When delivery runs twice
    assert notifications_deliver() == {"sent": 1, "retry": 0, "failed": 0}
    assert tasks.notifications_deliver.delay().get() == {"sent": 0, "retry": 0, "failed": 0}

    # Then one e-mail went out, in Indonesian with the figures
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["operator@kwayangan.desa.id"]
    assert message.subject == "Iuran jatuh tempo hari ini"
    assert message.body == (
        "Hari ini, 15-07-2025, adalah batas akhir pembayaran iuran BPU Kwayangan "
        "periode 2025-07: Rp 16.800."
    )
    # And the row says so
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Delivery.SENT, 1, "")
    assert email.sent_at is not None


def test_a_recipient_deactivated_before_delivery_gets_nothing(admin, make_user, mailoutbox):
    # Given July's due reminder queued by e-mail for an operator who then left the office
    operator = make_user(Role.VILLAGE_OPERATOR, email="operator@kwayangan.desa.id")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    User.objects.filter(pk=operator.pk).update(is_active=False)

    # When delivery runs
    assert notifications_deliver() == {"sent": 0, "retry": 0, "failed": 1}

    # Then no e-mail went out, and the row says why
    assert mailoutbox == []
    email = outbox(operator, Channel.EMAIL)[arrears_key("2025-07", "bpu", "due")]
    assert (email.status, email.last_error) == (Delivery.FAILED, "recipient deactivated")


def test_a_mail_server_down_is_retried(admin, make_user, mailoutbox, monkeypatch):
    # Given an e-mail reminder and a mail server that refuses connections
    operator = make_user(Role.VILLAGE_OPERATOR, email="operator@kwayangan.desa.id")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")

    def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("contributions.services.notifications.send_mail", refused)
    now = timezone.now()

    # When delivery runs
    assert notifications_deliver(now=now) == {"sent": 0, "retry": 1, "failed": 0}

    # Then it waits two minutes to try again
    email = outbox(operator, Channel.EMAIL)[arrears_key("2025-07", "bpu", "due")]
    assert (email.status, email.attempts) == (Delivery.PENDING, 1)
    assert email.next_attempt_at == now + datetime.timedelta(minutes=2)
    assert "Connection refused" in email.last_error

    # And once the server is back, the next run after that sends it
    monkeypatch.undo()
    later = now + datetime.timedelta(minutes=2)
    assert notifications_deliver(now=later) == {"sent": 1, "retry": 0, "failed": 0}
    assert len(mailoutbox) == 1


# --- delivery: the gateway ---------------------------------------------------------------------


@pytest.fixture
def gateway(settings, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with Gateway() as server:
        settings.NOTIFY_GATEWAY_URL = server.url
        settings.NOTIFY_GATEWAY_TOKEN = "token-gateway-uji"
        settings.NOTIFY_GATEWAY_CHANNEL = "whatsapp"
        yield server


@pytest.fixture
def on_whatsapp(admin, make_user, gateway):
    """Kwayangan's operator on the phone, and July's due reminder queued for the gateway."""
    operator = make_user(Role.VILLAGE_OPERATOR, phone="081234567890")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    return operator


def gateway_row(user) -> Notification:
    return outbox(user, Channel.GATEWAY)[arrears_key("2025-07", "bpu", "due")]


def test_the_gateway_receives_the_message_as_documented(on_whatsapp, gateway):
    row = gateway_row(on_whatsapp)

    # When delivery runs twice
    assert notifications_deliver() == {"sent": 1, "retry": 0, "failed": 0}
    assert notifications_deliver() == {"sent": 0, "retry": 0, "failed": 0}

    # Then the gateway received the message once, with the token and an idempotency key
    assert len(gateway.received) == 1
    request = gateway.received[0]
    assert request["path"] == "/v1/messages"
    assert request["headers"]["authorization"] == "Bearer token-gateway-uji"
    assert request["headers"]["idempotency-key"] == f"notification-{row.pk}"
    assert request["headers"]["content-type"] == "application/json"
    assert request["body"] == {
        "id": row.pk,
        "key": arrears_key("2025-07", "bpu", "due"),
        "kind": "arrears",
        "to": "081234567890",
        "channel": "whatsapp",
        "subject": "Iuran jatuh tempo hari ini",
        "text": (
            "Hari ini, 15-07-2025, adalah batas akhir pembayaran iuran BPU Kwayangan "
            "periode 2025-07: Rp 16.800."
        ),
        "data": {
            "village": "Kwayangan",
            "village_code": KWAYANGAN,
            "period": "2025-07",
            "segment": "BPU",
            "amount": "Rp 16.800",
            "outstanding": BPU_PACKAGE,
            "due": "15-07-2025",
            "stage": "due",
        },
    }
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Delivery.SENT, 1, "")


def test_each_notification_reaches_the_gateway_once(admin, make_user, gateway):
    # Given two operators on the phone and two days of reminders
    first = make_user(Role.VILLAGE_OPERATOR, phone="081234567890")
    second = make_user(Role.VILLAGE_OPERATOR, phone="081298765432")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    assert notifications_deliver()["sent"] == 2
    plan("2025-07-16")
    plan("2025-07-16")

    # When delivery runs again, twice
    assert notifications_deliver()["sent"] == 2
    assert notifications_deliver()["sent"] == 0

    # Then the gateway received each of the four rows once, each to its own number
    expected = Notification.objects.filter(channel=Channel.GATEWAY).values_list("pk", flat=True)
    assert len(expected) == 4
    assert sorted(gateway.ids()) == sorted(expected)
    assert sorted((r["body"]["to"], r["body"]["key"]) for r in gateway.received) == [
        ("081234567890", arrears_key("2025-07", "bpu", "after-1")),
        ("081234567890", arrears_key("2025-07", "bpu", "due")),
        ("081298765432", arrears_key("2025-07", "bpu", "after-1")),
        ("081298765432", arrears_key("2025-07", "bpu", "due")),
    ]
    assert {r["headers"]["idempotency-key"] for r in gateway.received} == {
        f"notification-{pk}" for pk in expected
    }
    # And every gateway row of both operators is marked sent
    sent = Notification.objects.filter(channel=Channel.GATEWAY, status=Delivery.SENT)
    assert sorted(sent.values_list("recipient", flat=True)) == sorted([first.pk, second.pk] * 2)


def test_a_gateway_unavailable_is_retried_with_backoff_then_failed(on_whatsapp, gateway, settings):
    # Given four attempts allowed and a gateway answering 503
    settings.NOTIFY_MAX_ATTEMPTS = 4
    gateway.status = 503
    row = gateway_row(on_whatsapp)
    now = timezone.now()

    # When delivery runs
    assert notifications_deliver(now=now) == {"sent": 0, "retry": 1, "failed": 0}

    # Then the row is pending again, to be tried in 2 minutes
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.PENDING, 1)
    assert row.next_attempt_at == now + datetime.timedelta(minutes=2)
    assert row.last_error == "gateway answered 503"

    # And a run before then leaves it alone
    early = now + datetime.timedelta(minutes=1, seconds=59)
    assert notifications_deliver(now=early) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(gateway.received) == 1

    # When the next attempts fail too, the wait doubles each time: 4, then 8 minutes
    attempt_at = row.next_attempt_at
    for attempts, wait in ((2, 4), (3, 8)):
        assert notifications_deliver(now=attempt_at) == {"sent": 0, "retry": 1, "failed": 0}
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Delivery.PENDING, attempts)
        assert row.next_attempt_at == attempt_at + datetime.timedelta(minutes=wait)
        attempt_at = row.next_attempt_at

    # When the last allowed attempt fails, the row has failed for good, saying why
    assert notifications_deliver(now=attempt_at) == {"sent": 0, "retry": 0, "failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.FAILED, 4)
    assert row.last_error == "gateway answered 503"
    assert row.sent_at is None

    # And it is not tried again, even once the gateway is back
    gateway.status = 200
    assert notifications_deliver(now=attempt_at + datetime.timedelta(days=1))["sent"] == 0
    # The gateway saw the same message four times, under the same id and idempotency key
    assert gateway.ids() == [row.pk] * 4
    assert {r["headers"]["idempotency-key"] for r in gateway.received} == {f"notification-{row.pk}"}


def test_a_gateway_rate_limit_is_retried(on_whatsapp, gateway):
    gateway.status = 429
    now = timezone.now()
    assert notifications_deliver(now=now)["retry"] == 1
    gateway.status = 200
    assert notifications_deliver(now=now + datetime.timedelta(minutes=2))["sent"] == 1
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts, row.last_error) == (Delivery.SENT, 2, "")


def test_a_gateway_refusal_fails_at_once(on_whatsapp, gateway):
    gateway.status = 400
    now = timezone.now()

    # When the gateway answers 400
    assert notifications_deliver(now=now) == {"sent": 0, "retry": 0, "failed": 1}

    # Then the row failed without a retry, and says why
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts) == (Delivery.FAILED, 1)
    assert "400" in row.last_error
    gateway.status = 200
    assert notifications_deliver(now=now + datetime.timedelta(hours=1))["sent"] == 0
    assert len(gateway.received) == 1


def test_a_gateway_redirect_is_not_followed(on_whatsapp, gateway):
    # Given a gateway URL that has moved (the gateway answers 301 with a new Location)
    gateway.status = 301

    # When delivery runs
    assert notifications_deliver() == {"sent": 0, "retry": 0, "failed": 1}

    # Then the message is not counted as sent: following the redirect would have turned the
    # POST into a GET without the message (and taken the token along)
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts) == (Delivery.FAILED, 1)
    assert "301" in row.last_error
    assert [(r["method"], r["path"]) for r in gateway.received] == [("POST", "/v1/messages")]


def test_a_garbled_gateway_answer_is_retried(on_whatsapp, gateway):
    # Given something between us and the gateway answering what is not HTTP
    gateway.status = "garbled"
    now = timezone.now()

    # When delivery runs, the message is kept for another try, not given up
    assert notifications_deliver(now=now) == {"sent": 0, "retry": 1, "failed": 0}
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts) == (Delivery.PENDING, 1)
    assert row.last_error

    # And when the gateway answers properly, it is sent under the same id
    gateway.status = 200
    assert notifications_deliver(now=now + datetime.timedelta(minutes=2))["sent"] == 1
    assert gateway.ids() == [row.pk, row.pk]


def test_an_unreachable_gateway_is_retried(on_whatsapp, gateway):
    # Given the gateway gone (nothing listens on its port any more)
    gateway.server.shutdown()
    gateway.server.server_close()
    now = timezone.now()

    assert notifications_deliver(now=now) == {"sent": 0, "retry": 1, "failed": 0}
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts) == (Delivery.PENDING, 1)
    assert row.last_error


class Crash(BaseException):
    """The worker process dying (killed, out of memory) in the middle of a send."""


@pytest.fixture
def dying_worker(monkeypatch):
    """While set, the worker dies after posting to the gateway, before reading its answer."""

    def die(*args, **kwargs):
        raise Crash

    def dies():
        monkeypatch.setattr("http.client.HTTPConnection.getresponse", die)

    return dies


def test_a_row_left_sending_by_a_crash_is_retried_once_stale(
    on_whatsapp, gateway, dying_worker, monkeypatch
):
    # Given a worker that claimed the row, posted it, and died before the gateway answered
    dying_worker()
    claimed_at = timezone.now()
    with pytest.raises(Crash):
        notifications_deliver(now=claimed_at)
    monkeypatch.undo()
    row = gateway_row(on_whatsapp)
    assert (row.status, row.attempts) == (Delivery.SENDING, 1)
    assert gateway.wait_for(1) == [row.pk]

    # When delivery runs while the claim is fresh, the row is left to its worker
    fresh = claimed_at + datetime.timedelta(minutes=5)
    assert notifications_deliver(now=fresh) == {"sent": 0, "retry": 0, "failed": 0}
    assert gateway_row(on_whatsapp).status == Delivery.SENDING

    # When it runs after NOTIFY_STALE_MINUTES (15), the row is sent again, and then is done
    stale = claimed_at + datetime.timedelta(minutes=16)
    assert notifications_deliver(now=stale) == {"sent": 1, "retry": 0, "failed": 0}
    assert notifications_deliver(now=stale) == {"sent": 0, "retry": 0, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.SENT, 2)
    # The gateway got it twice under the same id and idempotency key, to drop the repeat
    assert gateway.wait_for(2) == [row.pk, row.pk]
    assert {r["headers"]["idempotency-key"] for r in gateway.received} == {f"notification-{row.pk}"}


def test_a_row_that_keeps_crashing_the_worker_is_given_up(
    on_whatsapp, gateway, dying_worker, settings
):
    # Given a message the worker dies on whenever it sends it, three attempts allowed
    settings.NOTIFY_MAX_ATTEMPTS = 3
    dying_worker()
    row = gateway_row(on_whatsapp)
    now = timezone.now()

    # When delivery crashes on it three times, a stale claim apart each time
    for attempt in range(3):
        with pytest.raises(Crash):
            notifications_deliver(now=now + datetime.timedelta(minutes=16 * attempt))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.SENDING, 3)

    # Then the next run, once the last claim is stale, gives it up instead of a fourth try
    later = now + datetime.timedelta(minutes=16 * 3)
    assert notifications_deliver(now=later) == {"sent": 0, "retry": 0, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.FAILED, 3)
    assert "stopped while sending" in row.last_error
    assert notifications_deliver(now=later + datetime.timedelta(hours=1))["sent"] == 0
    assert gateway.wait_for(3) == [row.pk] * 3


def test_a_stale_and_a_fresh_sending_row_side_by_side(admin, make_user, gateway):
    # Given two rows both marked sending: one claimed 20 minutes ago, one 5 minutes ago
    make_user(Role.VILLAGE_OPERATOR, phone="081234567890")
    make_user(Role.VILLAGE_OPERATOR, phone="081298765432")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    plan("2025-07-15")
    now = timezone.now()
    old, new = Notification.objects.filter(channel=Channel.GATEWAY).order_by("pk")
    Notification.objects.filter(pk=old.pk).update(
        status=Delivery.SENDING, attempts=1, next_attempt_at=now - datetime.timedelta(minutes=20)
    )
    Notification.objects.filter(pk=new.pk).update(
        status=Delivery.SENDING, attempts=1, next_attempt_at=now - datetime.timedelta(minutes=5)
    )

    # When delivery runs
    assert notifications_deliver(now=now) == {"sent": 1, "retry": 0, "failed": 0}

    # Then only the stale one was sent again
    assert gateway.ids() == [old.pk]
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.attempts) == (Delivery.SENT, 2)
    assert (new.status, new.attempts) == (Delivery.SENDING, 1)


# --- /notifications/ --------------------------------------------------------------------------


@pytest.fixture
def inbox(admin, make_user):
    """Two operators of Kwayangan with e-mail addresses, each with July's "before" reminder
    (planned 12 July, 08:00 in Jakarta) and its "due" reminder (15 July, 08:00), in the app
    and by e-mail."""
    first = make_user(Role.VILLAGE_OPERATOR, email="satu@kwayangan.desa.id")
    second = make_user(Role.VILLAGE_OPERATOR, email="dua@kwayangan.desa.id")
    CoveredMemberFactory(actor=admin)
    bill_months("2025-07")
    with freeze_time("2025-07-12 01:00:00"):
        plan("2025-07-12")
    with freeze_time("2025-07-15 01:00:00"):
        plan("2025-07-15")
    return {"first": first, "second": second}


BEFORE = arrears_key("2025-07", "bpu", "before")
DUE = arrears_key("2025-07", "bpu", "due")


def listed(client, **params) -> list[str]:
    response = client.get(NOTIFICATIONS, params)
    assert response.status_code == 200, response.json()
    return [row["key"] for row in response.json()["results"]]


def in_app(user, key: str) -> Notification:
    return Notification.objects.get(recipient=user, channel=Channel.IN_APP, key=key)


def read(client, notification: Notification):
    return client.post(f"{NOTIFICATIONS}{notification.pk}/read/")


def test_the_list_shows_the_callers_own_reminders_in_the_app(api, inbox):
    first, second = inbox["first"], inbox["second"]

    # When the first operator lists their notifications
    response = api(first).get(NOTIFICATIONS)

    # Then they see their two reminders in the app, newest first (the e-mail copies aside)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["key"] for r in body["results"]] == [DUE, BEFORE]
    due = in_app(first, DUE)
    assert body["results"][0] == {
        "id": due.pk,
        "kind": "arrears",
        "key": DUE,
        "subject": "Iuran jatuh tempo hari ini",
        "body": (
            "Hari ini, 15-07-2025, adalah batas akhir pembayaran iuran BPU Kwayangan "
            "periode 2025-07: Rp 16.800."
        ),
        "data": due.data,
        "read": False,
        "read_at": None,
        "created_at": "2025-07-15T08:00:00+07:00",
        "updated_at": "2025-07-15T08:00:00+07:00",
    }
    # And the other operator's copies are theirs alone
    theirs = {r["id"] for r in api(second).get(NOTIFICATIONS).json()["results"]}
    assert theirs == {in_app(second, DUE).pk, in_app(second, BEFORE).pk}
    assert theirs.isdisjoint(r["id"] for r in body["results"])


def test_someone_elses_notification_does_not_exist(api, inbox):
    first, second = inbox["first"], inbox["second"]
    client = api(first)
    theirs = in_app(second, DUE)

    # Reading or marking another user's reminder is a 404
    assert client.get(f"{NOTIFICATIONS}{theirs.pk}/").status_code == 404
    assert read(client, theirs).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # And so is one's own e-mail copy: only the app's rows are listed
    email = Notification.objects.get(recipient=first, channel=Channel.EMAIL, key=DUE)
    assert client.get(f"{NOTIFICATIONS}{email.pk}/").status_code == 404
    # While one's own is there
    mine = client.get(f"{NOTIFICATIONS}{in_app(first, DUE).pk}/")
    assert mine.status_code == 200
    assert mine.json()["key"] == DUE


def test_two_read_marks_at_once_keep_the_first_time(api, inbox, monkeypatch):
    # Given a request that loaded the reminder, still unread, while another one marked it
    first = inbox["first"]
    due = in_app(first, DUE)
    load = NotificationViewSet.get_object
    raced = []

    def loaded_then_marked_elsewhere(view):
        notification = load(view)
        if not raced:
            raced.append(True)
            with freeze_time("2025-07-16 02:00:00"):
                assert read(api(first), due).json()["read_at"] == "2025-07-16T09:00:00+07:00"
        return notification

    monkeypatch.setattr(NotificationViewSet, "get_object", loaded_then_marked_elsewhere)

    # When the slower request marks it a few seconds later
    with freeze_time("2025-07-16 02:00:05"):
        response = read(api(first), due)

    # Then the reminder keeps the time it was first read
    assert response.status_code == 200
    assert response.json()["read_at"] == "2025-07-16T09:00:00+07:00"
    due.refresh_from_db()
    assert due.read_at == datetime.datetime(2025, 7, 16, 2, tzinfo=datetime.UTC)


def test_the_list_needs_a_login(api, inbox):
    assert api().get(NOTIFICATIONS).status_code == 401


def test_marking_as_read_once(api, inbox):
    first = inbox["first"]
    client = api(first)
    due = in_app(first, DUE)

    # When the operator marks the due reminder as read on 16 July, 09:00 in Jakarta
    with freeze_time("2025-07-16 02:00:00"):
        response = read(client, due)

    # Then it is read from then on
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["read"], body["read_at"]) == (
        due.pk,
        True,
        "2025-07-16T09:00:00+07:00",
    )
    assert body["updated_at"] == "2025-07-16T09:00:00+07:00"
    assert listed(client, unread="true") == [BEFORE]
    assert listed(client, unread="false") == [DUE]

    # When they mark it again the next day, nothing changes
    with freeze_time("2025-07-17 02:00:00"):
        again = read(client, due)
    assert again.status_code == 200
    assert again.json() == body
    due.refresh_from_db()
    assert due.read_at == datetime.datetime(2025, 7, 16, 2, tzinfo=datetime.UTC)
    # And the other operator's copy is still unread
    assert listed(api(inbox["second"]), unread="true") == [DUE, BEFORE]


def test_updated_since_returns_what_changed(api, inbox):
    client = api(inbox["first"])
    assert listed(client, updated_since="2025-07-01T00:00:00+07:00") == [DUE, BEFORE]
    assert listed(client, updated_since="2025-07-14T00:00:00+07:00") == [DUE]
    assert listed(client, updated_since="2025-07-16T00:00:00+07:00") == []

    # When the older reminder is read on the 16th, it changed then
    with freeze_time("2025-07-16 02:00:00"):
        assert read(client, in_app(inbox["first"], BEFORE)).status_code == 200
    assert listed(client, updated_since="2025-07-16T00:00:00+07:00") == [BEFORE]
    # And a second mark is no change
    with freeze_time("2025-07-18 02:00:00"):
        assert read(client, in_app(inbox["first"], BEFORE)).status_code == 200
    assert listed(client, updated_since="2025-07-17T00:00:00+07:00") == []


def test_the_kind_filter(api, make_user, overdue):
    # Given an auditor with July's digest and an operator with village reminders
    auditor = make_user(Role.PMD_AUDITOR, KAB_PEKALONGAN)
    operator = make_user(Role.VILLAGE_OPERATOR)
    plan("2025-07-16")
    assert listed(api(auditor), kind="digest") == [f"digest:{KAB_PEKALONGAN}:2025-07"]
    assert listed(api(auditor), kind="arrears") == []
    assert set(listed(api(operator), kind="arrears")) == {
        arrears_key("2025-06", "bpu", "after-30"),
        arrears_key("2025-07", "bpu", "after-1"),
    }
    # And a read-only role may still mark its own digest as read
    digest = in_app(auditor, f"digest:{KAB_PEKALONGAN}:2025-07")
    assert read(api(auditor), digest).json()["read"] is True


@pytest.mark.parametrize(
    ("language", "detail"),
    [("en", "Enter a valid date/time."), ("id", None)],
)
def test_a_bad_updated_since_is_a_400(api, inbox, language, detail):
    client = api(inbox["first"], language=language)
    response = client.get(NOTIFICATIONS, {"updated_since": "yesterday"})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [("invalid", "updated_since")]
    if detail:
        assert body["errors"][0]["detail"] == detail
    else:
        assert body["errors"][0]["detail"] != "Enter a valid date/time."


# --- row locks -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_recipient_locked_elsewhere_does_not_hold_up_their_reminders(make_user, mailoutbox):
    """Committed data (another connection must see it); no regions needed: an admin has no
    scope, and the outbox row is written as planning would."""
    # Given an e-mail waiting in the outbox for a user whose row another transaction holds
    # (an admin saving them, a login updating last_login)
    user = make_user(Role.ADMIN, email="admin@jamsostek.example")
    row = Notification.objects.create(
        recipient=user,
        channel=Channel.EMAIL,
        key="term:1:30d",
        kind="term",
        subject="Masa jabatan berakhir pada 11-12-2025",
        body="Masa jabatan Siti Aminah sebagai Ketua BPD berakhir pada 11-12-2025.",
        next_attempt_at=timezone.now(),
    )
    locked, release = threading.Event(), threading.Event()

    def hold_the_user_row():
        try:
            with transaction.atomic():
                User.objects.select_for_update().get(pk=user.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_user_row)
    holder.start()
    try:
        assert locked.wait(timeout=30)

        # When delivery runs meanwhile
        result = notifications_deliver()
    finally:
        release.set()
        holder.join(timeout=30)

    # Then the e-mail went out: the claim locks the notification, not its recipient
    assert result == {"sent": 1, "retry": 0, "failed": 0}
    assert [m.subject for m in mailoutbox] == ["Masa jabatan berakhir pada 11-12-2025"]
    row.refresh_from_db()
    assert row.status == Delivery.SENT
