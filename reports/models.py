"""Precomputed progress per village, refreshed set-based; dashboards and reports read these.

``VillageProgress`` holds one row per village (vulnerable workers against the target,
PERISAI agents, arrears); ``CategoryProgress`` one row per village and seat category
(positions, registered, active). Higher levels are sums of these rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Category


class VillageProgress(models.Model):
    SCOPE_PATH = "village"

    village = models.OneToOneField(
        "villages.Region", on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    as_of = models.DateTimeField(_("as of"))
    rentan_target = models.PositiveIntegerField(_("vulnerable-worker target"))
    rentan_active = models.PositiveIntegerField(_("vulnerable workers active"))
    perisai_agents = models.PositiveIntegerField(_("PERISAI agents"))
    participants_active = models.PositiveIntegerField(_("active participants"))
    arrears_outstanding = models.PositiveBigIntegerField(_("arrears"))
    arrears_months = models.PositiveIntegerField(_("months in arrears"))

    class Meta:
        verbose_name = _("village progress")
        verbose_name_plural = _("village progress")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.rentan_active}/{self.rentan_target}"


class CategoryProgress(models.Model):
    SCOPE_PATH = "village"

    village = models.ForeignKey(
        "villages.Region", on_delete=models.CASCADE, related_name="category_progress"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    positions = models.PositiveIntegerField(_("positions"))
    registered = models.PositiveIntegerField(_("registered"))
    active = models.PositiveIntegerField(_("active"))

    class Meta:
        verbose_name = _("category progress")
        verbose_name_plural = _("category progress")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "category"], name="categoryprogress_one_per_village_category"
            ),
            models.CheckConstraint(
                name="categoryprogress_active_le_registered",
                condition=Q(active__lte=models.F("registered")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.category}: {self.active}/{self.positions}"


class StaleProgress(models.Model):
    """A village whose progress changed since its last refresh (written with the change)."""

    village = models.OneToOneField(
        "villages.Region", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stale progress")
        verbose_name_plural = _("stale progress")

    def __str__(self) -> str:
        return f"{self.village_id} since {self.marked_at:%Y-%m-%d %H:%M}"
