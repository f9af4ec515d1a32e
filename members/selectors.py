"""Reads of members, with what their API bodies need already joined."""

from collections import defaultdict
from types import SimpleNamespace

from django.db.models import Prefetch, Q, QuerySet

from jamsostek.core.cache import fail_open_cache as cache
from jamsostek.core.choices import Role
from jamsostek.core.scoping import scope_queryset
from villages.models import Region

from . import signals
from .models import (
    OPEN_STATUSES,
    PROGRAM_FLAGS,
    Enrollment,
    ImportJob,
    Member,
    MemberEvent,
    MemberRole,
    Status,
    programs_of,
)


def members_for(user) -> QuerySet[Member]:
    """Members inside ``user``'s scope, roles and enrollments prefetched (newest first).
    Their arrears are asked for per page: ``members_with_arrears``."""
    return scope_queryset(
        Member.objects.select_related("village").prefetch_related(
            # Into plain lists (member_roles, shown_enrollment read them): a prefetch into
            # the related managers builds a filtered queryset per member and relation,
            # which was a fifth of a page of 500.
            Prefetch("roles", queryset=MemberRole.objects.order_by("pk"), to_attr=_ROLES),
            Prefetch(
                "enrollments", queryset=Enrollment.objects.order_by("-pk"), to_attr=_ENROLLMENTS
            ),
        ),
        user,
    )


_ROLES = "role_list"
_ENROLLMENTS = "enrollment_list"


def member_roles(member: Member) -> list[MemberRole]:
    """The member's roles, oldest first (the list ``members_for`` prefetched, else read)."""
    roles = getattr(member, _ROLES, None)
    return roles if roles is not None else list(member.roles.order_by("pk"))


# --- the list's page as rows ----------------------------------------------------------------
# A page of 500 members read as models made about 2,000 instances (members, their villages,
# roles and enrollments), a third of the page's time. The list reads plain rows instead,
# with the models' attribute names (what its serializers read): the members, then their
# villages, roles and enrollments by id.

_MEMBER_COLUMNS = (
    "id",
    "village_id",
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "phone",
    "occupation",
    "is_perisai",
    "created_at",
    "updated_at",
)
_ROLE_COLUMNS = ("member_id", "category", "position", "term_start", "term_end", "ended_on")
_ENROLLMENT_COLUMNS = (
    "id",
    "member_id",
    "status",
    "segment",
    *PROGRAM_FLAGS,
    "declared_income",
    "wage",
    "risk_class",
    "funding_source",
    "kpj_number",
    "effective_from",
    "ended_on",
    "end_reason",
)


def member_rows(queryset: QuerySet[Member]) -> QuerySet:
    """``queryset``'s members as lazy tuples, for a paginator to count and slice; a page of
    them becomes rows with ``member_page``."""
    # Not joined to their villages: the page's sort then carries narrower rows (5-8 ms of
    # a province page), and member_page reads the few villages by id.
    return queryset.prefetch_related(None).values_list(*_MEMBER_COLUMNS)


def member_page(values) -> list[SimpleNamespace]:
    """The members of ``values`` (a page of ``member_rows``) as rows a member serializer
    reads like models: ``village.code``, ``role_list``, ``enrollment_list`` (newest first),
    each enrollment with its ``programs`` and its ``member``. Three more queries."""
    members = [SimpleNamespace(**dict(zip(_MEMBER_COLUMNS, row, strict=True))) for row in values]
    by_id = {member.id: member for member in members}
    if not by_id:
        return members
    villages = {
        pk: SimpleNamespace(code=code, name=name)
        for pk, code, name in Region.objects.filter(
            pk__any={member.village_id for member in members}
        ).values_list("id", "code", "name")
    }
    for member in members:
        member.village = villages[member.village_id]
        member.role_list, member.enrollment_list = [], []
    for row in (
        MemberRole.objects.filter(member_id__any=by_id).order_by("pk").values(*_ROLE_COLUMNS)
    ):
        by_id[row.pop("member_id")].role_list.append(SimpleNamespace(**row))
    for row in (
        Enrollment.objects.filter(member_id__any=by_id).order_by("-pk").values(*_ENROLLMENT_COLUMNS)
    ):
        member = by_id[row.pop("member_id")]
        enrollment = SimpleNamespace(**row, member=member, programs=programs_of(row))
        member.enrollment_list.append(enrollment)
    return members


