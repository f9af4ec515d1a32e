"""Who may do what with regions and villages: read by the API (villages/api.py), the
console (a village's home and its seats page) and the Django admin (villages/admin.py).
Rows and their reading: jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE, STAFF_ROLES, Role
from jamsostek.core.permissions import Reach, Rule, Table

# fmt: off
VILLAGES = Table("villages", {
    # The Kemendagri region tree: reference data, the same for everyone.
    "region.list":            Rule(EVERY_ROLE, Reach.NATION),
    "region.retrieve":        Rule(EVERY_ROLE, Reach.NATION),

    # Villages, their seats, targets and progress: everyone, those of their scope.
    "village.list":           Rule(EVERY_ROLE, Reach.SCOPE),
    "village.retrieve":       Rule(EVERY_ROLE, Reach.SCOPE),
    "village.progress":       Rule(EVERY_ROLE, Reach.SCOPE),
    # Seat counts and targets are set by the regency's office (also the console's seats
    # page, and in the Django admin a region's target and a village's seats).
    "village.partial_update": Rule({Role.PMD_AUDITOR, Role.ADMIN}, Reach.SCOPE),

    # The Django admin's region pages: staff look; an admin may add a region.
    "admin.region.view":      Rule(STAFF_ROLES, Reach.SCOPE),
    "admin.region.add":       Rule({Role.ADMIN}, Reach.SCOPE),
})
# fmt: on
