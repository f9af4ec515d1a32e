"""The members' pure domain rules: who may have which role and funding, the lifecycle.

No ORM here. The API's serializers, the spreadsheet import, the admin and the services
all ask these functions, so each refusal has one code and one message everywhere. Each
check returns ``[(attr, message, code), ...]``: empty when the rule is met.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jamsostek.core.choices import Category
from villages import rules as village_rules

from .models import FundingSource, Program, Segment, Status

Refusals = list[tuple[str, str, str]]

# --- funding ----------------------------------------------------------------------------

# Dana Desa (the central transfer) may not pay premiums; DOMAIN.md, Permendes 16/2025.
DANA_DESA = "dana_desa"
DANA_DESA_NOT_ALLOWED = "dana_desa_not_allowed"
# Funding a kelurahan cannot use: it has no ADD and no APBDes.
DESA_ONLY_FUNDING = frozenset({FundingSource.ADD, FundingSource.APBDES})


def is_dana_desa(value) -> bool:
    """``dana_desa``, however it is written (``Dana Desa``, ``DANA_DESA``…)."""
    return str(value).strip().lower().replace(" ", "_") == DANA_DESA


def dana_desa_message() -> str:
    return _(
        "Premiums may not be paid from Dana Desa; if the village pays, it pays from "
        "ADD or other APBDes income."
    )


def funding_refusals(village, funding_source, *, attr: str = "funding_source") -> Refusals:
    """Whether ``village`` (a region) may pay premiums from ``funding_source``."""
    if village.is_kelurahan and funding_source in DESA_ONLY_FUNDING:
        message = _(
            "A kelurahan has no ADD or APBDes: fund it from the regency's APBD, CSR or the "
            "worker's own payment."
        )
        return [(attr, message, village_rules.NOT_IN_KELURAHAN)]
    return []


# --- roles ------------------------------------------------------------------------------


def role_refusals(village, roles: list[dict], occupation) -> Refusals:
    """A member's roles in ``village``: at least one, each one the village has, terms in
    order, and an occupation for a vulnerable worker."""
    refusals: Refusals = []
    if not roles:
        refusals.append(
            ("roles", _("A member needs at least one role in the village."), "required")
        )
    for index, role in enumerate(roles):
        category = role.get("category")
        if category and not village_rules.has_category(village.level, village.code, category):
            refusals.append(
                (
                    f"roles.{index}.category",
                    village_rules.not_in_kelurahan_message(category),
                    village_rules.NOT_IN_KELURAHAN,
                )
            )
        start, end = role.get("term_start"), role.get("term_end")
        if start and end and end < start:
            refusals.append(
                (
                    f"roles.{index}.term_end",
                    _("The term cannot end before it starts."),
                    "term_order",
                )
            )
    categories = {role.get("category") for role in roles}
    if Category.PEKERJA_RENTAN in categories and not occupation:
        refusals.append(("occupation", _("A vulnerable worker needs an occupation."), "required"))
    return refusals


# --- enrollment terms -------------------------------------------------------------------

# Fields whose change alters what is billed: each change is written to the history.
MONEY_FIELDS = ["segment", "programs", "declared_income", "wage", "risk_class", "funding_source"]


def enrollment_refusals(village, terms: dict) -> Refusals:
    """An enrollment's terms: segment and source given, JKK and JKM taken, JP only for PU,
    the basis the segment needs (income for BPU, wage and risk class for PU), and a source
    the village may use."""
    refusals: Refusals = []
    segment = terms.get("segment")
    for name in ("segment", "funding_source"):
        if not terms.get(name):
            refusals.append((f"enrollment.{name}", _("This field is required."), "required"))
    programs = set(terms.get("programs") or [])
    if {Program.JKK, Program.JKM} - programs:
        refusals.append(
            ("enrollment.programs", _("JKK and JKM are mandatory."), "mandatory_programs")
        )
    if Program.JP in programs and segment != Segment.PU:
        refusals.append(
            (
                "enrollment.programs",
                _("The pension program (JP) is only for wage earners (PU)."),
                "jp_only_pu",
            )
        )
    if segment == Segment.BPU:
        if not terms.get("declared_income"):
            refusals.append(
                (
                    "enrollment.declared_income",
                    _("A non-wage earner (BPU) needs a declared monthly income."),
                    "required",
                )
            )
        for name in ("wage", "risk_class"):
            if terms.get(name) is not None:
                refusals.append(
                    (
                        f"enrollment.{name}",
                        _("Only wage earners (PU) have a wage and risk class."),
                        "not_for_bpu",
                    )
                )
    elif segment == Segment.PU:
        if not terms.get("wage"):
            refusals.append(
                ("enrollment.wage", _("A wage earner (PU) needs a monthly wage."), "required")
            )
        if not terms.get("risk_class"):
            refusals.append(
                (
                    "enrollment.risk_class",
                    _("A wage earner (PU) needs a risk class (a village office is very_low)."),
                    "required",
                )
            )
        if terms.get("declared_income") is not None:
            refusals.append(
                (
                    "enrollment.declared_income",
                    _("A wage earner (PU) has a wage, not a declared income."),
                    "not_for_pu",
                )
            )
    refusals += funding_refusals(
        village, terms.get("funding_source"), attr="enrollment.funding_source"
    )
    return refusals


# --- the lifecycle ----------------------------------------------------------------------

# The enrollment lifecycle: (from, to) → the action's name. Every status change goes
# through members.services.lifecycle: one enrollment at a time by enrollment_transition,
# the nightly lapse of many at once by enrollments_lapse (its only writer).
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): "submit",
    (Status.SUBMITTED, Status.ACTIVE): "activate",
    (Status.ACTIVE, Status.LAPSED): "lapse",
    (Status.LAPSED, Status.ACTIVE): "reactivate",
    (Status.SUBMITTED, Status.ENDED): "end",
    (Status.ACTIVE, Status.ENDED): "end",
    (Status.LAPSED, Status.ENDED): "end",
}
LAPSE = "lapse"


def transition_action(source: str, to: str) -> str | None:
    """The action that moves an enrollment from ``source`` to ``to``, or None if none may."""
    return TRANSITIONS.get((source, to))


def sources_of(action: str) -> list[str]:
    """The statuses ``action`` may start from (``lapse``: active)."""
    return [source for (source, _to), name in TRANSITIONS.items() if name == action]
