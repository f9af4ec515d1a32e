"""The Django admin, reading the apps' permission tables and scoped like the API."""

from collections.abc import Mapping

from django.contrib import admin

from .permissions import Rule
from .scoping import scope_queryset

VERBS = frozenset({"view", "add", "change", "delete"})


class PermittedAdmin:
    """``has_*_permission`` from rows of the app's table (jamsostek/core/permissions.py):
    ``permits`` maps the admin's verbs (view, add, change, delete) to rows; a verb without
    a row is refused. Mixed into a ``ModelAdmin`` or an ``InlineModelAdmin``."""

    permits: Mapping[str, Rule] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = set(cls.permits) - VERBS
        if unknown:
            raise TypeError(f"{cls.__name__}.permits: no such admin verb {sorted(unknown)}")

    def _permits(self, request, verb: str) -> bool:
        rule = self.permits.get(verb)
        return rule is not None and request.user.is_staff and rule.allows(request.user)

    def has_module_permission(self, request):
        return self._permits(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._permits(request, "view")

    def has_add_permission(self, request, obj=None):  # an inline is asked with its parent
        return self._permits(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._permits(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._permits(request, "delete")


class ScopedAdmin(PermittedAdmin, admin.ModelAdmin):
    """Rows come through the scoping module: staff see only what lies inside their scope
    (the view row's reach is ``scope``: tests/test_permissions.py holds the two together)."""

    show_full_result_count = False

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)
