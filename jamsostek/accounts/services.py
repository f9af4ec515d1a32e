"""Every write to users."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jamsostek.core.choices import Level
from jamsostek.core.errors import ApplicationError
from villages.models import Region
from villages.selectors import region_for

from .models import ROLE_SCOPE_LEVEL, STAFF_ROLES, Role, User

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


def _check_role_allowed(*, actor: User, role: str) -> None:
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise ApplicationError(
            _("Only an administrator may create or promote administrators."),
            code="role_not_allowed",
            attr="role",
            status_code=403,
        )


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
    """Create a user; a pmd_auditor may only create non-admins inside its regency."""
    _check_role_allowed(actor=actor, role=role)
    scope = _resolve_scope(actor=actor, role=role, scope_code=scope_code)
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    _apply_role(user, role, scope)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
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
    """Edit a user's details, role, scope or password, under the same rules as creation."""
    if user.pk == actor.pk and fields.get("is_active") is False:
        raise ApplicationError(
            _("You cannot deactivate your own account."), code="self_deactivation", attr="is_active"
        )
    if role is not None or scope_code is not _UNSET:
        new_role = role or user.role
        _check_role_allowed(actor=actor, role=new_role)
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
    return user
