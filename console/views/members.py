"""Members: the list with search and filters, one member with its history and the steps of
its enrollment, and registering one (the same checks and words as the API and the sheet)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jamsostek.core.choices import Category, Role
from jamsostek.core.errors import ApplicationError
from members import selectors, signals
from members.api.members import MemberFilter
from members.models import EndReason, FundingSource, Occupation, RiskClass, Segment, Sex, Status
from members.permissions import FULL_NIK_ROLES, MEMBERS
from members.serializers import ActivateSerializer, EndSerializer, MemberUpdateSerializer
from members.services import lifecycle, registration
from members.services.imports import member_create_from_row
from members.spreadsheet.columns import COLUMNS

from ..access import permit
from ..forms import submit
from ..permissions import CONSOLE

PAGE_SIZE = 50


def _member_or_404(user, pk: int):
    member = selectors.members_for(user).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


@permit(MEMBERS, "member.list")
def member_list(request):
    filters = MemberFilter(
        request.GET, queryset=selectors.members_for(request.user), request=request
    )
    page = Paginator(filters.qs.order_by("full_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for member in page:
        member.shown = selectors.shown_enrollment(member)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/members.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "categories": Category.choices,
            "statuses": Status.choices,
            "may_register": MEMBERS["member.create"].allows(request.user),
        },
    )


@permit(MEMBERS, "member.retrieve")
def member_detail(request, pk: int):
    member = _member_or_404(request.user, pk)
    enrollment = selectors.shown_enrollment(member)
    price = None
    if enrollment is not None and enrollment.is_open:
        price = signals.enrollment_pricer(timezone.localdate())(enrollment)
    user = request.user
    return render(
        request,
        "console/member.html",
        {
            "member": member,
            "enrollment": enrollment,
            "price": price,
            "nik": member.nik if user.role in FULL_NIK_ROLES else None,
            "history": list(selectors.member_history(member)[:50]),
            "may_edit": MEMBERS["member.partial_update"].allows(user),
            "may_submit": MEMBERS["member.submit"].allows(user)
            and enrollment is not None
            and enrollment.status == Status.DRAFT,
            "may_activate": MEMBERS["member.activate"].allows(user)
            and enrollment is not None
            and enrollment.status == Status.SUBMITTED,
            "may_end": MEMBERS["member.end"].allows(user)
            and enrollment is not None
            and enrollment.status in (Status.SUBMITTED, Status.ACTIVE, Status.LAPSED),
            "end_reasons": EndReason.choices,
            "today": timezone.localdate(),
        },
    )


def _step(request, pk: int, action, success: str):
    """Run one lifecycle step on a member in scope; a refusal is shown, never a 500. Back
    to the member's page, or to the activation queue when the step was taken there."""
    member = _member_or_404(request.user, pk)
    try:
        action(member)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    if request.POST.get("back") == "activations":
        return redirect("console:activations")
    return redirect("console:member", pk=member.pk)


def _refused(request, pk: int, errors: dict):
    """A step's form did not validate: its errors as messages, back where it was sent."""
    for problems in errors.values():
        for problem in problems:
            messages.error(request, problem)
    if request.POST.get("back") == "activations":
        return redirect("console:activations")
    return redirect("console:member", pk=pk)


@permit(CONSOLE, "activations")
def activations(request):
    """The BPJS office's queue: enrollments of its regency submitted and awaiting a KPJ."""
    waiting = selectors.filter_by_status(
        selectors.members_for(request.user), Status.SUBMITTED
    ).order_by("village__code", "full_name", "pk")
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/activations.html",
        {"page": page, "query": "", "today": timezone.localdate()},
    )


@require_POST
@permit(MEMBERS, "member.submit")
def member_submit(request, pk: int):
    return _step(
        request,
        pk,
        lambda member: lifecycle.enrollment_submit(actor=request.user, member=member),
        _("The enrollment was submitted to BPJS."),
    )


@require_POST
@permit(MEMBERS, "member.activate")
def member_activate(request, pk: int):
    body = ActivateSerializer(data=request.POST)
    if not body.is_valid():
        return _refused(request, pk, body.errors)
    return _step(
        request,
        pk,
        lambda member: lifecycle.enrollment_activate(
            actor=request.user, member=member, **body.validated_data
        ),
        _("The enrollment is active."),
    )


