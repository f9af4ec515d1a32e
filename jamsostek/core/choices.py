"""Vocabulary shared by more than one app. Values are the API's enums: never rename them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A user's role (accounts.User.role); who may do what with each is the apps' tables."""

    VILLAGE_OPERATOR = "village_operator", _("Village operator")
    DISTRICT_VIEWER = "district_viewer", _("District viewer")
    PMD_AUDITOR = "pmd_auditor", _("PMD auditor")
    BPJS_OFFICER = "bpjs_officer", _("BPJS officer")
    ADMIN = "admin", _("Administrator")


# Every role: an action open to every logged-in user.
EVERY_ROLE = frozenset(Role)
# The roles that may use the Django admin (with the same scoping as the API).
STAFF_ROLES = frozenset({Role.ADMIN, Role.PMD_AUDITOR})


class Level(models.TextChoices):
    """The levels of the Kemendagri region tree (a user's scope is a region of one level)."""

    PROVINCE = "province", _("Province")
    REGENCY = "regency", _("Regency/city")
    DISTRICT = "district", _("District")
    VILLAGE = "village", _("Village")


class Category(models.TextChoices):
    """The roles a village registers people under (ekosistem desa)."""

    KEPALA_DESA = "kepala_desa", _("Village head")
    PERANGKAT_DESA = "perangkat_desa", _("Village apparatus")
    BPD = "bpd", _("Village council (BPD)")
    RT = "rt", _("RT head")
    RW = "rw", _("RW head")
    LINMAS = "linmas", _("Civil protection (Linmas)")
    LKD = "lkd", _("Village community institution (LKD)")
    PEKERJA_RENTAN = "pekerja_rentan", _("Vulnerable worker")


# Categories that are seats of the village (counted by position_counts); vulnerable
# workers are measured against rentan_target instead.
SEAT_CATEGORIES = [c for c in Category if c != Category.PEKERJA_RENTAN]
