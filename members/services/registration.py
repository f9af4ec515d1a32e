"""Registering, editing and deleting members, with the checks their data must pass."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.choices import Level
from jamsostek.core.errors import ApplicationError, ConflictError
from jamsostek.core.scoping import region_in_scope
from villages.models import Region
from villages.selectors import region_for
from villages.signals import figures_changed

from .. import rules
from ..models import Enrollment, Member, MemberEvent, MemberRole, Program, Status
from ..nik import check_nik, mask_nik, nik_region_codes
from ..selectors import enrollment_open
from .history import as_json, member_event_record, role_json, terms_of


@dataclass
class Outcome:
    member: Member
    warnings: list[dict] = field(default_factory=list)


# --- checks -----------------------------------------------------------------------------


class _Errors:
    """Collects field errors so that a request learns of all its mistakes at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, attr: str, message: str, code: str) -> None:
        self.errors.setdefault(attr, []).append(ValidationError(message, code=code))

    def extend(self, refusals: rules.Refusals) -> None:
        for attr, message, code in refusals:
            self.add(attr, message, code)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _check_person(errors: _Errors, *, nik: str, birth_date, sex) -> list[dict]:
    known = set(
        Region.objects.filter(code__in=nik_region_codes(nik)).values_list("code", flat=True)
    )
    result = check_nik(nik, birth_date=birth_date, sex=sex, known_codes=known)
    for code, attr, message in result.errors:
        errors.add(attr, message, code)
    today = timezone.localdate()
    if birth_date and (birth_date > today or birth_date.year < 1900):
        errors.add(
            "birth_date", _("The birth date must be a real date in the past."), "invalid_birth_date"
        )
    return [{"code": code, "detail": message, "attr": "nik"} for code, message in result.warnings]


def _village_for(actor, code: str) -> Region:
    village = region_for(actor, code, attr="village", levels=[Level.VILLAGE])
    if not village.is_active:
        raise ApplicationError(
            _("Village %(code)s is no longer in the region list.") % {"code": code},
            code="inactive_village",
            attr="village",
        )
    return village


def _duplicate_nik(actor, nik: str) -> ConflictError:
    existing = Member.objects.select_related("village").filter(nik=nik).first()
    if existing is not None and region_in_scope(existing.village, actor):
        return ConflictError(
            _("This NIK is already registered in %(village)s (%(code)s).")
            % {"village": existing.village.name, "code": existing.village.code},
            code="nik_registered",
            attr="nik",
            extra={"member": existing.pk},
        )
    return ConflictError(_("This NIK is already registered."), code="nik_registered", attr="nik")


def _apply_terms(enrollment: Enrollment, terms: dict) -> None:
    for name in ("segment", "declared_income", "wage", "risk_class", "funding_source"):
        if name in terms:
            setattr(enrollment, name, terms[name])
    if "programs" in terms:
        for program in Program.values:
            setattr(enrollment, program, program in terms["programs"])


# --- create, edit, delete ---------------------------------------------------------------


def member_create(
    *,
    actor,
    village: str,
    nik: str,
    full_name: str,
    birth_date: datetime.date,
    sex: str,
    roles: list[dict],
    phone: str = "",
    occupation: str | None = None,
    is_perisai: bool = False,
    enrollment: dict | None = None,
    action: str = MemberEvent.Action.CREATED,
) -> Outcome:
    """Register a person in a village, with their roles and (optionally) a draft enrollment."""
    village_obj = _village_for(actor, village)
    errors = _Errors()
    warnings = _check_person(errors, nik=nik, birth_date=birth_date, sex=sex)
    errors.extend(rules.role_refusals(village_obj, roles, occupation))
    if enrollment is not None:
        errors.extend(rules.enrollment_refusals(village_obj, enrollment))
    errors.raise_if_any()
    if Member.objects.filter(nik=nik).exists():
        raise _duplicate_nik(actor, nik)
    try:
        with transaction.atomic():
            member = Member.objects.create(
                village=village_obj,
                nik=nik,
                full_name=full_name.strip(),
                birth_date=birth_date,
                sex=sex,
                phone=phone,
                occupation=occupation,
                is_perisai=is_perisai,
                created_by=actor,
            )
            MemberRole.objects.bulk_create(MemberRole(member=member, **role) for role in roles)
            new_enrollment = None
            if enrollment is not None:
                new_enrollment = Enrollment(member=member)
                _apply_terms(new_enrollment, enrollment)
                new_enrollment.save()
            member_event_record(
                member,
                actor=actor,
                action=action,
                enrollment=new_enrollment,
                changes={"status": [None, Status.DRAFT]} if new_enrollment else {},
            )
    except IntegrityError as exc:
        # Two registrations of one NIK racing: the unique constraint decides.
        if Member.objects.filter(nik=nik).exists():
            raise _duplicate_nik(actor, nik) from exc
        raise
    return Outcome(member, warnings)


