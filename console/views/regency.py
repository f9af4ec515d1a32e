"""What the regency office sets: a village's seats and target, villages' budgets, the users
of its regency; and benefits the BPJS office records. Each page validates with the API's
serializer and writes with its service (console/forms.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.api import UserFilter, UserSerializer
from accounts.permissions import ACCOUNTS
from accounts.rules import grantable_roles
from accounts.selectors import users_for
from accounts.services import user_create
from contributions import selectors as money
from contributions.api.budgets import BudgetFilter, BudgetSerializer, BudgetUpdateSerializer
from contributions.api.claims import ClaimSerializer
from contributions.models import Benefit
from contributions.permissions import CONTRIBUTIONS
from contributions.services.budgets import budget_create, budget_update
from contributions.services.claims import claim_record
from jamsostek.core.choices import SEAT_CATEGORIES, Role
from members.models import FundingSource
from villages.api import VillageSerializer
from villages.permissions import VILLAGES
from villages.selectors import villages_for
from villages.services import village_update

from ..access import permit
from ..forms import submit

PAGE_SIZE = 50


# --- a village's seats and target ---------------------------------------------------------


@permit(VILLAGES, "village.partial_update")
def village_settings(request, code: str):
    village = villages_for(request.user).filter(code=code).first()
    if village is None:
        raise Http404
    seats = {seat.category: seat.count for seat in village.seats.all()}
    errors: dict = {}
    if request.method == "POST":
        counts = {}
        for category in SEAT_CATEGORIES:
            raw = request.POST.get(f"seats_{category}", "").strip()
            counts[category] = raw if raw else None
        body = VillageSerializer(
            village,
            data={"position_counts": counts, "rentan_target": request.POST.get("rentan_target")},
            partial=True,
        )
        done = submit(body, village_update, village=village, updated_by=request.user)
        if done.ok:
            messages.success(request, _("Seats and target saved."))
            return redirect("console:village", code=village.code)
        errors = done.errors
        seats = counts
    return render(
        request,
        "console/village_settings.html",
        {
            "village": village,
            "rows": [
                {
                    "category": category,
                    "value": seats.get(category),
                    "error": errors.get(f"position_counts.{category}"),
                }
                for category in SEAT_CATEGORIES
            ],
            "target": request.POST.get("rentan_target", village.rentan_target),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- budgets --------------------------------------------------------------------------------


@permit(CONTRIBUTIONS, "budget.list", post="budget.create")
def budget_list(request):
    filters = BudgetFilter(request.GET, queryset=money.budgets_for(request.user), request=request)
    page = Paginator(filters.qs.order_by("-year", "village__code", "funding_source"), PAGE_SIZE)
    errors: dict = {}
    values: dict = {"year": timezone.localdate().year}
    if request.method == "POST":
        values = request.POST
        pk = request.POST.get("budget")
        if pk:  # a new amount for an existing budget
            budget = money.budgets_for(request.user).filter(pk=pk).first()
            if budget is None:
                raise Http404
            done = submit(
                BudgetUpdateSerializer(data=request.POST),
                budget_update,
                actor=request.user,
                budget=budget,
            )
        else:
            done = submit(
                BudgetSerializer(data=request.POST, context={"request": request}),
                budget_create,
                actor=request.user,
            )
        if done.ok:
            messages.success(request, _("Budget saved."))
            return redirect("console:budgets")
        errors = done.errors
    return render(
        request,
        "console/budgets.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "query": "",
            "filters": filters,
            "may_set": CONTRIBUTIONS["budget.create"].allows(request.user),
            "sources": FundingSource.choices,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- users of the regency -----------------------------------------------------------------


@permit(ACCOUNTS, "user.list", post="user.create")
def user_list(request):
    filters = UserFilter(request.GET, queryset=users_for(request.user), request=request)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        done = submit(UserSerializer(data=request.POST), user_create, actor=request.user)
        if done.ok:
            messages.success(
                request, _("%(username)s can log in now.") % {"username": done.result.username}
            )
            return redirect("console:users")
        errors = done.errors
    page = Paginator(filters.qs.order_by("username"), PAGE_SIZE).get_page(request.GET.get("page"))
    grantable = grantable_roles(request.user)
    roles_offered = [(value, label) for value, label in Role.choices if value in grantable]
    return render(
        request,
        "console/users.html",
        {
            "page": page,
            "query": "",
            "roles": roles_offered,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- benefits paid ------------------------------------------------------------------------


@permit(CONTRIBUTIONS, "claim.list", post="claim.create")
def claim_list(request):
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = request.POST
        done = submit(
            ClaimSerializer(data=request.POST, context={"request": request}),
            claim_record,
            actor=request.user,
        )
        if done.ok:
            messages.success(request, _("The benefit is recorded."))
            return redirect("console:claims")
        errors = done.errors
    claims = money.claims_for(request.user).order_by("-paid_on", "-pk")
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/claims.html",
        {
            "page": page,
            "query": "",
            "may_record": CONTRIBUTIONS["claim.create"].allows(request.user),
            "benefits": Benefit.choices,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
