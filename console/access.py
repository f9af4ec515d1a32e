"""Who may open which page: each view names its row of an app's table (``permit``)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import resolve

from jamsostek.core.permissions import Rule, Table


def permit(table: Table, row: str, **by_method: str):
    """A page governed by ``table[row]``, or for a method named in ``by_method``
    (``post="budget.create"``) by that row. Anonymous visitors are sent to the login page
    unless the rows are open; roles a row refuses, 403.

    The view's rows, by method (``"*"``: the others), are its ``permits``.
    """
    permits: dict[str, Rule] = {"*": table[row]}
    permits.update({method.upper(): table[name] for method, name in by_method.items()})
    open_rows = {rule.is_open for rule in permits.values()}
    if len(open_rows) != 1:
        raise ValueError("A page is open to anonymous visitors by every method, or by none.")

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            rule = permits.get(request.method, permits["*"])
            if not rule.allows(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.permits = permits
        return wrapped if open_rows == {True} else login_required(wrapped)

    return decorate


def page_rule(url: str, method: str = "GET") -> Rule:
    """The row governing ``method`` on the console page at ``url``."""
    permits = resolve(url).func.permits
    return permits.get(method, permits["*"])
