"""Console forms are the API's serializers: a page validates with the endpoint's serializer
and writes with the endpoint's service, so a refusal reads the same in both."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError

from jamsostek.core.errors import ApplicationError

FORM = "form"  # the key of errors about the whole form


@dataclass
class Submission:
    """What a posted form became: ``result`` of the service, or ``errors`` by field (the
    key ``FORM`` for errors of the whole form) to show beside the fields."""

    result: object = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def submit(serializer, service, **extra) -> Submission:
    """Validate ``serializer`` (bound to the posted data), then call ``service`` with its
    data and ``extra``; an ApplicationError or Django ValidationError becomes field errors."""
    if not serializer.is_valid():
        return Submission(errors=_flatten(serializer.errors))
    try:
        return Submission(result=service(**serializer.validated_data, **extra))
    except ApplicationError as exc:
        return Submission(errors={exc.attr or FORM: [str(exc.message)]})
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            return Submission(
                errors={
                    attr: [m for e in errors for m in e.messages]
                    for attr, errors in exc.error_dict.items()
                }
            )
        return Submission(errors={FORM: list(exc.messages)})


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors → ``{"field": [...], "position_counts.rt": [...]}``."""
    flat: dict[str, list[str]] = {}
    items = errors.items() if isinstance(errors, dict) else [("", errors)]
    for name, value in items:
        key = f"{prefix}.{name}" if prefix and name else (name or prefix)
        if isinstance(value, dict):
            flat.update(_flatten(value, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                flat.update(_flatten(item, f"{key}.{index}"))
        else:
            messages = value if isinstance(value, list) else [value]
            target = FORM if key in ("non_field_errors", "") else key
            flat.setdefault(target, []).extend(str(m) for m in messages)
    return flat
