"""Reads of the region tree."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from jamsostek.core.choices import Level
from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope, scope_queryset

from .models import Region, VillageSeat


def regions_list() -> QuerySet[Region]:
    """The whole active tree: reference data that every user may read."""
    return Region.objects.active().select_related("parent")


def villages_for(user) -> QuerySet[Region]:
    """Villages inside ``user``'s scope, with their place in the tree and their seats (their
    progress, kept by reports, is loaded by whoever shows it)."""
    return scope_queryset(
        Region.objects.filter(level=Level.VILLAGE)
        .select_related("district", "regency", "province")
        .prefetch_related(Prefetch("seats", queryset=VillageSeat.objects.order_by("category"))),
        user,
    )


def region_for(
    user,
    code: str,
    *,
    attr: str,
    levels: Iterable[str] | None = None,
    active_only: bool = False,
    above_scope: bool = False,
    error_code: str | None = None,
) -> Region:
    """The region ``code`` if ``user`` may name it, else a 400 on ``attr``.

    ``levels`` limits the levels accepted (default: any); ``active_only`` treats regions
    a newer source retired as unknown; ``above_scope`` also accepts a region that holds
    the caller's scope (a report over a province, cut to the caller's regency). Whether
    the region is missing or outside the scope, the answer is the same: it never confirms
    that a region outside the scope exists.
    """
    levels = list(levels) if levels is not None else None
    regions = Region.objects.select_related("province", "regency", "district")
    if levels is not None:
        regions = regions.filter(level__in=levels)
    if active_only:
        regions = regions.filter(is_active=True)
    region = regions.filter(code=code).first() if code else None
    if region is not None and (
        region_in_scope(region, user) or (above_scope and _holds_scope(region, user))
    ):
        return region
    if levels == [Level.VILLAGE]:
        message = _("Village %(code)s does not exist or is outside your scope.")
        default_code = "invalid_village"
    else:
        message = _("Region %(code)s does not exist or is outside your scope.")
        default_code = "invalid_region"
    raise ApplicationError(message % {"code": code}, code=error_code or default_code, attr=attr)


def _holds_scope(region: Region, user) -> bool:
    scope = getattr(user, "scope", None)
    return scope is not None and scope.code.startswith(region.code + ".")
