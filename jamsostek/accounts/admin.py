from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from jamsostek.core.admin import ScopedAdmin

from .models import User


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    """Admins manage users here; a pmd_auditor sees its regency's users (and edits them
    through /api/v1/users/, where the role and scope rules are enforced)."""

    list_display = ["username", "full_name", "role", "scope", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email", "scope__code"]
    ordering = ["username"]
    raw_id_fields = ["scope"]
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
