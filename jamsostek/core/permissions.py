"""Who may do what: the rows of each app's table, and the API's one class that reads them.

Each app declares one ``Table`` in its ``permissions.py``: a row (a ``Rule``) per action,
naming the roles that may take it and how the rows it acts on are reached (``Reach``).
The API (``Permitted``, the default permission class), the console
(``console.access.permit``) and the Django admin (``jamsostek.core.admin.PermittedAdmin``)
all read those rows, so who may do what is written once. Which rows a caller sees is
still the scoping's (``jamsostek.core.scoping``, through the selectors): a row only names
how its objects are reached, and the admin scopes its lists by it.

Rows are named ``<resource>.<action>``: an API viewset's resource is its router basename
and its actions DRF's (``member.list``, ``member.activate``); an APIView's resource is its
URL name and its actions the methods it answers (``me.get``); the console's own pages and
the admin's pages are named for what they do (``dashboard``, ``admin.member.view``).
``tests/test_permissions.py`` walks the URL resolver and the admin: every action and page
is governed by exactly one row, and every row governs something.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .choices import EVERY_ROLE, Role

# Nothing of DRF's views or viewsets is imported here: rest_framework.views imports this
# module (its DEFAULT_PERMISSION_CLASSES) while it is itself being imported.


class Reach(enum.StrEnum):
    """How the objects an action works on are reached."""

    PUBLIC = "public"  # anyone, logged in or not: nothing in it is anyone's
    CREDENTIALS = "credentials"  # anyone: the request carries the credentials the view checks
    NATION = "nation"  # the same for every caller: reference data (the region tree, rates)
    SCOPE = "scope"  # rows inside the caller's region (jamsostek.core.scoping); 404 outside
    OWN = "own"  # the caller's own rows (reminders, import jobs; an admin's: every one)


# Rows anyone may use without logging in (their roles are every role, and nobody).
OPEN = frozenset({Reach.PUBLIC, Reach.CREDENTIALS})


@dataclass(frozen=True)
class Rule:
    """One row: the roles that may take an action, and how its objects are reached.

    ``name`` is given by the ``Table`` the row is declared in (``members:member.create``).
    """

    roles: frozenset[Role]
    reach: Reach
    name: str = field(default="", compare=False)

    def __post_init__(self):
        roles = frozenset(Role(role) for role in self.roles)
        if not roles:
            raise ValueError("A row lets somebody in: leave out an action nobody may take.")
        if self.reach in OPEN and roles != EVERY_ROLE:
            raise ValueError(f"An open row ({self.reach}) is every role's, and anonymous.")
        object.__setattr__(self, "roles", roles)

    @property
    def is_open(self) -> bool:
        """Whether anonymous callers may use it too."""
        return self.reach in OPEN

    @property
    def refuses_a_role(self) -> bool:
        """Whether a logged-in caller may be refused (the schema then documents a 403)."""
        return not self.is_open and self.roles != EVERY_ROLE

    def allows(self, user) -> bool:
        if self.is_open:
            return True
        return bool(user and user.is_authenticated and user.is_active and user.role in self.roles)


class Table(Mapping[str, Rule]):
    """An app's rows by name; ``table["member.create"]`` is the row, named for its table."""

    def __init__(self, app: str, rows: Mapping[str, Rule]):
        self.app = app
        self._rows = {key: replace(rule, name=f"{app}:{key}") for key, rule in rows.items()}

    def __getitem__(self, key: str) -> Rule:
        try:
            return self._rows[key]
        except KeyError:
            raise KeyError(f"{self.app}/permissions.py has no row {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<Table {self.app}: {len(self)} rows>"

    def resource(self, name: str) -> Resource:
        """The rows of one API resource (``<name>.<action>``), for a view's ``permits``."""
        resource = Resource(self, name)
        if not resource.rows():
            raise KeyError(f"{self.app}/permissions.py has no row {name}.<action>")
        return resource


@dataclass(frozen=True)
class Resource:
    """The rows of one API view: ``<name>.<action>`` of ``table``."""

    table: Table
    name: str

    def row(self, action: str) -> Rule:
        return self.table[f"{self.name}.{action}"]

    def rows(self) -> dict[str, Rule]:
        prefix = f"{self.name}."
        return {
            key.removeprefix(prefix): rule
            for key, rule in self.table.items()
            if key.startswith(prefix)
        }


# --- the API -------------------------------------------------------------------------------


def permits_of(view) -> Resource:
    permits = getattr(view, "permits", None)
    if not isinstance(permits, Resource):
        raise ImproperlyConfigured(
            f"{type(view).__name__} names no rows: set permits = <APP>.resource(...) from "
            "its app's permissions.py"
        )
    return permits


def action_of(view, method: str) -> str | None:
    """The action a request takes: a viewset's DRF action, an APIView's method (HEAD is
    GET); None for OPTIONS and for a method the view does not answer (405 follows)."""
    method = method.lower()
    if method == "options" or method not in view.http_method_names:
        return None
    if getattr(view, "action_map", None) is not None:  # a viewset, routed
        # By the method, not ``view.action``: OPTIONS asks its permissions again for each
        # method it describes (DRF's metadata), under the action "metadata".
        return view.action_map.get(method)
    method = "get" if method == "head" else method
    return method if hasattr(view, method) else None


def rule_for(view, method: str) -> Rule | None:
    """The row governing ``method`` on ``view``; None where the request takes no action."""
    action = action_of(view, method)
    return None if action is None else permits_of(view).row(action)


class Permitted(BasePermission):
    """The API's permission class: the row of the view's resource for the action asked.

    A request that takes no action (OPTIONS, or a method the view does not answer) is let
    in by any row of the resource: who may do something there learns the method is not
    allowed (405), the others are refused as for its actions (401, 403).
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        rule = rule_for(view, request.method)
        if rule is not None:
            return rule.allows(request.user)
        return any(rule.allows(request.user) for rule in permits_of(view).rows().values())


# --- the kernel's own routes ---------------------------------------------------------------

CORE = Table(
    "core",
    {
        # /api/v1/ points to the rest, /api/v1/schema/ and /api/v1/docs/ describe it.
        "api-root.get": Rule(EVERY_ROLE, Reach.PUBLIC),
        "schema.get": Rule(EVERY_ROLE, Reach.PUBLIC),
        "docs.get": Rule(EVERY_ROLE, Reach.PUBLIC),
    },
)
