"""List pages render through FastListSerializer: bodies identical to DRF's own path."""

from __future__ import annotations

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework import serializers

from contributions.api.bills import BillSerializer
from contributions.models import Bill
from contributions.selectors import bills_for
from contributions.services.arrears import arrears_rules_apply
from members import signals
from members.api.members import MemberSerializer
from members.models import Status
from members.selectors import members_for, members_with_arrears
from tests.conftest import BLACANAN
from tests.contributions.helpers import generate, pu_terms
from tests.factories import CoveredMemberFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def drf_body(serializer_class, rows, context=None) -> list:
    """What DRF's own ListSerializer renders for ``rows``."""
    child = serializer_class(context=context or {})
    return serializers.ListSerializer(child=child, context=context or {}).to_representation(rows)


@freeze_time("2025-07-01 02:00:00")
def test_bill_and_member_lists_render_as_drf_renders_them(admin):
    # Given members of several kinds (BPU, PU with a wage, no enrollment yet, ended, another
    # village) and July 2025 billed
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
    CoveredMemberFactory(actor=admin, village=BLACANAN, category="linmas")
    CoveredMemberFactory(actor=admin, status=Status.ENDED, ended_on="2025-06-30")
    CoveredMemberFactory(actor=admin, status=Status.DRAFT)
    generate("2025-07")

    # When the lists are rendered the fast way and DRF's way
    bills = list(bills_for(admin))
    members = list(members_for(admin))
    context = {"price": signals.enrollment_pricer(timezone.localdate())}
    fast_bills = BillSerializer(bills, many=True).data
    fast_members = MemberSerializer(members, many=True, context=context).data

    # Then the bodies are the same, row for row and key for key
    assert len(fast_bills) == 3
    assert len(fast_members) == 5
    assert fast_bills == drf_body(BillSerializer, bills)
    assert fast_members == drf_body(MemberSerializer, members, context)
    assert [list(row) for row in fast_members] == [
        list(row) for row in drf_body(MemberSerializer, members, context)
    ]


def test_the_member_list_page_is_drf_s_body_of_the_members_as_models(api, admin):
    # Given members of several kinds (one ended in January), two of them with roles, and
    # January and February 2025 billed; January paid, February's BPU bills past due (PU bills
    # fall due later)
    with freeze_time("2025-01-02 03:00:00"):
        CoveredMemberFactory(actor=admin)
        CoveredMemberFactory(actor=admin, enrollment=pu_terms(), category="perangkat_desa")
        CoveredMemberFactory(actor=admin, village=BLACANAN, category="linmas")
        CoveredMemberFactory(actor=admin, status=Status.DRAFT)
        generate("2025-01")
    with freeze_time("2025-01-10 03:00:00"):
        for bill in Bill.objects.filter(period="2025-01-01"):
            PaymentFactory(actor=admin, bill=bill)
    with freeze_time("2025-02-02 03:00:00"):
        CoveredMemberFactory(actor=admin, status=Status.ENDED, ended_on="2025-01-31")
        generate("2025-02")
    with freeze_time("2025-03-01 03:00:00"):
        assert arrears_rules_apply().overdue == 2

        # When the list is asked for (it reads rows, not models)
        page = api(admin).get("/api/v1/members/", {"page_size": 500}).json()["results"]

        # Then each body is what DRF renders for the member read as a model
        members = members_with_arrears(members_for(admin))
        context = {"price": signals.enrollment_pricer(timezone.localdate())}
    assert page == drf_body(MemberSerializer, members, context)
    assert [list(row) for row in page] == [
        list(row) for row in drf_body(MemberSerializer, members, context)
    ]
    assert sorted(row["enrollment"]["arrears_months"] for row in page if row["enrollment"]) == [
        0,
        0,
        0,
        1,
        1,
    ]
    assert sum(len(row["roles"]) for row in page) >= 2
