"""One error type for domain refusals and one handler that renders every error as

    {"type": "validation_error"|"client_error"|"server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field"|null}]}

(the body of ../shared/API.md). drf-standardized-errors does the formatting; this module
teaches it about :class:`ApplicationError` and Django's own ``ValidationError``, and gives
plain Django views (unknown URLs, crashes outside DRF) the same body under ``/api/``.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_standardized_errors.formatter import ExceptionFormatter as _BaseFormatter
from drf_standardized_errors.handler import ExceptionHandler as _BaseHandler
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.serializers import as_serializer_error


class ApplicationError(Exception):
    """A request that is well formed but that the rules refuse.

    ``message`` is shown to the user, so build it with ``gettext``; ``attr`` names the
    field at fault, if any.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(
        self,
        message,
        *,
        code: str | None = None,
        attr: str | None = None,
        status_code: int | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.attr = attr
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class _Refusal(exceptions.APIException):
    def __init__(self, detail, code, status_code, attr=None):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.attr = attr


class ExceptionFormatter(_BaseFormatter):
    def get_errors(self):
        errors = super().get_errors()
        # A refusal that is not a 400 (403, 409) still names the field it is about.
        if isinstance(self.exc, _Refusal) and self.exc.attr and len(errors) == 1:
            errors[0].attr = self.exc.attr
        return errors


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = _("The request is too large.")


class ExceptionHandler(_BaseHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        # A body without a Content-Length that grows past the limit as it is read
        # (jamsostek/core/middleware.py refuses the others before they are read).
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
            return PayloadTooLarge()
        if isinstance(exc, ApplicationError):
            if exc.status_code == status.HTTP_400_BAD_REQUEST:
                detail = ErrorDetail(str(exc.message), code=exc.code)
                if exc.attr:
                    return exceptions.ValidationError({exc.attr: [detail]})
                return exceptions.ValidationError([detail])
            return _Refusal(str(exc.message), exc.code, exc.status_code, exc.attr)
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        if (
            not isinstance(exc, exceptions.ValidationError)
            and isinstance(exc, exceptions.APIException)
            and isinstance(exc.detail, dict)
            and "detail" in exc.detail
        ):
            # simplejwt's InvalidToken carries {"detail", "code", "messages"}: one error.
            exc.detail = ErrorDetail(
                str(exc.detail["detail"]), code=str(exc.detail.get("code", exc.default_code))
            )
        return super().convert_known_exceptions(exc)


def _error_body(exc: exceptions.APIException) -> dict:
    return {
        "type": "client_error" if exc.status_code < 500 else "server_error",
        "errors": [{"code": exc.default_code, "detail": str(exc.detail), "attr": None}],
    }


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(_error_body(exceptions.NotFound()), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(_error_body(exceptions.APIException()), status=500)
    return defaults.server_error(request)
