"""People a village registers, their roles in the village, and their BPJS enrollment.

A member is one person, unique by NIK nationwide, registered by one village. They hold
one or more roles (``MemberRole``) and at most one open enrollment (``Enrollment``);
ended enrollments stay as history. Every status change and every change of a
money-relevant field leaves a ``MemberEvent``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Category


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Occupation(models.TextChoices):
    PETANI = "petani", _("Farmer")
    NELAYAN = "nelayan", _("Fisher")
    BURUH_TANI = "buruh_tani", _("Farm labourer")
    BURUH_HARIAN = "buruh_harian", _("Day labourer")
    PEDAGANG = "pedagang", _("Trader")
    UMKM = "umkm", _("Micro or small business")
    OJEK = "ojek", _("Motorcycle taxi driver")
    PENGRAJIN = "pengrajin", _("Craftsperson")
    LAINNYA = "lainnya", _("Other")


class Segment(models.TextChoices):
    BPU = "bpu", _("Non-wage earner (BPU)")
    PU = "pu", _("Wage earner (PU)")


class Program(models.TextChoices):
    JKK = "jkk", _("Work accident (JKK)")
    JKM = "jkm", _("Death (JKM)")
    JHT = "jht", _("Old-age savings (JHT)")
    JP = "jp", _("Pension (JP)")


class RiskClass(models.TextChoices):
    VERY_LOW = "very_low", _("Very low")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class FundingSource(models.TextChoices):
    ADD = "add", _("Village fund allocation (ADD)")
    APBDES = "apbdes", _("Other village budget income (APBDes)")
    APBD = "apbd", _("Regency budget (APBD)")
    MANDIRI = "mandiri", _("Self-paid")
    CSR = "csr", _("Company CSR")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    TERM_ENDED = "term_ended", _("Term ended")
    RESIGNED = "resigned", _("Resigned")
    DECEASED = "deceased", _("Deceased")
    MOVED = "moved", _("Moved away")
    OTHER = "other", _("Other")


# The programs, each a boolean column of Enrollment, in the schedule's order (Program.values
# builds its list on every read, and a list page reads it per enrollment).
PROGRAM_FLAGS = tuple(Program.values)

OPEN_STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.ACTIVE, Status.LAPSED]


def programs_of(flags: dict[str, bool]) -> list[str]:
    """The programs an enrollment takes, in the schedule's order, from its ``jkk``, ``jkm``,
    ``jht`` and ``jp`` flags (one boolean column each)."""
    return [program for program in PROGRAM_FLAGS if flags.get(program)]


class Member(models.Model):
    SCOPE_PATH = "village"

    village = models.ForeignKey(
        "villages.Region",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("village"),
    )
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    occupation = models.CharField(  # noqa: DJ001 - null is the API's 'not applicable', checked by constraints
        _("occupation"), max_length=20, choices=Occupation.choices, null=True, blank=True
    )
    is_perisai = models.BooleanField(_("PERISAI agent"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["full_name", "pk"]
        indexes = [models.Index(fields=["village", "full_name"], name="member_village_name_idx")]
        constraints = [
            models.CheckConstraint(
                name="member_nik_16_digits", condition=Q(nik__regex=r"^[0-9]{16}$")
            ),
            models.CheckConstraint(name="member_sex_valid", condition=Q(sex__in=Sex.values)),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.nik[:4]}…{self.nik[12:]})"


class MemberRole(models.Model):
    SCOPE_PATH = "member__village"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    position = models.CharField(_("position"), max_length=120, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    # Set when the role stops (its term passed, or the member's enrollment ended).
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("member role")
        verbose_name_plural = _("member roles")
        ordering = ["member_id", "pk"]
        indexes = [models.Index(fields=["category", "member"], name="memberrole_category_idx")]
        constraints = [
            models.CheckConstraint(
                name="memberrole_term_in_order",
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
            ),
            models.CheckConstraint(
                name="memberrole_category_valid", condition=Q(category__in=Category.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.position}"


class Enrollment(models.Model):
    SCOPE_PATH = "member__village"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="enrollments")
    segment = models.CharField(_("segment"), max_length=3, choices=Segment.choices)
    # Programs as flags, so the rules on them are database constraints.
    jkk = models.BooleanField(default=True)
    jkm = models.BooleanField(default=True)
    jht = models.BooleanField(default=False)
    jp = models.BooleanField(default=False)
    declared_income = models.PositiveBigIntegerField(_("declared income"), null=True, blank=True)
    wage = models.PositiveBigIntegerField(_("wage"), null=True, blank=True)
    risk_class = models.CharField(  # noqa: DJ001 - null is the API's 'not applicable', checked by constraints
        _("risk class"), max_length=10, choices=RiskClass.choices, null=True, blank=True
    )
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The participant's card number: theirs again if they return (see enrollment_kpj_one_open).
    kpj_number = models.CharField(  # noqa: DJ001 - null until BPJS assigns it
        _("KPJ number"), max_length=11, null=True, blank=True, db_index=True
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    # Set when BPU protection lapsed for arrears; months from then on are not billed.
    lapsed_on = models.DateField(_("lapsed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(  # noqa: DJ001 - null is the API's 'not applicable', checked by constraints
        _("end reason"), max_length=12, choices=EndReason.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["member_id", "-pk"]
        indexes = [
            models.Index(fields=["status", "segment"], name="enrollment_status_idx"),
            # per-member lookups by status (arrears, progress, reactivation)
            models.Index(fields=["member", "status"], name="enrollment_member_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=~Q(status="ended"),
                name="enrollment_one_open_per_member",
            ),
            # A card number is on one open enrollment at a time (a returning member reuses
            # theirs; the service refuses another member's).
            models.UniqueConstraint(
                fields=["kpj_number"],
                condition=Q(kpj_number__isnull=False) & ~Q(status="ended"),
                name="enrollment_kpj_one_open",
            ),
            models.CheckConstraint(
                name="enrollment_jkk_jkm_mandatory", condition=Q(jkk=True, jkm=True)
            ),
            models.CheckConstraint(
                name="enrollment_jp_only_for_pu", condition=Q(jp=False) | Q(segment="pu")
            ),
            models.CheckConstraint(
                name="enrollment_basis_matches_segment",
                condition=(
                    Q(
                        segment="bpu",
                        declared_income__isnull=False,
                        wage__isnull=True,
                        risk_class__isnull=True,
                    )
                    | Q(
                        segment="pu",
                        wage__isnull=False,
                        risk_class__isnull=False,
                        declared_income__isnull=True,
                    )
                ),
            ),
            models.CheckConstraint(
                name="enrollment_funding_source_valid",
                condition=Q(funding_source__in=FundingSource.values),
            ),
            models.CheckConstraint(
                name="enrollment_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="enrollment_kpj_11_digits",
                condition=Q(kpj_number__isnull=True) | Q(kpj_number__regex=r"^[0-9]{11}$"),
            ),
            models.CheckConstraint(
                name="enrollment_active_has_kpj",
                condition=~Q(status__in=["active", "lapsed"])
                | Q(kpj_number__isnull=False, effective_from__isnull=False),
            ),
            models.CheckConstraint(
                name="enrollment_lapsed_has_date",
                condition=~Q(status="lapsed") | Q(lapsed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="enrollment_ended_has_reason",
                condition=~Q(status="ended") | Q(ended_on__isnull=False, end_reason__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.segment} {self.status}"

    @property
    def programs(self) -> list[str]:
        return programs_of({p: getattr(self, p) for p in PROGRAM_FLAGS})

    @property
    def is_open(self) -> bool:
        return self.status != Status.ENDED


class MemberEvent(models.Model):
    """One entry of a member's history: who did what, when, old → new, and why."""

    SCOPE_PATH = "member__village"

    class Action(models.TextChoices):
        CREATED = "created", _("Registered")
        UPDATED = "updated", _("Edited")
        STATUS = "status", _("Status changed")
        IMPORTED = "imported", _("Imported")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # {"field": [old, new], ...}; status changes are {"status": ["submitted", "active"]}.
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("member history entry")
        verbose_name_plural = _("member history")
        ordering = ["member_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """A spreadsheet import too large to run inside the request, run by a Celery task.

    Not scoped by region (one file may hold several villages): a user sees only the jobs
    they started, an admin all of them; the rows themselves are checked against the
    user's scope when imported.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    partial = models.BooleanField(_("partial"), default=False)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    # The language the user asked in: the task writes the row errors in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="importjob_status_valid",
                condition=Q(status__in=["queued", "running", "done", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def progress_key(self) -> str:
        """The cache key of the rows done while it runs (its own transaction hides the row)."""
        return f"members:import-job:{self.pk}:rows_done"