@transaction.atomic
def member_update(*, actor, member: Member, reason: str = "", **data) -> Outcome:
    """Edit a member. ``roles`` replaces the roles; ``enrollment`` edits the open enrollment
    (or starts a new draft when none is open). Identity fields are frozen once active."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    village = member.village
    enrollment = enrollment_open(member)
    errors = _Errors()
    warnings: list[dict] = []
    identity = {k: data[k] for k in ("nik", "birth_date", "sex") if k in data}
    changed_identity = {k: v for k, v in identity.items() if getattr(member, k) != v}
    # Frozen once BPJS has covered the person under this identity, even if that ended since.
    if changed_identity and member.enrollments.filter(effective_from__isnull=False).exists():
        raise ApplicationError(
            _(
                "NIK, birth date and sex cannot change once BPJS has enrolled the member; ask "
                "the BPJS office to correct them."
            ),
            code="identity_frozen",
            attr=next(iter(changed_identity)),
        )
    if changed_identity:
        warnings = _check_person(
            errors,
            nik=identity.get("nik", member.nik),
            birth_date=identity.get("birth_date", member.birth_date),
            sex=identity.get("sex", member.sex),
        )
    roles = data.get("roles")
    occupation = data.get("occupation", member.occupation)
    if roles is not None or "occupation" in data:
        current_roles = (
            roles
            if roles is not None
            else list(member.roles.filter(ended_on__isnull=True).values("category"))
        )
        errors.extend(rules.role_refusals(village, current_roles, occupation))
    terms = data.get("enrollment")
    if terms is not None:
        merged = {**terms_of(enrollment), **terms}
        if enrollment and terms.get("segment", enrollment.segment) != enrollment.segment:
            # Switching segment: the other segment's basis no longer applies.
            for name in ("declared_income", "wage", "risk_class"):
                merged[name] = terms.get(name)
        errors.extend(rules.enrollment_refusals(village, merged))
    errors.raise_if_any()
    if (
        "nik" in changed_identity
        and Member.objects.filter(nik=identity["nik"]).exclude(pk=member.pk).exists()
    ):
        raise _duplicate_nik(actor, identity["nik"])

    changes: dict[str, list] = {}
    for name in ("nik", "full_name", "birth_date", "sex", "phone", "occupation", "is_perisai"):
        if name in data and getattr(member, name) != data[name]:
            changes[name] = [as_json(getattr(member, name)), as_json(data[name])]
            setattr(member, name, data[name])
    if "nik" in changes:  # the history keeps NIKs masked, like lists do
        changes["nik"] = [mask_nik(changes["nik"][0]), mask_nik(changes["nik"][1])]
    if roles is not None:
        before = list(member.roles.values("category", "position", "term_start", "term_end"))
        after = [
            {
                "category": r["category"],
                "position": r.get("position", ""),
                "term_start": r.get("term_start"),
                "term_end": r.get("term_end"),
            }
            for r in roles
        ]
        if before != after:
            member.roles.all().delete()
            MemberRole.objects.bulk_create(MemberRole(member=member, **r) for r in after)
            changes["roles"] = [[role_json(r) for r in before], [role_json(r) for r in after]]
    touched_enrollment = None
    if terms is not None:
        old = terms_of(enrollment)
        if enrollment is None:
            enrollment = Enrollment(member=member)
            old = {}
        _apply_terms(enrollment, merged)
        new = terms_of(enrollment)
        diff = {k: [old.get(k), new[k]] for k in rules.MONEY_FIELDS if old.get(k) != new[k]}
        if diff or enrollment.pk is None:
            created = enrollment.pk is None
            enrollment.save()
            touched_enrollment = enrollment
            changes.update(diff)
            if created:
                changes["status"] = [None, Status.DRAFT]
    if changes:
        member.save()
        member_event_record(
            member,
            actor=actor,
            action=MemberEvent.Action.UPDATED,
            changes=changes,
            reason=reason,
            enrollment=touched_enrollment,
        )
    return Outcome(member, warnings)


@transaction.atomic
def member_delete(*, actor, member: Member) -> None:
    """Remove a registration made by mistake: only while nothing was submitted to BPJS."""
    if member.enrollments.exclude(status=Status.DRAFT).exists():
        raise ApplicationError(
            _(
                "A member whose enrollment was submitted cannot be deleted: end the enrollment "
                "instead."
            ),
            code="not_deletable",
            status_code=409,
        )
    # Enrollments protect their member (money will point to them); unbilled drafts go first.
    member.enrollments.all().delete()
    village_id = member.village_id
    member.delete()
    figures_changed.send(sender=Member, village_ids=[village_id])
