"""Role checks for views. Scope (which rows) is jamsostek.core.scoping's job."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


def roles(*allowed: str) -> type[BasePermission]:
    """A permission class that lets in active users holding one of ``allowed`` roles."""

    class HasRole(BasePermission):
        message = _("Your role may not do this.")

        def has_permission(self, request, view) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.is_active and user.role in allowed)

    HasRole.__name__ = "HasRole_" + "_".join(allowed)
    return HasRole
