"""What each console page shows, composed from the apps' own selectors (scoped there)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from contributions.periods import add_months
from contributions.selectors import arrears_by_village, bills_for, notifications_for
from jamsostek.core.choices import Level, Role
from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope
from reports import selectors as reports
from reports.progress import village_progress_body, villages_with_progress
from villages.models import Region
from villages.selectors import region_for, villages_for


def home_url_name(user) -> tuple[str, dict]:
    """Where a user lands: an operator on its village, the others on their dashboard."""
    if user.role == Role.VILLAGE_OPERATOR and user.scope is not None:
        return "console:village", {"code": user.scope.code}
    if user.role == Role.BPJS_OFFICER:
        return "console:activations", {}
    return "console:dashboard", {}


@dataclass
class VillageHome:
    village: Region
    progress: dict
    bills: list
    overdue: list
    reminders: list
    seats: list[dict] = field(default_factory=list)


def village_home(user, code: str, *, today: datetime.date | None = None) -> VillageHome:
    """A village inside ``user``'s scope (else 404): its progress, the bills of this month
    or falling due in it (last month's PU bill is due on the 15th), the overdue ones, and
    the user's unread reminders."""
    village = villages_with_progress(villages_for(user)).filter(code=code).first()
    if village is None:
        raise Http404
    today = today or timezone.localdate()
    month = today.replace(day=1)
    progress = village_progress_body(village)
    bills = bills_for(user).filter(village=village)
    return VillageHome(
        village=village,
        progress=progress,
        bills=list(
            bills.filter(
                Q(period=month) | Q(due_date__gte=month, due_date__lt=add_months(month, 1))
            )
            .exclude(status="overdue")  # listed under overdue
            .order_by("due_date", "segment", "funding_source")
        ),
        overdue=list(bills.filter(status="overdue").order_by("period", "segment")),
        reminders=list(
            notifications_for(user).filter(read_at__isnull=True).order_by("-created_at")[:5]
        ),
        seats=[
            {"category": category, **figures}
            for category, figures in progress["categories"].items()
        ],
    )


@dataclass
class Dashboard:
    region: Region | None  # None: the nation
    level: str  # the level of the rows
    rows: list[dict]
    bands: list[dict]
    totals: dict
    arrears: list
    ranking: list[dict] = field(default_factory=list)
    claims: dict | None = None
    ucj: dict | None = None
    year: int = 0
    trail: list[tuple[Region, bool]] = field(default_factory=list)  # (region, may open)


def dashboard_region(user, code: str | None) -> Region | None:
    """The region a dashboard looks at: ``code`` if it is a province, regency or district
    inside the user's scope (else 404), without one the user's own scope (a village's
    district); None: the nation (admins)."""
    if code:
        try:
            return region_for(
                user, code, attr="code", levels=[Level.PROVINCE, Level.REGENCY, Level.DISTRICT]
            )
        except ApplicationError as exc:
            raise Http404 from exc
    scope = user.scope
    if scope is not None and scope.level == Level.VILLAGE:
        return scope.district
    return scope


def dashboard(user, code: str | None = None, *, year: int | None = None) -> Dashboard:
    """Coverage of a region's children, its villages by 1 Desa 100 band, the villages most
    in arrears, and for a regency the on-time payment ranking and benefits against
    contributions; all from precomputed rows and grouped queries."""
    region = dashboard_region(user, code)
    year = year or timezone.localdate().year
    level = reports.CHILD[region.level] if region is not None else Level.PROVINCE
    rows = reports.coverage(user, level=level, parent=region)
    totals = {
        "villages": sum(r["villages"] for r in rows),
        "participants_active": sum(r["participants_active"] for r in rows),
        "arrears_outstanding": sum(r["arrears_outstanding"] for r in rows),
        "rentan_target": sum(r["rentan"]["target"] for r in rows),
        "rentan_active": sum(r["rentan"]["active"] for r in rows),
        "meeting": sum(r["villages_meeting_target"] for r in rows),
        "perisai": sum(r["villages_with_perisai"] for r in rows),
    }
    in_arrears = arrears_by_village(user)
    if region is not None:
        in_arrears = in_arrears.filter(**{region.level: region})
    result = Dashboard(
        region=region,
        level=level,
        rows=rows,
        bands=reports.progress_distribution(user, region=region),
        totals=totals,
        arrears=list(in_arrears[:10]),
        year=year,
    )
    if region is not None:
        result.trail = [
            (r, region_in_scope(r, user))
            for r in (region.province, region.regency, region.district)
            if r is not None
        ]
    if region is not None and region.level == Level.REGENCY:
        result.ucj = reports.ucj(region, totals["participants_active"])
        result.ranking = reports.compliance(user, regency=region, year=year)
        claims = reports.claims(user, regency=region, year=year)
        result.claims = {
            "claims": sum(r["claims"] for r in claims),
            "benefits_paid": sum(r["benefits_paid"] for r in claims),
            "contributions_paid": sum(r["contributions_paid"] for r in claims),
        }
    return result
