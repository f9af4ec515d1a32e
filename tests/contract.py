"""Every answer the suite gets from the API is held to the published OpenAPI schema.

``conftest.py`` wraps Django's test client (and so DRF's ``APIClient``) so that each response
to a path under ``/api/v1/`` is checked here: the operation must document its status code,
and a JSON body must validate against the documented schema (types, required fields,
nullability, enums, formats) with openapi-schema-validator's OpenAPI 3.1 validator.
A file answer (CSV, XLSX, PDF) must be one of the documented media types. A mismatch fails
the test that received it, naming the operation and what disagreed.

The schema is the one ``/api/v1/schema/`` serves, generated once per test process.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from openapi_schema_validator import OAS31Validator, oas31_format_checker

API_PREFIX = "/api/v1/"
# The schema and its docs page describe the API; they are not operations of it.
NOT_OPERATIONS = ("/api/v1/schema/", "/api/v1/docs/")


class ContractError(AssertionError):
    """An answer the published schema does not describe."""


@functools.cache
def published_schema() -> dict:
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    # Through JSON, as a client receives it (dates as strings, tuples as lists).
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), default=str))


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern
    literal_parts: int


@functools.cache
def routes() -> tuple[Route, ...]:
    found = []
    for template in published_schema()["paths"]:
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        literal_parts = sum(1 for part in template.split("/") if part and "{" not in part)
        found.append(Route(template, re.compile(f"^{regex}$"), literal_parts))
    # `/members/import/` before `/members/{id}/`: the more literal route wins.
    return tuple(sorted(found, key=lambda route: -route.literal_parts))


def route_for(path: str) -> str | None:
    return next((route.template for route in routes() if route.pattern.match(path)), None)


@functools.cache
def validator(template: str, method: str, status: str, media_type: str):
    components = published_schema()["components"]
    operation = published_schema()["paths"][template][method]
    schema = operation["responses"][status]["content"][media_type]["schema"]
    # The components ride along in the root so that `#/components/schemas/…` resolves.
    return OAS31Validator({**schema, "components": components}, format_checker=oas31_format_checker)


@functools.cache
def error_validator():
    components = published_schema()["components"]
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    return OAS31Validator({**schema, "components": components}, format_checker=oas31_format_checker)


def check(request_method: str, path: str, response) -> None:
    """Raise :class:`ContractError` if ``response`` is not what the schema promises."""
    if not path.startswith(API_PREFIX) or path.startswith(NOT_OPERATIONS):
        return
    template = route_for(path)
    if template is None:
        # A path the API does not have can only be a 404 (its body is the usual error body).
        if response.status_code != 404:
            raise ContractError(f"{request_method} {path}: {response.status_code} on no route")
        return
    method = request_method.lower()
    item = published_schema()["paths"][template]
    if method in ("head", "options"):
        return
    where = f"{request_method} {template} → {response.status_code}"
    if method not in item:
        # A method the path does not have: refused (405, or 401/403 before that is known)
        # with the error body every operation documents.
        if not 400 <= response.status_code < 500:
            raise ContractError(f"{where}: an undocumented method was not refused")
        _validate(where, error_validator(), response.content)
        return
    responses = item[method]["responses"]
    status = str(response.status_code)
    if status not in responses:
        raise ContractError(f"{where}: status not documented (documented: {sorted(responses)})")
    content = responses[status].get("content")
    body = getattr(response, "content", b"") if not getattr(response, "streaming", False) else None
    if not content:
        if body:
            raise ContractError(f"{where}: a body where the schema documents none")
        return
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    if media_type not in content:
        raise ContractError(f"{where}: {media_type!r} is not among {sorted(content)}")
    if not media_type.endswith("json") or body is None:
        return
    _validate(where, validator(template, method, status, media_type), body)


def _validate(where: str, schema_validator, body: bytes) -> None:
    errors = sorted(
        schema_validator.iter_errors(json.loads(body)),
        key=lambda error: list(error.absolute_path),
    )
    if errors:
        described = "\n".join(
            f"  at {'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:300]}"
            for error in errors[:10]
        )
        raise ContractError(f"{where}: the body disagrees with the schema\n{described}")


# --- recording examples ---------------------------------------------------------------------
#
# `make examples` runs the API tests with RECORD_EXAMPLES set to the examples file: for each
# operation, status and body (and each JSON request that got a 2xx), the richest value seen is
# kept, its lists cut to two items, and written out at the end. The schema serves them as the
# bodies' examples (jamsostek/core/schema.py); tests/api/test_examples.py checks that every
# JSON body has one and that every example still validates.

EXAMPLE_LIST_ITEMS = 2


def _trimmed(value):
    if isinstance(value, list):
        return [_trimmed(item) for item in value[:EXAMPLE_LIST_ITEMS]]
    if isinstance(value, dict):
        return {key: _trimmed(item) for key, item in value.items()}
    return value


def _richness(value) -> int:
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        return sum(_richness(item) for item in items) + 1
    return 0 if value in (None, "", 0, False) else 1


class Recorder:
    def __init__(self):
        self.examples: dict[str, object] = {}

    def keep(self, key: str, value) -> None:
        value = _trimmed(value)
        if key not in self.examples or _richness(value) > _richness(self.examples[key]):
            self.examples[key] = value

    def record(self, method: str, path: str, request_body: bytes | None, response) -> None:
        template = route_for(path)
        if template is None or path.startswith(NOT_OPERATIONS):
            return
        if method.lower() not in published_schema()["paths"][template]:
            return  # a method the path does not have: no operation to give an example to
        method = method.upper()
        media_type = response.get("Content-Type", "").split(";")[0].strip()
        streamed = getattr(response, "streaming", False)
        if media_type == "application/json" and not streamed and response.content:
            key = f"{method} {template} {response.status_code}"
            self.keep(key, json.loads(response.content))
        if request_body and 200 <= response.status_code < 300:
            self.keep(f"{method} {template} request", json.loads(request_body))

    def write(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(self.examples, file, ensure_ascii=False, indent=1, sort_keys=True)
            file.write("\n")
