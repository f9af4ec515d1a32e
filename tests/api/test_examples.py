"""Every JSON body of the schema has an example, and every example fits its schema.

Examples come from the views (OpenApiExample), from answers recorded from the test suite
(`make examples` writes jamsostek/core/openapi_examples.json) or, for an error status no test
produced, a typical error body. When an answer's shape changes, the second test names the
example that no longer fits: run `make examples`.
"""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker

from tests.contract import published_schema

FILE_TYPES = (
    "application/octet-stream",
    "application/pdf",
    "image/",
    "text/csv",
    "application/vnd.",
)


def bodies():
    """(where, media type, content) of every request and response body of the schema."""
    for path, item in published_schema()["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            places = [("request", operation.get("requestBody", {}))]
            places += list(operation["responses"].items())
            for status, body in places:
                for media_type, content in body.get("content", {}).items():
                    yield f"{method.upper()} {path} {status}", media_type, content


def test_every_json_and_form_body_has_an_example():
    # Given every body of the schema but the files it sends (their bytes have no example)
    described = [
        (where, media_type)
        for where, media_type, content in bodies()
        if not media_type.startswith(FILE_TYPES)
    ]
    assert len(described) > 400
    # Then each has at least one example
    missing = [
        (where, media_type)
        for where, media_type, content in bodies()
        if not media_type.startswith(FILE_TYPES) and not content.get("examples")
    ]
    assert missing == []


@pytest.mark.parametrize("kind", ["request", "response"])
def test_every_example_fits_its_schema(kind):
    components = published_schema()["components"]
    unfit = []
    for where, media_type, content in bodies():
        if (where.endswith(" request")) != (kind == "request") or "examples" not in content:
            continue
        validator = OAS31Validator(
            {**content["schema"], "components": components}, format_checker=oas31_format_checker
        )
        for name, example in content["examples"].items():
            for error in validator.iter_errors(example["value"]):
                path = "/".join(map(str, error.absolute_path)) or "(body)"
                unfit.append(f"{where} [{media_type}] {name} at {path}: {error.message[:200]}")
    assert unfit == [], "\n".join(unfit[:30])
