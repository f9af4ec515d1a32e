from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jamsostek.core.admin import ScopedAdmin
from jamsostek.core.errors import ApplicationError

from . import rules
from .models import User, UserAuditEntry
from .permissions import ACCOUNTS
from .services import user_changed, user_state


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    """Admins manage users here; a pmd_auditor sees its regency's users (and edits them
    through /api/v1/users/). Who may change whom is rules.py's, and every save goes through
    services.user_changed: tokens revoked on a new password or a deactivation, and the
    audit log."""

    list_display = ["username", "full_name", "role", "scope", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email", "scope__code"]
    ordering = ["username"]
    raw_id_fields = ["scope"]
    permits = {
        "view": ACCOUNTS["admin.user.view"],
        "add": ACCOUNTS["admin.user.add"],
        "change": ACCOUNTS["admin.user.change"],
    }
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone")}),
        (_("Role"), {"fields": ("role", "scope", "is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "role",
                    "scope",
                    "full_name",
                    "email",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def has_change_permission(self, request, obj=None):
        # The password form asks this too: a user the caller may not manage is 403 there.
        return super().has_change_permission(request, obj) and (
            obj is None or rules.may_manage(request.user, obj)
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class RoleCheckedForm(form):
            def clean_role(self):
                role = self.cleaned_data.get("role")
                if role and (self.instance._state.adding or role != self.instance.role):
                    try:
                        rules.check_may_grant(actor, role)
                    except ApplicationError as exc:
                        raise ValidationError(str(exc.message), code=exc.code) from exc
                return role

        return RoleCheckedForm

    def save_model(self, request, obj, form, change):
        before = user_state(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        user_changed(actor=request.user, user=obj, before=before)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user_state(user) if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if before is not None and request.method == "POST":
                user.refresh_from_db()
                if user_state(user) != before:
                    user_changed(actor=request.user, user=user, before=before)
        return response


@admin.register(UserAuditEntry)
class UserAuditEntryAdmin(ScopedAdmin):
    """The audit log, read-only: admins see all of it, a pmd_auditor its regency's users'."""

    list_display = ["at", "actor", "action", "target", "old_role", "new_role", "new_scope"]
    list_filter = ["action", "new_role"]
    search_fields = ["actor__username", "target__username"]
    list_select_related = ["actor", "target"]
    fields = readonly_fields = [
        "at",
        "actor",
        "target",
        "action",
        "old_role",
        "new_role",
        "old_scope",
        "new_scope",
    ]
    permits = {"view": ACCOUNTS["admin.audit.view"]}
