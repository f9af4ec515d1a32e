"""One table of who may do what, per app: every door reads it, and nothing else says it.

Each app's ``permissions.py`` declares one ``Table`` (jamsostek/core/permissions.py). The
walk below goes over every route the URL resolver knows under /api/v1/ (each viewset's
actions by the router's method → action map, each APIView's methods) and in the console,
and over every ModelAdmin of the Django admin: each action, page and admin verb is
governed by exactly one row of exactly one table, and every row governs something. Who
gets which status by those rows is tests/api/test_scope_matrix.py's and
tests/console/test_scope.py's.

Below the walk: no module but jamsostek/core/choices.py spells a role's value (read with
``ast``, as tests/test_architecture.py reads imports), and the schema's 403s are the rows'.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict

import pytest
from django.contrib import admin
from django.urls import reverse
from drf_spectacular.generators import EndpointEnumerator
from drf_spectacular.settings import spectacular_settings
from rest_framework.views import APIView

from jamsostek.core.admin import PermittedAdmin, ScopedAdmin
from jamsostek.core.choices import EVERY_ROLE, Role
from jamsostek.core.permissions import Permitted, Reach, Resource, Rule, Table
from tests.contract import published_schema
from tests.matrix import resolver_patterns
from tests.test_architecture import MODULES

API_PREFIX = "api/v1/"
APPS = ["jamsostek.core", "villages", "accounts", "members", "contributions", "reports", "console"]
ADMIN_APPS = {"villages", "accounts", "members", "contributions"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def tables() -> dict[str, Table]:
    """Each app's one table, from its permissions.py."""
    found = {}
    for app in APPS:
        module = importlib.import_module(f"{app}.permissions")
        declared = [value for value in vars(module).values() if isinstance(value, Table)]
        assert len(declared) == 1, f"{app}/permissions.py declares {len(declared)} tables"
        found[declared[0].app] = declared[0]
    return found


TABLES = tables()


def row_of(rule: Rule) -> tuple[str, str]:
    """(table, row name) of a row read from a table; the row must be that table's."""
    app, _, key = rule.name.partition(":")
    assert app in TABLES and TABLES[app].get(key) == rule, f"{rule} is no table's row"
    return app, key


# --- the walk --------------------------------------------------------------------------------


def api_routes():
    """(route, URL name, view class, method, action or None) of every API operation."""
    for pattern, route, _namespaces in resolver_patterns():
        if not route.startswith(API_PREFIX):
            continue
        callback = pattern.callback
        view = getattr(callback, "cls", None)
        assert view is not None, f"{route} is not a DRF view"
        actions = getattr(callback, "actions", None)
        if actions is not None:  # a viewset: the router's method → action map
            for method, action in actions.items():
                if method in view.http_method_names and method != "head":
                    yield route, pattern.name, view, method, action
        else:  # an APIView: a row per method it answers
            for method in HTTP_METHODS:
                if method in view.http_method_names and hasattr(view, method):
                    yield route, pattern.name, view, method, None


def console_routes():
    """(route, URL name, view function) of every console page."""
    for pattern, route, namespaces in resolver_patterns():
        if "console" in namespaces:
            yield route, pattern.name, pattern.callback


def our_model_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ADMIN_APPS
    ]


def walk() -> dict[tuple[str, str], set[str]]:
    """Every (table, row) the API, the console and the admin read, with what reads it."""
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    for route, _name, view, method, action in api_routes():
        key = f"{view.permits.name}.{action or method}"
        used[row_of(view.permits.table[key])].add(f"{method.upper()} /{route}")
    for route, _name, page in console_routes():
        for method, rule in page.permits.items():
            used[row_of(rule)].add(f"{method} /{route}")
    for model, model_admin in our_model_admins():
        inlines = [inline for inline in model_admin.inlines if issubclass(inline, PermittedAdmin)]
        for owner in [type(model_admin), *inlines]:
            for verb, rule in owner.permits.items():
                used[row_of(rule)].add(f"admin {model._meta.label} {owner.__name__} {verb}")
    return used


def test_each_app_declares_its_table_once_in_its_permissions_module():
    # Given every module of the project, then only the apps' permissions.py build a Table
    builders = sorted(
        module
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Table"
    )
    assert builders == sorted(f"{app}.permissions" for app in APPS)
    # And no row name is in two tables: a name says which table governs
    names = [key for table in TABLES.values() for key in table]
    assert sorted({key for key in names if names.count(key) > 1}) == []


def test_every_api_operation_is_governed_by_its_row_and_nothing_else():
    operations = list(api_routes())
    assert len(operations) >= 60, operations
    for route, name, view, method, action in operations:
        where = f"{method.upper()} /{route}"
        # Given the view's permission classes: the table's reader alone, not overridden
        assert list(view.permission_classes) == [Permitted], where
        for hook in ("get_permissions", "check_permissions", "check_object_permissions"):
            assert getattr(view, hook) is getattr(APIView, hook), f"{where}: {hook}"
        # Then its rows are its resource's, named as the URL names it (the matrices' keys)
        assert isinstance(view.permits, Resource), where
        if action is None:
            assert view.permits.name == name, where
        else:
            assert f"{view.permits.name}-" in f"{name}-", where
        # And the action (an APIView's method) has its row
        key = f"{view.permits.name}.{action or method}"
        assert key in view.permits.table, f"{where}: add {key!r} to {view.permits.table}"


def test_every_extra_action_of_a_viewset_is_walked():
    # Given each viewset the resolver routes, when its @action methods are listed
    walked = defaultdict(set)
    for _route, _name, view, _method, action in api_routes():
        if action is not None:
            walked[view].add(action)
    # Then each is reached by some route (so the walk above saw it)
    for view, actions in walked.items():
        extra = {function.__name__ for function in view.get_extra_actions()}
        assert extra <= actions, f"{view.__name__}: {sorted(extra - actions)} not routed"


