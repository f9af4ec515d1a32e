"""Limits every request meets before a view reads it.

- A body larger than the service takes is refused by its Content-Length with 413, before
  anything is read or spooled to disk: multipart bodies (a spreadsheet or a transfer slip of
  at most 5 MB each, and their form fields) up to ``UPLOAD_MAX_BYTES``, every other body up to
  Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``. A body without a length that grows past the limit
  is caught as it is read (``RequestDataTooBig``, see errors.py).
- A NUL byte in the path or the query string is a 400: PostgreSQL cannot store or compare it,
  and no code, name or filter of this service contains one.

Under /api/ the answer is the API's error body; elsewhere (the console) a plain page.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def _refusal(request, status: int, code: str, detail: str):
    if request.path.startswith("/api/"):
        body = {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]}
        return JsonResponse(body, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def body_limit(request) -> int:
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return _refusal(
                request,
                400,
                "null_characters_not_allowed",
                _("Null characters are not allowed."),
            )
        length = request.META.get("CONTENT_LENGTH") or ""
        limit = body_limit(request)
        if length.isdigit() and int(length) > limit:
            return _refusal(
                request,
                413,
                "request_too_large",
                _("The request is larger than %(size)s.") % {"size": filesizeformat(limit)},
            )
        return self.get_response(request)