def members_with_arrears(members) -> list[Member]:
    """``members`` (a page, or one) as a list, each with ``arrears_months`` and
    ``arrears_amount`` (the months and rupiah of its lines on overdue bills), in two
    queries whatever the page holds (``enrollment_arrears``).

    Asked per page, not annotated on the list's query: PostgreSQL computes a select
    list's subqueries for every row up to the page's end."""
    members = list(members)
    owner, villages = {}, {}
    for member in members:
        member.arrears_months, member.arrears_amount = 0, 0
        enrollments = getattr(member, _ENROLLMENTS, None)
        if enrollments is None:
            enrollments = list(member.enrollments.all())
        for enrollment in enrollments:
            owner[enrollment.id] = member
            villages[enrollment.id] = member.village_id
    if not owner:
        return members
    months = defaultdict(set)
    for enrollment_id, period, amount in signals.enrollment_arrears(villages):
        member = owner[enrollment_id]
        months[member.id].add(period)
        member.arrears_amount += amount
    for member in members:
        member.arrears_months = len(months[member.id])
    return members


def filter_in_arrears(queryset: QuerySet[Member], value: bool) -> QuerySet[Member]:
    in_arrears = signals.members_in_arrears()
    return queryset.filter(in_arrears) if value else queryset.exclude(in_arrears)


def enrollment_open(member: Member) -> Enrollment | None:
    """The member's open enrollment (draft, submitted, active or lapsed), if any."""
    return member.enrollments.filter(status__in=OPEN_STATUSES).first()


def shown_enrollment(member: Member) -> Enrollment | None:
    """The open enrollment, else the latest ended one (from the list ``members_for``
    prefetched, else read)."""
    enrollments = getattr(member, _ENROLLMENTS, None)
    if enrollments is None:
        enrollments = list(member.enrollments.order_by("-pk"))
    for enrollment in enrollments:
        if enrollment.status != Status.ENDED:
            return enrollment
    return enrollments[0] if enrollments else None


# Filters on related rows are uncorrelated ``pk IN (SELECT member_id …)`` subqueries: a
# correlated EXISTS was once planned as a scan of every matching enrollment per member
# (12.8 s for a status filter over 10,000 members, against milliseconds this way).


def _members_with(model, **filters) -> Q:
    return Q(pk__in=model.objects.filter(**filters).values("member_id"))


def _open(**filters) -> Q:
    return _members_with(Enrollment, status__in=OPEN_STATUSES, **filters)


def filter_by_status(queryset: QuerySet[Member], status: str) -> QuerySet[Member]:
    if status == Status.ENDED:
        return queryset.filter(_members_with(Enrollment, status=Status.ENDED) & ~_open())
    return queryset.filter(_open(status=status))


def filter_by_enrollment(queryset: QuerySet[Member], **filters) -> QuerySet[Member]:
    """Members whose open enrollment matches ``filters`` (segment, funding_source…)."""
    return queryset.filter(_open(**filters))


def filter_by_category(queryset: QuerySet[Member], category: str) -> QuerySet[Member]:
    return queryset.filter(_members_with(MemberRole, category=category))


def search_members(
    queryset: QuerySet[Member], text: str, *, by_nik: bool = True
) -> QuerySet[Member]:
    """Digits: the start of a NIK or a KPJ number. Anything else: part of the name.

    ``by_nik=False`` for callers who see NIKs masked: searching by prefix would let them
    read the hidden digits one at a time.
    """
    text = text.strip()
    if text.isascii() and text.isdigit():
        match = _members_with(Enrollment, kpj_number__startswith=text)
        if by_nik:
            match = match | Q(nik__startswith=text)
        return queryset.filter(match)
    return queryset.filter(full_name__icontains=text)


def member_history(member: Member) -> QuerySet[MemberEvent]:
    return member.events.select_related("actor").order_by("-at", "-pk")


def import_jobs_for(user) -> QuerySet[ImportJob]:
    """The import jobs ``user`` may see: their own, or every one for an admin."""
    jobs = ImportJob.objects.select_related("created_by")
    if not (user and user.is_authenticated and user.is_active):
        return jobs.none()
    if getattr(user, "role", None) == Role.ADMIN:
        return jobs
    return jobs.filter(created_by=user)


def import_job_rows_done(job: ImportJob) -> int:
    """How many rows of ``job`` are done, live while it runs."""
    if job.status == ImportJob.State.RUNNING:
        return cache.get(job.progress_key, job.rows_done)
    return job.rows_done
