"""Vocabulary shared by more than one app. Values are the API's enums: never rename them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
