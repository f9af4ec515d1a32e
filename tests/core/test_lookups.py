"""``field__any=ids`` keeps the rows ``__in`` keeps, the ids sent as one array."""

from __future__ import annotations

import pytest

from members.models import Member, MemberRole
from tests.factories import CoveredMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(admin) -> list[Member]:
    return [CoveredMemberFactory(actor=admin, category="bpd") for _ in range(3)]


def test_any_keeps_the_rows_in_keeps(members):
    # Given three members; when asked by two of their ids (a set, with a None), by none, and
    # by a subquery
    first, _, third = members
    by_ids = Member.objects.filter(pk__any={first.pk, third.pk, None}).order_by("pk")
    by_fk = MemberRole.objects.filter(member_id__any=[third.pk]).values_list("member_id")
    by_none = Member.objects.filter(pk__any=[])
    by_subquery = Member.objects.filter(pk__any=Member.objects.filter(pk=first.pk).values("pk"))

    # Then each keeps what __in keeps
    assert list(by_ids) == [first, third]
    assert list(by_fk) == [(third.pk,)]
    assert list(by_none) == []
    assert list(by_subquery) == [first]
