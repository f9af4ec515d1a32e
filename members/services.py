"""Every write to members, their roles and enrollments, each leaving a history entry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.choices import Category
from jamsostek.core.errors import ApplicationError, ConflictError
from jamsostek.core.scoping import region_in_scope
from villages.models import Level, Region

from .models import (
    OPEN_STATUSES,
    EndReason,
    Enrollment,
    FundingSource,
    Member,
    MemberEvent,
    MemberRole,
    Program,
    Segment,
    Status,
)
from .nik import check_nik, nik_region_codes

# Categories a kelurahan cannot have: it is an office of the regency, with a lurah appointed
# by the regency, no elected head, no village council and no village apparatus of its own.
DESA_ONLY_CATEGORIES = {Category.KEPALA_DESA, Category.PERANGKAT_DESA, Category.BPD}
# Funding a kelurahan cannot use: it has no ADD and no APBDes.
DESA_ONLY_FUNDING = {FundingSource.ADD, FundingSource.APBDES}
# Fields whose change alters what is billed: each change is written to the history.
MONEY_FIELDS = ["segment", "programs", "declared_income", "wage", "risk_class", "funding_source"]

# The enrollment lifecycle: (from, to) → the action's name.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): "submit",
    (Status.SUBMITTED, Status.ACTIVE): "activate",
    (Status.ACTIVE, Status.LAPSED): "lapse",
    (Status.LAPSED, Status.ACTIVE): "reactivate",
    (Status.SUBMITTED, Status.ENDED): "end",
    (Status.ACTIVE, Status.ENDED): "end",
    (Status.LAPSED, Status.ENDED): "end",
}


@dataclass
class Outcome:
    member: Member
    warnings: list[dict] = field(default_factory=list)


# --- validation -------------------------------------------------------------------------


class _Errors:
    """Collects field errors so that a request learns of all its mistakes at once."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, attr: str, message: str, code: str) -> None:
        self.errors.setdefault(attr, []).append(ValidationError(message, code=code))

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


def _check_roles(errors: _Errors, *, village: Region, roles: list[dict], occupation) -> None:
    if not roles:
        errors.add("roles", _("A member needs at least one role in the village."), "required")
    for index, role in enumerate(roles):
        category = role.get("category")
        if village.is_kelurahan and category in DESA_ONLY_CATEGORIES:
            errors.add(
                f"roles.{index}.category",
                _("A kelurahan has no %(category)s: it is an office of the regency or city.")
                % {"category": Category(category).label},
                "not_in_kelurahan",
            )
        start, end = role.get("term_start"), role.get("term_end")
        if start and end and end < start:
            errors.add(
                f"roles.{index}.term_end", _("The term cannot end before it starts."), "term_order"
            )
    categories = {role.get("category") for role in roles}
    if Category.PEKERJA_RENTAN in categories and not occupation:
        errors.add("occupation", _("A vulnerable worker needs an occupation."), "required")


def _check_enrollment(errors: _Errors, *, village: Region, terms: dict) -> None:
    segment = terms.get("segment")
    for name in ("segment", "funding_source"):
        if not terms.get(name):
            errors.add(f"enrollment.{name}", _("This field is required."), "required")
    programs = set(terms.get("programs") or [])
    missing = {Program.JKK, Program.JKM} - programs
    if missing:
        errors.add("enrollment.programs", _("JKK and JKM are mandatory."), "mandatory_programs")
    if Program.JP in programs and segment != Segment.PU:
        errors.add(
            "enrollment.programs",
            _("The pension program (JP) is only for wage earners (PU)."),
            "jp_only_pu",
        )
    if segment == Segment.BPU:
        if not terms.get("declared_income"):
            errors.add(
                "enrollment.declared_income",
                _("A non-wage earner (BPU) needs a declared monthly income."),
                "required",
            )
        for name in ("wage", "risk_class"):
            if terms.get(name) is not None:
                errors.add(
                    f"enrollment.{name}",
                    _("Only wage earners (PU) have a wage and risk class."),
                    "not_for_bpu",
                )
    elif segment == Segment.PU:
        if not terms.get("wage"):
            errors.add("enrollment.wage", _("A wage earner (PU) needs a monthly wage."), "required")
        if not terms.get("risk_class"):
            errors.add(
                "enrollment.risk_class",
                _("A wage earner (PU) needs a risk class (a village office is very_low)."),
                "required",
            )
        if terms.get("declared_income") is not None:
            errors.add(
                "enrollment.declared_income",
                _("A wage earner (PU) has a wage, not a declared income."),
                "not_for_pu",
            )
    if village.is_kelurahan and terms.get("funding_source") in DESA_ONLY_FUNDING:
        errors.add(
            "enrollment.funding_source",
            _(
                "A kelurahan has no ADD or APBDes: fund it from the regency's APBD, CSR or the "
                "worker's own payment."
            ),
            "not_in_kelurahan",
        )


