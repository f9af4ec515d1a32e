from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response_schema(self, schema):
        # DRF writes `nullable: true`, which OpenAPI 3.1 (our schema) no longer has: the
        # first and last pages' `previous`/`next` are null.
        body = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            prop = body["properties"][link]
            prop.pop("nullable", None)
            prop["type"] = ["string", "null"]
        body["required"] = ["count", "next", "previous", "results"]
        return body
