"""The Django admin, scoped like the API: staff see only rows inside their scope."""

from django.contrib import admin

from .scoping import scope_queryset


class ScopedAdmin(admin.ModelAdmin):
    """Rows come through the scoping module; who may do what follows the user's role."""

    view_roles: frozenset[str] = frozenset({"admin", "pmd_auditor"})
    change_roles: frozenset[str] = frozenset({"admin"})
    add_roles: frozenset[str] = frozenset({"admin"})
    delete_roles: frozenset[str] = frozenset()
    show_full_result_count = False

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def _has(self, request, allowed) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) in allowed)

    def has_module_permission(self, request):
        return self._has(request, self.view_roles)

    def has_view_permission(self, request, obj=None):
        return self._has(request, self.view_roles)

    def has_change_permission(self, request, obj=None):
        return self._has(request, self.change_roles)

    def has_add_permission(self, request):
        return self._has(request, self.add_roles)

    def has_delete_permission(self, request, obj=None):
        return self._has(request, self.delete_roles)