def _village_for(actor, code: str) -> Region:
    village = (
        Region.objects.select_related("regency", "district")
        .filter(code=code, level=Level.VILLAGE)
        .first()
    )
    if village is None or not region_in_scope(village, actor):
        raise ApplicationError(
            _("Village %(code)s does not exist or is outside your scope.") % {"code": code},
            code="invalid_village",
            attr="village",
        )
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


# --- history ----------------------------------------------------------------------------


def _record(member, *, actor, action, changes=None, reason="", enrollment=None) -> MemberEvent:
    """Write a history entry; every recorded change may move the village's figures."""
    from reports.services import mark_stale

    mark_stale([member.village_id])
    return MemberEvent.objects.create(
        member=member,
        enrollment=enrollment,
        actor=actor,
        action=action,
        changes=changes or {},
        reason=reason,
    )


def _as_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _terms_of(enrollment: Enrollment | None) -> dict:
    if enrollment is None:
        return {}
    return {
        "segment": enrollment.segment,
        "programs": enrollment.programs,
        "declared_income": enrollment.declared_income,
        "wage": enrollment.wage,
        "risk_class": enrollment.risk_class,
        "funding_source": enrollment.funding_source,
    }


def _apply_terms(enrollment: Enrollment, terms: dict) -> None:
    for name in ("segment", "declared_income", "wage", "risk_class", "funding_source"):
        if name in terms:
            setattr(enrollment, name, terms[name])
    if "programs" in terms:
        for program in Program.values:
            setattr(enrollment, program, program in terms["programs"])


def _touch(member: Member) -> None:
    """Bump ``updated_at`` so apps syncing by ``updated_since`` fetch the member again."""
    member.save(update_fields=["updated_at"])


