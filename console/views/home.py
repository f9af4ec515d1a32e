"""The landing pages: a village's home for its secretary, a region's dashboard for the
regency office, district viewers and admins."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jamsostek.core.choices import SEAT_CATEGORIES, Category, Level
from villages.permissions import VILLAGES

from .. import selectors
from ..access import permit
from ..permissions import CONSOLE


@permit(CONSOLE, "home")
def home(request):
    name, kwargs = selectors.home_url_name(request.user)
    return redirect(name, **kwargs)


@permit(VILLAGES, "village.retrieve")
def village(request, code: str):
    page = selectors.village_home(request.user, code)
    chart = {
        "labels": [str(Category(row["category"]).label) for row in page.seats],
        "datasets": [
            {"label": str(_("Seats")), "data": [row["positions"] for row in page.seats]},
            {"label": str(_("Registered")), "data": [row["registered"] for row in page.seats]},
            {"label": str(_("Active")), "data": [row["active"] for row in page.seats]},
        ],
    }
    may_set = VILLAGES["village.partial_update"].allows(request.user)
    return render(
        request, "console/village.html", {"page": page, "chart": chart, "may_set": may_set}
    )


@permit(CONSOLE, "dashboard")
def dashboard(request):
    page = selectors.dashboard(request.user, request.GET.get("code"))
    rentan = {
        "labels": [row["name"] for row in page.rows],
        "horizontal": True,
        "datasets": [
            {"label": str(_("Target")), "data": [row["rentan"]["target"] for row in page.rows]},
            {"label": str(_("Active")), "data": [row["rentan"]["active"] for row in page.rows]},
        ],
    }
    bands = {
        "labels": [band_label(band) for band in page.bands],
        "datasets": [
            {"label": str(_("Villages")), "data": [band["villages"] for band in page.bands]}
        ],
    }
    return render(
        request,
        "console/dashboard.html",
        {
            "page": page,
            "rentan_chart": rentan,
            "bands_chart": bands,
            "categories": SEAT_CATEGORIES,
            "child_is_village": page.level == Level.VILLAGE,
        },
    )


def band_label(band: dict) -> str:
    if band["high"] is None:
        return str(_("met (100 %+)"))
    if band["high"] == 0:
        return "0 %"
    return f"{band['low']}–{band['high']} %"
