"""Who manages whom: the one rule that the API, the console and the Django admin ask.

An admin manages everyone and gives any role. A pmd_auditor manages (creates, edits, resets
the password of, deactivates) only the village operators and district viewers of its
regency, and gives no other role: never another pmd_auditor, a bpjs_officer or an admin.
Everyone may edit their own account (a role change of their own still needs a role they
may give). Other roles manage nobody.

No ORM here: the services (accounts/services.py) look the users up, keep users
outside the caller's scope out (404) and raise the refusals built here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError

# The roles each non-admin role manages and may give; an admin manages every role.
MANAGED_ROLES: dict[str, frozenset[str]] = {
    Role.PMD_AUDITOR: frozenset({Role.VILLAGE_OPERATOR, Role.DISTRICT_VIEWER}),
}

USER_NOT_MANAGEABLE = "user_not_manageable"  # editing a user the caller may not manage
ROLE_NOT_ALLOWED = "role_not_allowed"  # giving a role the caller may not give


def grantable_roles(actor) -> frozenset[str]:
    """The roles ``actor`` may give (to a new user or by a change of role)."""
    if actor.role == Role.ADMIN:
        return frozenset(Role.values)
    return MANAGED_ROLES.get(actor.role, frozenset())


def may_manage(actor, user) -> bool:
    """Whether ``actor`` may edit ``user`` (``user`` already known to lie in its scope)."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role not in MANAGED_ROLES:
        return False
    return user.pk == actor.pk or user.role in MANAGED_ROLES[actor.role]


def may_grant(actor, role: str) -> bool:
    return role in grantable_roles(actor)


def _labels(roles) -> str:
    return ", ".join(str(Role(role).label) for role in Role.values if role in roles)


def check_may_manage(actor, user) -> None:
    """403 ``user_not_manageable`` unless ``actor`` may edit ``user``."""
    if may_manage(actor, user):
        return
    raise ApplicationError(
        _(
            "You may not change this user (%(role)s): you manage only users with these "
            "roles: %(roles)s."
        )
        % {"roles": _labels(grantable_roles(actor)), "role": Role(user.role).label},
        code=USER_NOT_MANAGEABLE,
        status_code=403,
    )


def check_may_grant(actor, role: str) -> None:
    """403 ``role_not_allowed`` (on ``role``) unless ``actor`` may give ``role``."""
    if may_grant(actor, role):
        return
    if role == Role.ADMIN:
        message = _("Only an administrator may create or promote administrators.")
    else:
        message = _("You may give only these roles: %(roles)s.") % {
            "roles": _labels(grantable_roles(actor))
        }
    raise ApplicationError(message, code=ROLE_NOT_ALLOWED, attr="role", status_code=403)
