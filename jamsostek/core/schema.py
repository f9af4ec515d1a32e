"""The API's description of itself: the OpenAPI schema and the root that points to it.

Clients are generated from the schema (openapi-generator, openapi-python-client), so the
schema must be the same document whoever asks for it: it is always generated in English,
whatever the request's ``Accept-Language`` (or ``?lang=``) says. The answers themselves stay
in the caller's language; only the published description of them is fixed.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

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

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
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
