"""Who may open which page: the roles of accounts, as the API grants them."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from jamsostek.core.choices import Role

EDITORS = (Role.VILLAGE_OPERATOR, Role.ADMIN)
AUDITORS = (Role.PMD_AUDITOR, Role.ADMIN)
OFFICERS = (Role.BPJS_OFFICER, Role.ADMIN)
READERS = (Role.DISTRICT_VIEWER, Role.PMD_AUDITOR, Role.BPJS_OFFICER, Role.ADMIN)


def roles(*allowed: str):
    """A page for logged-in users of ``allowed`` roles (others: 403; anonymous: to login)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_active or request.user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorate


def any_role(view):
    """A page every logged-in user may open (what it shows is cut to the scope)."""
    return roles(*Role.values)(view)