@require_POST
@permit(MEMBERS, "member.end")
def member_end(request, pk: int):
    body = EndSerializer(data=request.POST)
    if not body.is_valid():
        return _refused(request, pk, body.errors)
    return _step(
        request,
        pk,
        lambda member: lifecycle.enrollment_end(
            actor=request.user, member=member, **body.validated_data
        ),
        _("The enrollment was ended."),
    )


# --- registering ------------------------------------------------------------------------

CHOICES = {
    "sex": Sex.choices,
    "category": Category.choices,
    "occupation": Occupation.choices,
    "segment": Segment.choices,
    "risk_class": RiskClass.choices,
    "funding_source": FundingSource.choices,
}


@permit(MEMBERS, "member.create")
def member_new(request):
    """One member, the template's columns as a form: checked as a sheet row is (the same
    cleaning, serializer and service), each error beside its field."""
    village = request.user.scope.code if request.user.role == Role.VILLAGE_OPERATOR else ""
    values = {"village": village, "programs": ["jkk", "jkm"]}
    errors: dict[str | None, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in COLUMNS}
        values["programs"] = request.POST.getlist("programs")
        if village:  # an operator registers in its own village only
            values["village"] = village
        row = {name: value or None for name, value in values.items() if name != "programs"}
        row["programs"] = ",".join(values["programs"]) or None
        outcome, problems = member_create_from_row(actor=request.user, values=row)
        if outcome is not None:
            messages.success(
                request, _("%(name)s is registered.") % {"name": outcome.member.full_name}
            )
            for warning in outcome.warnings:
                messages.warning(request, warning["detail"])
            return redirect("console:member", pk=outcome.member.pk)
        for problem in problems:
            errors.setdefault(problem["attr"], []).append(problem["detail"])
    return render(
        request,
        "console/member_form.html",
        {
            "fields": {
                name: {"value": values.get(name), "error": errors.get(name)} for name in COLUMNS
            },
            "programs": values.get("programs") or [],
            "form_errors": errors.get(None, []),
            "choices": CHOICES,
            "fixed_village": village,
            "cancel": reverse("console:members"),
        },
        status=400 if errors else 200,
    )


# --- editing ------------------------------------------------------------------------------

EDITABLE = ["full_name", "phone", "occupation"]
TERMS = ["segment", "declared_income", "wage", "risk_class", "funding_source"]


@permit(MEMBERS, "member.partial_update")
def member_edit(request, pk: int):
    """The person's name, phone and occupation and the enrollment's terms, with a reason for
    the history: the API's PATCH, its serializer and service (NIK, birth date and sex are
    frozen once BPJS enrolled the member; roles change on the API or by the sheet)."""
    member = _member_or_404(request.user, pk)
    enrollment = selectors.enrollment_open(member)
    values = {name: getattr(member, name) or "" for name in EDITABLE}
    if enrollment is not None:
        values.update({name: getattr(enrollment, name) or "" for name in TERMS})
        values["programs"] = enrollment.programs
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in [*EDITABLE, *TERMS]}
        values["programs"] = request.POST.getlist("programs")
        body = {name: values[name] or None for name in EDITABLE}
        body["full_name"] = values["full_name"]
        body["phone"] = values["phone"]
        if values["segment"]:
            body["enrollment"] = {
                **{name: values[name] or None for name in TERMS},
                "programs": values["programs"],
            }
        body["reason"] = request.POST.get("reason", "")
        done = submit(
            MemberUpdateSerializer(data=body, partial=True),
            registration.member_update,
            actor=request.user,
            member=member,
        )
        if done.ok:
            messages.success(request, _("Saved."))
            return redirect("console:member", pk=member.pk)
        errors = {key.rsplit(".", 1)[-1]: problems for key, problems in done.errors.items()}
    return render(
        request,
        "console/member_edit.html",
        {
            "member": member,
            "fields": {
                name: {"value": values.get(name), "error": errors.get(name)}
                for name in [*EDITABLE, *TERMS]
            },
            "programs": values.get("programs") or [],
            "form_errors": errors.get("form", []),
            "choices": CHOICES,
            "reason": request.POST.get("reason", ""),
        },
        status=400 if errors else 200,
    )
