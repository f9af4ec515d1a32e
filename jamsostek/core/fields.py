"""Serializer fields the API's conventions call for."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# The largest sum any body may carry: a trillion rupiah, far above a regency's yearly ADD and
# far below what PostgreSQL's bigint holds (a 19-digit amount was a 500, not a 400).
MONEY_MAX = 10**12
DIGITS = re.compile(r"[0-9]+")


class MoneyField(serializers.IntegerField):
    """Whole rupiah as a JSON number (or a string of digits, from a form).

    DRF's IntegerField reads "10.000" as 10 (it drops a trailing ".000"), but in Indonesia
    that is ten thousand: anything with separators or decimals is refused, not guessed.
    """

    default_error_messages = {
        "money": _("Write whole rupiah as a number without separators, e.g. 1000000."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MONEY_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or isinstance(data, float) and not data.is_integer():
            self.fail("money")
        # ASCII digits only: str.isdigit() also takes "٣٠٠٠" (Arabic-Indic), which int() reads.
        if isinstance(data, str) and not DIGITS.fullmatch(data.strip()):
            self.fail("money")
        return super().to_internal_value(data)


class ScopedObjectField(serializers.IntegerField):
    """An object's id in, the object out, found among what the caller may see.

    ``selector(user)`` gives the caller's queryset (e.g. ``bills_for``); an id outside it
    is refused with ``message`` and ``code``, the same as an id that does not exist, so the
    answer never confirms that something outside the scope exists. Out: the id.
    """

    def __init__(self, *, selector, message, code: str, **kwargs):
        self.selector = selector
        self.message = message
        self.code = code
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        pk = super().to_internal_value(data)
        user = self.context.get("user") or getattr(self.context.get("request"), "user", None)
        found = self.selector(user).filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError(self.message, code=self.code)
        return found

    def to_representation(self, value):
        return super().to_representation(getattr(value, "pk", value))
