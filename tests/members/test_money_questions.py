"""The money members shows is asked of contributions by signal (members/signals.py): one
answer each, and none or two is a wiring mistake that says so."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from contributions import receivers
from contributions.services.arrears import arrears_rules_apply
from jamsostek.core.money import total
from members import signals
from members.models import Member
from tests.factories import BillFactory, CoveredMemberFactory

pytestmark = pytest.mark.django_db

QUESTIONS = [
    (signals.enrollment_pricer_asked, "answer_enrollment_pricer"),
    (signals.enrollment_arrears_asked, "answer_enrollment_arrears"),
    (signals.members_in_arrears_asked, "answer_members_in_arrears"),
]


def ask_each() -> list:
    return [
        lambda: signals.enrollment_pricer(datetime.date(2025, 7, 1)),
        lambda: signals.enrollment_arrears({1: 1}),
        lambda: signals.members_in_arrears(),
    ]


@pytest.fixture
def unanswered():
    """contributions' answers disconnected for the test, connected again after it."""
    try:
        for signal, name in QUESTIONS:
            assert signal.disconnect(dispatch_uid=f"contributions.{name}")
        yield
    finally:
        receivers.connect()


@pytest.fixture
def answered_twice():
    """A second receiver beside contributions' on each question, for the test."""

    def another(sender, **kwargs):
        return None

    try:
        for signal, _name in QUESTIONS:
            signal.connect(another, dispatch_uid="tests.another_answer")
        yield
    finally:
        for signal, _name in QUESTIONS:
            signal.disconnect(dispatch_uid="tests.another_answer")


def test_contributions_answers_each_question(admin):
    # Given a BPU member of Kwayangan (JKK + JKM on Rp 1,000,000) whose July bill is overdue
    member = CoveredMemberFactory(actor=admin)
    enrollment = member.enrollments.get()
    BillFactory(period="2025-07")
    arrears_rules_apply(today=datetime.date(2025, 7, 16))
    # Then the price in July 2025 is the package: JKK 1 % × 1,000,000 = 10,000 + JKM 6,800
    price = signals.enrollment_pricer(datetime.date(2025, 7, 1))(enrollment)
    assert total(price["detail"]) == 16_800 and price["relief"] is None
    # And the arrears are July's Rp 16,800, and the filter keeps the member
    assert signals.enrollment_arrears({enrollment.pk: member.village_id}) == [
        (enrollment.pk, datetime.date(2025, 7, 1), 16_800)
    ]
    in_arrears = signals.members_in_arrears()
    assert isinstance(in_arrears, Q)
    assert list(Member.objects.filter(in_arrears)) == [member]


@pytest.mark.usefixtures("unanswered")
def test_a_question_nobody_answers_is_refused_by_name():
    # Given no app connected to answer (contributions not installed, or its ready() not run)
    for ask in ask_each():
        # Then asking fails loudly, never showing a member's money as nothing
        with pytest.raises(ImproperlyConfigured, match="takes one answer.*it has 0"):
            ask()


@pytest.mark.usefixtures("unanswered")
def test_a_member_list_without_the_money_app_fails_rather_than_showing_no_arrears(api, admin):
    CoveredMemberFactory(actor=admin)
    with pytest.raises(ImproperlyConfigured, match="members_in_arrears"):
        api(admin).get("/api/v1/members/", {"in_arrears": "true"})


@pytest.mark.usefixtures("answered_twice")
def test_a_question_two_apps_answer_is_refused():
    # Given a second receiver beside contributions' on each question
    for ask in ask_each():
        # Then asking refuses to pick one of the two answers
        with pytest.raises(ImproperlyConfigured, match="it has 2"):
            ask()
