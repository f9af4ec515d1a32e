"""The API's description of itself: the OpenAPI schema and the root that points to it.

Clients are generated from the schema (openapi-generator, openapi-python-client), so the
schema must be the same document whoever asks for it: it is always generated in English,
whatever the request's ``Accept-Language`` (or ``?lang=``) says. The answers themselves stay
in the caller's language; only the published description of them is fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .permissions import CORE, Permitted, Reach, rule_for

SCHEMA_LANGUAGE = "en"


def _resolved(value):
    """``value`` with every lazy translation turned into a plain string (of the active
    language), so that rendering later, under the request's language, changes nothing."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {_resolved(key): _resolved(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_resolved(item) for item in value]
    return value


class SchemaGenerator(BaseSchemaGenerator):
    """drf-spectacular's generator, always in :data:`SCHEMA_LANGUAGE`."""

    def get_schema(self, request=None, public=False):
        with translation.override(SCHEMA_LANGUAGE):
            return _resolved(super().get_schema(request=request, public=public))


# --- the error body ------------------------------------------------------------------------
#
# drf-standardized-errors documents a 400 body per operation, with an enum of the error codes
# it can infer per field. Those enums missed every code the rules raise (`nik_format`,
# `dana_desa_not_allowed`, `invalid_scope`, …), so real answers disagreed with the schema and
# strict clients failed to parse them. Every error status is documented with one body whose
# `code` is a string; docs/api.md lists the codes.

ERROR_TYPES = [
    ("validation_error", "validation_error"),
    ("client_error", "client_error"),
    ("server_error", "server_error"),
]


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. `required`, `nik_format`, "
        "`not_found`, `throttled` (docs/api.md lists them)."
    )
    detail = serializers.CharField(help_text="A message for people, in the request's language.")
    attr = serializers.CharField(
        allow_null=True,
        help_text="The field at fault (`roles.0.term_end` for nested ones), or null.",
    )


class ErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ERROR_TYPES)
    errors = ErrorSerializer(many=True)

    class Meta:
        ref_name = "ErrorResponse"


# Which error statuses an operation documents beyond drf-standardized-errors' own inference.
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' schema with one error body, 409 and 413 on every write (a
    record's state can refuse it; a body can be too large) and the statuses a view declares in ``schema_error_statuses``
    (e.g. the login's 401 and 429). Whether a 403 may come and whether anonymous callers
    may call are read from the operation's row (jamsostek.core.permissions), as the
    permission class reads it."""

    def _rule(self):
        return rule_for(self.view, self.method) if hasattr(self.view, "permits") else None

    def _should_add_http403_error_response(self) -> bool:
        rule = self._rule()
        if rule is None:
            return super()._should_add_http403_error_response()
        return rule.refuses_a_role

    def get_auth(self):
        auths = super().get_auth()
        rule = self._rule()
        if rule is not None and rule.reach == Reach.PUBLIC and {} not in auths:
            auths.append({})  # OpenAPI's "no authentication needed"
        return auths

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        # Errors are JSON whatever the operation's renderers (a report asked for as CSV
        # answers its 400 as JSON).
        if str(status_code).startswith(("4", "5")) and serializer is ErrorResponseSerializer:
            media_types = ["application/json"]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code in responses:
            return False
        if status_code in getattr(self.view, "schema_error_statuses", ()):
            return True
        if status_code == "409":
            return self.method in WRITE_METHODS and not getattr(self.view, "schema_no_409", False)
        if status_code == "413":  # a body over the size limit (jamsostek/core/middleware.py)
            return self.method in WRITE_METHODS
        return super()._should_add_error_response(responses, status_code)


# --- examples ------------------------------------------------------------------------------
#
# Every JSON body of the schema carries an example. Where a view gives none, the hook below
# takes the answer recorded from the test suite (`make examples` rewrites the file; a test
# fails when an example no longer fits its schema), and for an error status no test produced,
# a typical body of that status.

EXAMPLES_FILE = Path(__file__).resolve().parent / "openapi_examples.json"


def _error(code: str, detail: str, attr: str | None = None, kind: str = "client_error") -> dict:
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


TYPICAL_ERRORS = {
    "400": _error("required", "This field is required.", "village", "validation_error"),
    "401": _error("not_authenticated", "Authentication credentials were not provided."),
    "403": _error("permission_denied", "You do not have permission to perform this action."),
    "404": _error("not_found", "Not found."),
    "405": _error("method_not_allowed", 'Method "PUT" not allowed.'),
    "406": _error("not_acceptable", "Could not satisfy the request Accept header."),
    "409": _error("conflict", "The record's state does not allow this."),
    "413": _error("request_too_large", "The request is larger than 2.5 MB."),
    "415": _error("unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    "429": _error("throttled", "Request was throttled. Expected available in 3600 seconds."),
    "500": _error("error", "A server error occurred.", kind="server_error"),
}


def add_examples(result, generator, request, public):
    """drf-spectacular postprocessing hook: an example for every JSON body that has none."""
    recorded = json.loads(EXAMPLES_FILE.read_text()) if EXAMPLES_FILE.exists() else {}
    for path, item in result["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += list(operation.get("responses", {}).items())
            for status, body in bodies:
                content = body.get("content", {}).get("application/json")
                if content is None or content.get("examples") or content.get("example"):
                    continue
                key = f"{method.upper()} {path} {status}"
                if key in recorded:
                    summary = "an answer recorded from the test suite"
                    if status == "request":
                        summary = "a request recorded from the test suite"
                    content["examples"] = {"recorded": {"summary": summary, "value": recorded[key]}}
                elif status in TYPICAL_ERRORS:
                    content["examples"] = {
                        "typical": {
                            "summary": f"a typical {status}",
                            "value": TYPICAL_ERRORS[status],
                        }
                    }
    return result


# The collections a newcomer starts from: their path's name → the router's `<basename>-list`.
COLLECTIONS = {
    "regions": "region-list",
    "villages": "village-list",
    "members": "member-list",
    "bills": "bill-list",
    "payments": "payment-list",
    "arrears": "arrears-list",
    "budgets": "budget-list",
    "claims": "claim-list",
    "rates": "rate-list",
    "reliefs": "relief-list",
    "notifications": "notification-list",
    "users": "user-list",
}


class ApiRootView(APIView):
    """``/api/v1/``: where to go from here, answered to anyone (nothing in it is private)."""

    permission_classes = [Permitted]
    permits = CORE.resource("api-root")
    authentication_classes = []

    @extend_schema(
        operation_id="root",
        tags=["root"],
        summary="Where to start: the schema, the docs, the console, login and the collections",
        responses=inline_serializer(
            "ApiRoot",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "schema": serializers.URLField(),
                "docs": serializers.URLField(),
                "console": serializers.URLField(),
                "token": serializers.URLField(help_text="POST username and password for a JWT"),
                "collections": serializers.DictField(child=serializers.URLField()),
            },
        ),
    )
    def get(self, request):
        def url(name):
            return request.build_absolute_uri(reverse(name))

        spectacular = settings.SPECTACULAR_SETTINGS
        return Response(
            {
                "name": spectacular["TITLE"],
                "version": spectacular["VERSION"],
                "schema": url("schema"),
                "docs": url("docs"),
                "console": url("console:home"),
                "token": url("token-obtain"),
                "collections": {key: url(name) for key, name in COLLECTIONS.items()},
            }
        )