# --- create and edit --------------------------------------------------------------------


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
    _check_roles(errors, village=village_obj, roles=roles, occupation=occupation)
    if enrollment is not None:
        _check_enrollment(errors, village=village_obj, terms=enrollment)
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
            _record(
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


def current_enrollment(member: Member) -> Enrollment | None:
    return member.enrollments.filter(status__in=OPEN_STATUSES).first()


@transaction.atomic
def member_update(*, actor, member: Member, reason: str = "", **data) -> Outcome:
    """Edit a member. ``roles`` replaces the roles; ``enrollment`` edits the open enrollment
    (or starts a new draft when none is open). Identity fields are frozen once active."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    village = member.village
    enrollment = current_enrollment(member)
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
        _check_roles(errors, village=village, roles=current_roles, occupation=occupation)
    terms = data.get("enrollment")
    if terms is not None:
        merged = {**_terms_of(enrollment), **terms}
        if enrollment and terms.get("segment", enrollment.segment) != enrollment.segment:
            # Switching segment: the other segment's basis no longer applies.
            for name in ("declared_income", "wage", "risk_class"):
                merged[name] = terms.get(name)
        _check_enrollment(errors, village=village, terms=merged)
    errors.raise_if_any()
    if (
        "nik" in changed_identity
        and Member.objects.filter(nik=identity["nik"]).exclude(pk=member.pk).exists()
    ):
        raise _duplicate_nik(actor, identity["nik"])

    changes: dict[str, list] = {}
    for name in ("nik", "full_name", "birth_date", "sex", "phone", "occupation", "is_perisai"):
        if name in data and getattr(member, name) != data[name]:
            changes[name] = [_as_json(getattr(member, name)), _as_json(data[name])]
            setattr(member, name, data[name])
    if "nik" in changes:  # the history keeps NIKs masked, like lists do
        from .nik import mask_nik

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
            changes["roles"] = [[_role_json(r) for r in before], [_role_json(r) for r in after]]
    touched_enrollment = None
    if terms is not None:
        old = _terms_of(enrollment)
        if enrollment is None:
            enrollment = Enrollment(member=member)
            old = {}
        _apply_terms(enrollment, merged)
        new = _terms_of(enrollment)
        diff = {k: [old.get(k), new[k]] for k in MONEY_FIELDS if old.get(k) != new[k]}
        if diff or enrollment.pk is None:
            created = enrollment.pk is None
            enrollment.save()
            touched_enrollment = enrollment
            changes.update(diff)
            if created:
                changes["status"] = [None, Status.DRAFT]
    if changes:
        member.save()
        _record(
            member,
            actor=actor,
            action=MemberEvent.Action.UPDATED,
            changes=changes,
            reason=reason,
            enrollment=touched_enrollment,
        )
    return Outcome(member, warnings)


def _role_json(role: dict) -> dict:
    return {k: _as_json(v) for k, v in role.items()}


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
    from reports.services import mark_stale

    mark_stale([village_id])


# --- the lifecycle ----------------------------------------------------------------------


@transaction.atomic
def enrollment_transition(
    *,
    enrollment: Enrollment,
    to: str,
    actor,
    reason: str = "",
    kpj_number: str | None = None,
    effective_from: datetime.date | None = None,
    ended_on: datetime.date | None = None,
    end_reason: str | None = None,
    action: str | None = None,
    on: datetime.date | None = None,
) -> Enrollment:
    """Move an enrollment along the lifecycle, by the table in ``TRANSITIONS`` only.

    ``action`` names what the caller means (``"activate"``): a pair the table gives another
    name (lapsed → active is a reactivation, by paying arrears) is then refused too.
    """
    enrollment = (
        Enrollment.objects.select_for_update().select_related("member").get(pk=enrollment.pk)
    )
    source = enrollment.status
    allowed = TRANSITIONS.get((source, to))
    if allowed is None or (action is not None and action != allowed):
        raise ApplicationError(
            _("An enrollment that is %(from)s cannot become %(to)s.")
            % {"from": Status(source).label.lower(), "to": Status(to).label.lower()},
            code="invalid_transition",
            status_code=409,
        )
    action = allowed
    changes: dict[str, list] = {"status": [source, to]}
    if action == "activate":
        # A KPJ number is a person's card: theirs again when they come back, nobody else's.
        if (
            Enrollment.objects.filter(kpj_number=kpj_number)
            .exclude(member_id=enrollment.member_id)
            .exists()
        ):
            raise ConflictError(
                _("KPJ number %(kpj)s belongs to another participant.") % {"kpj": kpj_number},
                code="kpj_taken",
            )
        if effective_from < enrollment.member.birth_date:
            raise ApplicationError(
                _("Coverage cannot start before the member was born."),
                code="invalid_date",
                attr="effective_from",
            )
        changes["kpj_number"] = [enrollment.kpj_number, kpj_number]
        changes["effective_from"] = [_as_json(enrollment.effective_from), _as_json(effective_from)]
        enrollment.kpj_number = kpj_number
        enrollment.effective_from = effective_from
    elif action == "lapse":
        enrollment.lapsed_on = on or timezone.localdate()
        changes["lapsed_on"] = [None, _as_json(enrollment.lapsed_on)]
    elif action == "reactivate":
        changes["lapsed_on"] = [_as_json(enrollment.lapsed_on), None]
        enrollment.lapsed_on = None
    elif action == "end":
        if ended_on > timezone.localdate():
            raise ApplicationError(
                _("The end date cannot be in the future."), code="invalid_date", attr="date"
            )
        if enrollment.effective_from and ended_on < enrollment.effective_from:
            raise ApplicationError(
                _("The end date cannot come before coverage started."),
                code="invalid_date",
                attr="date",
            )
        enrollment.ended_on, enrollment.end_reason = ended_on, end_reason
        changes["end_reason"] = [None, end_reason]
        changes["ended_on"] = [None, _as_json(ended_on)]
        enrollment.member.roles.filter(ended_on__isnull=True).update(ended_on=ended_on)
    enrollment.status = to
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:
        # Only a KPJ taken meanwhile by a concurrent activation is the caller's conflict.
        taken = kpj_number and (
            Enrollment.objects.filter(kpj_number=kpj_number).exclude(pk=enrollment.pk).exists()
        )
        if not taken:
            raise
        raise ConflictError(
            _("KPJ number %(kpj)s belongs to another participant.") % {"kpj": kpj_number},
            code="kpj_taken",
        ) from exc
    _touch(enrollment.member)
    if action == "end":
        from contributions.services.billing import lines_after_end

        lines_after_end(enrollment)
    if action in ("activate", "reactivate"):
        # Bill the months it is now covered for (a mid-month activation joins that bill).
        from contributions.tasks import bill_enrollment

        transaction.on_commit(lambda pk=enrollment.pk: bill_enrollment.delay(pk))
    _record(
        enrollment.member,
        actor=actor,
        action=MemberEvent.Action.STATUS,
        changes=changes,
        reason=reason or (EndReason(end_reason).label if end_reason else ""),
        enrollment=enrollment,
    )
    return enrollment


def enrollment_submit(*, actor, member: Member) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(enrollment=enrollment, to=Status.SUBMITTED, actor=actor)


def enrollment_activate(
    *, actor, member: Member, kpj_number: str, effective_from: datetime.date
) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(
        enrollment=enrollment,
        to=Status.ACTIVE,
        actor=actor,
        kpj_number=kpj_number,
        effective_from=effective_from,
        action="activate",
    )


def enrollment_end(
    *, actor, member: Member, reason: str, date: datetime.date, note: str = ""
) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(
        enrollment=enrollment,
        to=Status.ENDED,
        actor=actor,
        ended_on=date,
        end_reason=reason,
        reason=note,
    )


def _open_enrollment_or_error(member: Member) -> Enrollment:
    enrollment = current_enrollment(member)
    if enrollment is None:
        raise ApplicationError(
            _("This member has no open enrollment."), code="no_enrollment", status_code=409
        )
    return enrollment


def roles_end_expired(*, today: datetime.date | None = None) -> dict[str, int]:
    """End roles whose term has passed; end the enrollments no open role keeps any more.

    The roles end set-based, on their ``term_end``, each member with one history entry
    (``roles`` before → after, no actor), ``updated_at`` bumped for the apps' sync and the
    village's progress marked stale; each enrollment left without a role then ends through
    the lifecycle as ``term_ended``. One transaction: a crash leaves all or nothing, and a
    second run finds nothing left to end.
    """
    from reports.services import mark_stale

    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        expired = list(
            MemberRole.objects.select_for_update()
            .filter(ended_on__isnull=True, term_end__lt=today)
            .values_list("pk", "member_id")
        )
        if not expired:
            return {"roles": 0, "enrollments": 0}
        members = {member for _pk, member in expired}
        ending = {pk for pk, _m in expired}
        before: dict[int, list[dict]] = {pk: [] for pk in members}
        after: dict[int, list[dict]] = {pk: [] for pk in members}
        for row in (
            MemberRole.objects.filter(member_id__in=members)
            .order_by("pk")
            .values("pk", "member_id", "category", "position", "term_start", "term_end", "ended_on")
        ):
            pk, member = row.pop("pk"), row.pop("member_id")
            before[member].append(row)
            after[member].append({**row, "ended_on": row["term_end"]} if pk in ending else row)
        roles = MemberRole.objects.filter(pk__in=ending).update(ended_on=F("term_end"))
        Member.objects.filter(pk__in=members).update(updated_at=now)
        MemberEvent.objects.bulk_create(
            [
                MemberEvent(
                    member_id=member,
                    actor=None,
                    action=MemberEvent.Action.UPDATED,
                    changes={
                        "roles": [
                            [_role_json(r) for r in before[member]],
                            [_role_json(r) for r in after[member]],
                        ]
                    },
                    reason=_("Term ended"),
                )
                for member in sorted(members)
            ],
            batch_size=1000,
        )
        mark_stale(Member.objects.filter(pk__in=members).values_list("village_id", flat=True))
        orphaned = (
            Enrollment.objects.filter(
                member_id__in=members, status__in=[Status.SUBMITTED, Status.ACTIVE, Status.LAPSED]
            )
            .exclude(member__roles__ended_on__isnull=True)
            .select_related("member")
        )
        ended = 0
        for enrollment in orphaned:
            last = max(r["term_end"] for r in after[enrollment.member_id] if r["term_end"])
            on = max(last, enrollment.effective_from or last)
            enrollment_transition(
                enrollment=enrollment,
                to=Status.ENDED,
                actor=None,
                ended_on=min(on, today),
                end_reason=EndReason.TERM_ENDED,
            )
            ended += 1
    return {"roles": roles, "enrollments": ended}


def enrollments_lapse(*, ids, on: datetime.date, reasons: dict[int, str]) -> int:
    """Lapse many active enrollments at once (the nightly rules): the lifecycle's
    active → lapsed step as a few set-based statements per chunk, each with its history."""
    from reports.services import mark_stale

    ids = list(ids)
    now = timezone.now()
    lapsed = 0
    for start in range(0, len(ids), 1000):
        with transaction.atomic():
            rows = list(
                Enrollment.objects.select_for_update()
                .filter(pk__in=ids[start : start + 1000], status=Status.ACTIVE)
                .values_list("pk", "member_id", "member__village_id")
            )
            if not rows:
                continue
            Enrollment.objects.filter(pk__in=[pk for pk, _m, _v in rows]).update(
                status=Status.LAPSED, lapsed_on=on, updated_at=now
            )
            Member.objects.filter(pk__in=[m for _p, m, _v in rows]).update(updated_at=now)
            MemberEvent.objects.bulk_create(
                MemberEvent(
                    member_id=member,
                    enrollment_id=pk,
                    actor=None,
                    action=MemberEvent.Action.STATUS,
                    changes={
                        "status": [Status.ACTIVE, Status.LAPSED],
                        "lapsed_on": [None, on.isoformat()],
                    },
                    reason=reasons.get(pk, ""),
                )
                for pk, member, _v in rows
            )
            mark_stale({village for _p, _m, village in rows})
            lapsed += len(rows)
    return lapsed
