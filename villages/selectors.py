"""Reads of the region tree."""

from django.db.models import Prefetch, QuerySet

from jamsostek.core.scoping import scope_queryset

from .models import Level, Region, VillageSeat


def regions_list() -> QuerySet[Region]:
    """The whole active tree: reference data that every user may read."""
    return Region.objects.active().select_related("parent")


def villages_for(user) -> QuerySet[Region]:
    """Villages inside ``user``'s scope, with what their API body needs."""
    return scope_queryset(
        Region.objects.filter(level=Level.VILLAGE)
        .select_related("district", "regency", "province", "progress")
        .prefetch_related(
            Prefetch("seats", queryset=VillageSeat.objects.order_by("category")),
            "category_progress",
        ),
        user,
    )
