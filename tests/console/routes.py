"""The console's URL patterns, as the resolver knows them: what the guards walk."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

NAMESPACE = "console"


def console_patterns() -> list[tuple[URLPattern, str]]:
    """Every URL pattern in the console namespace, with its route."""

    def walk(patterns, prefix, inside):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns, route, inside or pattern.namespace == NAMESPACE
                )
            elif inside:
                yield pattern, route

    return list(walk(get_resolver().url_patterns, "/", False))


def console_url_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, URL kwargs) of every URL pattern in the console namespace."""
    return [
        (pattern.name, route, sorted(pattern.pattern.regex.groupindex))
        for pattern, route in console_patterns()
    ]
