"""Every write to users, and what follows one: revoked tokens and the audit log.

Who may manage whom is decided in rules.py; the API, the console and the Django admin all
write through these functions, so they refuse the same and leave the same trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from jamsostek.core.choices import STAFF_ROLES, Level, Role
from jamsostek.core.errors import ApplicationError
from jamsostek.core.scoping import region_in_scope
from villages.models import Region
from villages.selectors import region_for

from . import rules
from .models import ROLE_SCOPE_LEVEL, AuditAction, User, UserAuditEntry

_UNSET = object()


def _resolve_scope(*, actor: User, role: str, scope_code: str | None) -> Region | None:
    level = ROLE_SCOPE_LEVEL[role]
    if level is None:
        if scope_code:
            raise ApplicationError(
                _("An administrator covers the whole nation and takes no scope."),
                code="scope_not_allowed",
                attr="scope_code",
            )
        return None
    if not scope_code:
        raise ApplicationError(
            _("This role needs a scope: the code of a %(level)s.") % {"level": Level(level).label},
            code="required",
            attr="scope_code",
        )
    region = region_for(
        actor, scope_code, attr="scope_code", active_only=True, error_code="invalid_scope"
    )
    if region.level != level:
        raise ApplicationError(
            _("A %(role)s's scope must be a %(level)s, not a %(given)s.")
            % {
                "role": Role(role).label,
                "level": Level(level).label,
                "given": Level(region.level).label,
            },
            code="invalid_scope",
            attr="scope_code",
        )
    return region


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ApplicationError(
            " ".join(exc.messages), code="password_invalid", attr="password"
        ) from exc


def _apply_role(user: User, role: str, scope: Region | None) -> None:
    user.role = role
    user.scope = scope
    user.is_staff = role in STAFF_ROLES
    user.is_superuser = role == Role.ADMIN


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    scope_code: str | None = None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """Create a user with a role ``actor`` may give, inside ``actor``'s scope."""
    rules.check_may_grant(actor, role)
    scope = _resolve_scope(actor=actor, role=role, scope_code=scope_code)
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    _apply_role(user, role, scope)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_changed(actor=actor, user=user, before=None)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    role: str | None = None,
    scope_code=_UNSET,
    password: str | None = None,
    **fields,
) -> User:
    """Edit a user's details, role, scope, password or activity, if ``actor`` manages it."""
    user_check_manageable(actor=actor, user=user)
    if user.pk == actor.pk and fields.get("is_active") is False:
        raise ApplicationError(
            _("You cannot deactivate your own account."), code="self_deactivation", attr="is_active"
        )
    before = user_state(user)
    if role is not None or scope_code is not _UNSET:
        new_role = role or user.role
        if new_role != user.role:
            rules.check_may_grant(actor, new_role)
        if scope_code is _UNSET:
            # Keep the current scope while it still fits the role; otherwise one must be given.
            fits = user.scope is not None and user.scope.level == ROLE_SCOPE_LEVEL[new_role]
            code = user.scope.code if fits else None
        else:
            code = scope_code
        _apply_role(user, new_role, _resolve_scope(actor=actor, role=new_role, scope_code=code))
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        _check_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_changed(actor=actor, user=user, before=before)
    return user


def user_check_manageable(*, actor: User, user: User) -> None:
    """404 for a user outside ``actor``'s scope, 403 ``user_not_manageable`` for one inside
    it that ``actor`` may not manage (rules.py)."""
    if actor.role != Role.ADMIN and (user.scope is None or not region_in_scope(user.scope, actor)):
        raise ApplicationError(_("Not found."), code="not_found", status_code=404)
    rules.check_may_manage(actor, user)


# --- what follows a change: revoked tokens, the audit log ----------------------------------


@dataclass(frozen=True)
class UserState:
    """What a change of a user is compared on (taken before it, compared after)."""

    role: str
    scope_code: str
    is_active: bool
    password: str


def user_state(user: User) -> UserState:
    return UserState(
        role=user.role,
        scope_code=user.scope.code if user.scope_id else "",
        is_active=user.is_active,
        password=user.password,
    )


@transaction.atomic
def user_changed(*, actor: User, user: User, before: UserState | None) -> None:
    """After ``actor`` saved ``user`` (``before`` is None for a new user), by any door.

    A new password or a deactivation blacklists the user's refresh tokens (their access
    tokens are refused already: by the password digest they carry, or as inactive). A new
    user, a change of role or scope, and a password reset, deactivation or reactivation of
    another user are written to the audit log.
    """
    after = user_state(user)
    entries: list[UserAuditEntry] = []

    def entry(action: str, old: UserState | None = None) -> None:
        entries.append(
            UserAuditEntry(
                actor=actor,
                target=user,
                action=action,
                old_role=old.role if old else "",
                new_role=after.role,
                old_scope=old.scope_code if old else "",
                new_scope=after.scope_code,
            )
        )

    if before is None:
        entry(AuditAction.CREATED)
    else:
        if (before.role, before.scope_code) != (after.role, after.scope_code):
            entry(AuditAction.ROLE_CHANGED, before)
        password_changed = before.password != after.password
        deactivated = before.is_active and not after.is_active
        if user.pk != actor.pk:
            if password_changed:
                entry(AuditAction.PASSWORD_RESET, before)
            if deactivated:
                entry(AuditAction.DEACTIVATED, before)
            if after.is_active and not before.is_active:
                entry(AuditAction.REACTIVATED, before)
        if password_changed or deactivated:
            user_tokens_revoke(user)
    UserAuditEntry.objects.bulk_create(entries)


def user_tokens_revoke(user: User) -> int:
    """Blacklist every refresh token of ``user`` that is neither expired nor blacklisted;
    how many."""
    tokens = list(
        OutstandingToken.objects.filter(
            user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
        )
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )
    return len(tokens)


def tokens_flush_expired() -> dict:
    """Forget refresh tokens past their expiry (and their blacklist rows): an expired token
    is refused by its own ``exp``. Each login and each refresh adds one row."""
    deleted, _by_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return {"deleted": deleted}
