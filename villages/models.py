"""The Kemendagri region tree and what the regency sets for each village.

Every region is one row addressed by its dotted code (``33``, ``33.26``, ``33.26.13``,
``33.26.13.2008``). Besides ``parent``, each row keeps direct links to its province,
regency and district, so that "everything inside regency X" is one indexed equality,
not a walk up the tree or a ``LIKE`` on codes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Category, Level

from . import rules

# Length of the dotted code at each level: "33", "33.26", "33.26.13", "33.26.13.2008".
CODE_LENGTH = {Level.PROVINCE: 2, Level.REGENCY: 5, Level.DISTRICT: 8, Level.VILLAGE: 13}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
LEVEL_ORDER = [Level.PROVINCE, Level.REGENCY, Level.DISTRICT, Level.VILLAGE]


class RegionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def villages(self):
        return self.filter(level=Level.VILLAGE)


class Region(models.Model):
    # Scoping (jamsostek.core.scoping): a region's own row is what lies inside a scope.
    SCOPE_PATH = ""

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    regency = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # False once a newer region source no longer lists the code. Retired regions are
    # never deleted: members, bills and users may still point to them.
    is_active = models.BooleanField(_("active"), default=True)
    # Villages only: the "1 Desa 100 Pekerja Rentan" target set by the regency.
    rentan_target = models.PositiveIntegerField(
        _("vulnerable-worker target"), default=settings.DEFAULT_RENTAN_TARGET
    )
    # Regencies only: the employed population (BPS), the denominator of Universal Coverage
    # Jamsostek; set by the regency office.
    employed_population = models.PositiveBigIntegerField(
        _("employed population"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code_idx")]
        constraints = [
            models.CheckConstraint(
                name="region_parent_matches_level",
                condition=(
                    Q(level=Level.PROVINCE, parent__isnull=True)
                    | (~Q(level=Level.PROVINCE) & Q(parent__isnull=False))
                ),
            ),
            models.CheckConstraint(
                name="region_level_valid",
                condition=Q(level__in=Level.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def kind(self) -> str | None:
        """``kabupaten``/``kota`` for a regency, ``desa``/``kelurahan`` for a village."""
        return rules.kind(self.level, self.code)

    @property
    def is_kelurahan(self) -> bool:
        """An office of the regency, with no village budget of its own (villages/rules.py)."""
        return rules.is_kelurahan(self.level, self.code)

    def ancestor(self, level: str) -> "Region | None":
        return {
            Level.PROVINCE: self.province,
            Level.REGENCY: self.regency,
            Level.DISTRICT: self.district,
        }.get(level)


class VillageSeat(models.Model):
    """How many seats a category has in a village: the denominator of coverage."""

    SCOPE_PATH = "village"

    village = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="seats")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    count = models.PositiveIntegerField(_("seats"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("village seat count")
        verbose_name_plural = _("village seat counts")
        ordering = ["village_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "category"], name="villageseat_one_per_category"
            ),
            models.CheckConstraint(
                name="villageseat_not_pekerja_rentan",
                condition=~Q(category=Category.PEKERJA_RENTAN),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.code} {self.category}={self.count}"
