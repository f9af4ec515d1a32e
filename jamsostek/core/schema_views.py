"""The views serving the schema, governed by the kernel's rows like every other view.

Apart from jamsostek.core.schema because drf-spectacular's views read its settings, which
name that module's generator, when they are imported.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .permissions import CORE, Permitted


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: the OpenAPI document, to anyone."""

    permission_classes = [Permitted]
    permits = CORE.resource("schema")


class DocsView(SpectacularSwaggerView):
    """``/api/v1/docs/``: the schema as Swagger UI, to anyone."""

    permission_classes = [Permitted]
    permits = CORE.resource("docs")
    # A page, not an operation: OPTIONS has no metadata to describe, and its answer would
    # go through the page's HTML renderer, which has no template for it (a 500): 405.
    http_method_names = ["get", "head"]
