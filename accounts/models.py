"""Users: one role each, and the region their role is exercised in (their scope)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jamsostek.core.choices import Level, Role

# The level of region each role's scope must be; an admin's scope is the nation.
ROLE_SCOPE_LEVEL = {
    Role.VILLAGE_OPERATOR: Level.VILLAGE,
    Role.DISTRICT_VIEWER: Level.DISTRICT,
    Role.PMD_AUDITOR: Level.REGENCY,
    Role.BPJS_OFFICER: Level.REGENCY,
    Role.ADMIN: None,
}


class Manager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # ``createsuperuser`` (also with --noinput and DJANGO_SUPERUSER_*) makes an admin.
        extra_fields.setdefault("role", Role.ADMIN)
        extra_fields.setdefault("scope", None)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    SCOPE_PATH = "scope"

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope = models.ForeignKey(
        "villages.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("scope"),
    )

    objects = Manager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    Q(role=Role.ADMIN, scope__isnull=True)
                    | (~Q(role=Role.ADMIN) & Q(scope__isnull=False))
                ),
            ),
            models.CheckConstraint(name="user_role_valid", condition=Q(role__in=Role.values)),
        ]

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles


class AuditAction(models.TextChoices):
    CREATED = "created", _("created")
    ROLE_CHANGED = "role_changed", _("role or scope changed")
    PASSWORD_RESET = "password_reset", _("password reset")
    DEACTIVATED = "deactivated", _("deactivated")
    REACTIVATED = "reactivated", _("reactivated")


class AuditQuerySet(models.QuerySet):
    """Append-only: rows are added, never changed or removed."""

    def update(self, **kwargs):
        raise TypeError("The user audit log is append-only.")

    def delete(self):
        raise TypeError("The user audit log is append-only.")


class UserAuditEntry(models.Model):
    """Who changed whose role or scope, reset whose password, (de)activated whom, and when.

    Written by accounts/services.py only (the API, the console and the Django
    admin all go through it); append-only and read-only in the admin.
    """

    SCOPE_PATH = "target__scope"

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="audit_entries_made", verbose_name=_("by")
    )
    target = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="audit_entries", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    old_role = models.CharField(_("old role"), max_length=20, choices=Role.choices, blank=True)
    new_role = models.CharField(_("new role"), max_length=20, choices=Role.choices, blank=True)
    old_scope = models.CharField(_("old scope"), max_length=20, blank=True)
    new_scope = models.CharField(_("new scope"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("user audit entry")
        verbose_name_plural = _("user audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The user audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The user audit log is append-only.")
