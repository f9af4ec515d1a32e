"""The one place that decides which rows a user may see.

Every model that is reached through the API names, in ``SCOPE_PATH``, the lookup from
the model to the region that places it (``"village"`` for a member, ``""`` for a region
itself). A user's scope is a region (an admin's is the whole nation); a row is inside
the scope when its region is the scope or lies below it. Because every region row
links directly to its province, regency and district, that is one indexed equality.

Views get their querysets through :func:`scope_queryset`; rows outside the scope then
simply do not exist for the caller, which is why they answer 404.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from .choices import Level, Role


def _is_admin(user) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


def scope_q(user, path: str) -> Q:
    """A ``Q`` that keeps the rows whose region (reached by ``path``) is in ``user``'s scope."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if _is_admin(user):
        return Q()
    scope_id = user.scope_id
    if scope_id is None:
        return Q(pk__in=[])
    itself = Q(**{f"{path}_id" if path else "pk": scope_id})
    level = user.scope.level
    if level == Level.VILLAGE:
        return itself
    below = Q(pk=scope_id) | Q(**{f"{level}_id": scope_id})
    if not path:
        return below
    # The regions of the scope as a subquery (an indexed lookup of a few hundred rows),
    # not ``village_id = s OR village__regency_id = s``: an OR across the join can use no
    # index, so every list and count scanned all the rows of the nation.
    return Q(**{f"{path}__in": type(user.scope)._default_manager.filter(below).values("pk")})


def scope_queryset(queryset: QuerySet, user) -> QuerySet:
    """Narrow ``queryset`` to ``user``'s scope using the model's ``SCOPE_PATH``."""
    path = getattr(queryset.model, "SCOPE_PATH", None)
    if path is None:
        raise TypeError(f"{queryset.model.__name__} has no SCOPE_PATH; it cannot be scoped")
    return queryset.filter(scope_q(user, path))


def region_in_scope(region, user) -> bool:
    """Whether ``region`` is ``user``'s scope or lies below it."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if _is_admin(user):
        return True
    scope = user.scope
    if scope is None:
        return False
    if region.pk == scope.pk:
        return True
    return scope.level != Level.VILLAGE and getattr(region, f"{scope.level}_id") == scope.pk


def object_in_scope(obj: Model, user) -> bool:
    return scope_queryset(type(obj)._default_manager.filter(pk=obj.pk), user).exists()
