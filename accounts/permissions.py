"""Who may do what with logins and users: read by the API (accounts/api.py), the console's
users page and the Django admin (accounts/admin.py). Whom a caller may change and which
roles it may give is accounts/rules.py's; rows and their reading:
jamsostek/core/permissions.py."""

from jamsostek.core.choices import EVERY_ROLE, STAFF_ROLES, Role
from jamsostek.core.permissions import Reach, Rule, Table

# fmt: off
ACCOUNTS = Table("accounts", {
    # Logging in: anyone, with a username and password or a refresh token.
    "token-obtain.post":   Rule(EVERY_ROLE, Reach.CREDENTIALS),
    "token-refresh.post":  Rule(EVERY_ROLE, Reach.CREDENTIALS),
    "me.get":              Rule(EVERY_ROLE, Reach.OWN),

    # Users: admins and pmd_auditors, those of their scope (the console's users page too);
    # whom each may change, and to which role, is rules.py's (403 user_not_manageable,
    # role_not_allowed).
    "user.list":           Rule({Role.ADMIN, Role.PMD_AUDITOR}, Reach.SCOPE),
    "user.retrieve":       Rule({Role.ADMIN, Role.PMD_AUDITOR}, Reach.SCOPE),
    "user.create":         Rule({Role.ADMIN, Role.PMD_AUDITOR}, Reach.SCOPE),
    "user.partial_update": Rule({Role.ADMIN, Role.PMD_AUDITOR}, Reach.SCOPE),

    # The Django admin: staff see users and the audit log; only an admin changes users
    # there (a pmd_auditor through the API or the console).
    "admin.user.view":     Rule(STAFF_ROLES, Reach.SCOPE),
    "admin.user.add":      Rule({Role.ADMIN}, Reach.SCOPE),
    "admin.user.change":   Rule({Role.ADMIN}, Reach.SCOPE),
    "admin.audit.view":    Rule(STAFF_ROLES, Reach.SCOPE),
})
# fmt: on
