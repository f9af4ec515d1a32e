"""The console's URL patterns, as the resolver knows them: what the guards walk."""

from __future__ import annotations

from django.urls import URLPattern

from tests.matrix import described, resolver_patterns

NAMESPACE = "console"


def console_patterns() -> list[tuple[URLPattern, str]]:
    """Every URL pattern in the console namespace, with its route."""
    return [
        (pattern, "/" + route)
        for pattern, route, namespaces in resolver_patterns()
        if NAMESPACE in namespaces
    ]


def console_url_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, URL kwargs) of every URL pattern in the console namespace."""
    return [described(pattern, route) for pattern, route in console_patterns()]
