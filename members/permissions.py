"""Who may do what with members: read by the API (members/api/), the console's member
and import pages and the Django admin (members/admin.py). Rows and their reading:
jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE, STAFF_ROLES, Role
from jamsostek.core.permissions import Reach, Rule, Table

# Who registers, edits, imports and deletes a village's members, and submits them.
_EDITORS = frozenset({Role.VILLAGE_OPERATOR, Role.ADMIN})

# fmt: off
MEMBERS = Table("members", {
    # Everyone reads the members of their scope (NIKs as FULL_NIK_ROLES below says).
    "member.list":            Rule(EVERY_ROLE, Reach.SCOPE),
    "member.retrieve":        Rule(EVERY_ROLE, Reach.SCOPE),
    "member.history":         Rule(EVERY_ROLE, Reach.SCOPE),
    "member.export":          Rule(EVERY_ROLE, Reach.SCOPE),
    "member.import_template": Rule(EVERY_ROLE, Reach.NATION),
    # The village's operator (and the admin) registers, edits, imports, deletes a draft,
    # submits to BPJS (the console's forms, the import pages and the job's page too).
    "member.create":          Rule(_EDITORS, Reach.SCOPE),
    "member.import_":         Rule(_EDITORS, Reach.SCOPE),
    "member.partial_update":  Rule(_EDITORS, Reach.SCOPE),
    "member.destroy":         Rule(_EDITORS, Reach.SCOPE),
    "member.submit":          Rule(_EDITORS, Reach.SCOPE),
    # BPJS records the KPJ number. The village's operator may too, as today: whether it
    # should is the product's to decide (issue 23).
    "member.activate":        Rule({Role.BPJS_OFFICER, Role.ADMIN, Role.VILLAGE_OPERATOR},
                                   Reach.SCOPE),
    "member.end":             Rule({Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER, Role.ADMIN},
                                   Reach.SCOPE),

    # A spreadsheet import's job: its maker's (every one an admin's).
    "import-job.list":        Rule(EVERY_ROLE, Reach.OWN),
    "import-job.retrieve":    Rule(EVERY_ROLE, Reach.OWN),

    # The Django admin: members are read-only for staff; an admin sees every import job.
    "admin.member.view":      Rule(STAFF_ROLES, Reach.SCOPE),
    "admin.member.add":       Rule({Role.ADMIN}, Reach.SCOPE),
    "admin.member.change":    Rule({Role.ADMIN}, Reach.SCOPE),
    "admin.import-job.view":  Rule({Role.ADMIN}, Reach.NATION),
})
# fmt: on

# Who sees a member's whole NIK in its detail and exports, and may search by its first
# digits (a district viewer sees it masked): what a body shows, not an action.
FULL_NIK_ROLES = frozenset({Role.VILLAGE_OPERATOR, Role.PMD_AUDITOR, Role.BPJS_OFFICER, Role.ADMIN})