def test_every_console_page_is_governed_by_one_row_per_method():
    pages = list(console_routes())
    assert len(pages) >= 25, pages
    for route, _name, page in pages:
        permits = getattr(page, "permits", None)
        assert permits is not None, f"/{route}: decorate the view with console.access.permit"
        assert "*" in permits and set(permits) <= {"*", "GET", "POST"}, route
        for rule in permits.values():
            row_of(rule)


def test_every_model_admin_reads_the_rows_and_scopes_as_they_say():
    admins = our_model_admins()
    assert len(admins) >= 8, admins
    for model, model_admin in admins:
        # Given each ModelAdmin of the apps, then it answers from its rows
        assert isinstance(model_admin, PermittedAdmin), model._meta.label
        assert "view" in model_admin.permits, model._meta.label
        # And its list is scoped exactly when its rows say the objects are reached by scope
        scoped = isinstance(model_admin, ScopedAdmin)
        assert scoped == (model_admin.permits["view"].reach == Reach.SCOPE), model._meta.label
        for rule in model_admin.permits.values():
            assert rule.reach == model_admin.permits["view"].reach, model._meta.label


def test_every_row_governs_something():
    used = walk()
    dead = sorted(
        f"{app}:{key}" for app, table in TABLES.items() for key in table if (app, key) not in used
    )
    assert dead == [], f"rows no route, page or admin reads: {dead}"


def test_the_console_budget_form_may_take_both_budget_actions():
    # The console's budget form adds a budget or changes an amount under budget.create:
    # it may only while the API's two rows agree.
    table = TABLES["contributions"]
    assert table["budget.create"].roles == table["budget.partial_update"].roles


# --- the rows themselves -------------------------------------------------------------------


def test_a_row_names_somebody_and_an_open_row_everybody():
    with pytest.raises(ValueError):
        Rule(frozenset(), Reach.SCOPE)
    with pytest.raises(ValueError):
        Rule({Role.ADMIN}, Reach.PUBLIC)
    with pytest.raises(ValueError):
        Rule({"superuser"}, Reach.SCOPE)
    assert Rule(EVERY_ROLE, Reach.PUBLIC).allows(None)
    assert not Rule(EVERY_ROLE, Reach.SCOPE).allows(None)


def test_the_schema_documents_a_403_exactly_where_a_row_refuses_a_role():
    # Given every operation the schema generator sees, with the row that governs it
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    paths = published_schema()["paths"]
    checked = 0
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        view = generator.create_view(callback, method)
        operation = paths.get(generator.coerce_path(path, method, view), {}).get(method.lower())
        if operation is None:  # the schema and its docs page are not operations
            continue
        rule = view.permits.row(getattr(view, "action", None) or method.lower())
        # Then the 403 is there where some role is refused, and open rows need no login
        assert ("403" in operation["responses"]) == rule.refuses_a_role, (method, path)
        assert ({} in operation.get("security", [])) == (rule.reach == Reach.PUBLIC)
        checked += 1
    assert checked >= 55


# --- role names come from core --------------------------------------------------------------


def role_literals(source: str) -> list[tuple[str, int]]:
    """``(value, line)`` of every string constant in ``source`` that is a role's value."""
    return [
        (node.value, node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in Role.values
    ]


def test_no_module_but_core_choices_spells_a_role():
    found = sorted(
        f"{module}:{line} {value!r}: use jamsostek.core.choices.Role"
        for module, path in MODULES.items()
        if module != "jamsostek.core.choices"
        for value, line in role_literals(path.read_text())
    )
    assert found == [], "\n".join(found)


def test_the_role_reader_sees_roles_in_any_string_position():
    # Given roles spelled as a comparison, a tuple member, an f-string part and a key
    source = (
        'ok = user.role == "admin"\n'
        'staff = ("pmd_auditor", "x")\n'
        'label = f"{name}" + "bpjs_officer"\n'
        'example = {"role": "village_operator", "admin/": 1}\n'
    )
    # When the reader reads it, then it finds each, and nothing that merely contains one
    assert sorted(role_literals(source)) == [
        ("admin", 1),
        ("bpjs_officer", 3),
        ("pmd_auditor", 2),
        ("village_operator", 4),
    ]


# --- OPTIONS ---------------------------------------------------------------------------------

# A value for each URL parameter the API's routes take: what they are need not exist.
SAMPLE_KWARGS = {"pk": "1", "code": "33.26.13.2008"}


def api_paths() -> list[str]:
    """A concrete path of every API route (sample values for its parameters)."""
    paths = set()
    for pattern, route, namespaces in resolver_patterns():
        if route.startswith(API_PREFIX) and getattr(pattern.callback, "cls", None):
            kwargs = {name: SAMPLE_KWARGS[name] for name in pattern.pattern.regex.groupindex}
            paths.add(reverse(":".join((*namespaces, pattern.name)), kwargs=kwargs))
    return sorted(paths)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*Role, None], ids=[*Role.values, "anonymous"])
def test_options_answers_every_role_on_every_route_without_a_server_error(api, make_user, role):
    # Given a caller of each role (and nobody), when each asks OPTIONS of every API route
    # (DRF's metadata asks the permissions again for each method it describes)
    client = api(make_user(role)) if role else api()
    answers = {path: client.options(path) for path in api_paths()}
    # Then every answer is the route's metadata or a refusal, never a server error
    errors = {path: r.status_code for path, r in answers.items() if r.status_code >= 500}
    assert not errors, errors
    assert {r.status_code for r in answers.values()} <= {200, 401, 403, 404, 405}
