"""The JSON every request body is read with: DRF's parser, with limits a hostile body meets.

- Integers beyond ±(2**53 − 1) are refused as the body is parsed: no amount, count or id of
  this service comes near, JavaScript clients cannot hold them exactly, and PostgreSQL's
  bigint would refuse them later with a 500.
- A body nested so deeply that Python's parser runs out of stack (100,000 ``[``) is a 400,
  not a RecursionError (no login is needed to post one to /auth/token/).
"""

from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

LARGEST_INTEGER = 2**53 - 1


class _NumberTooLarge(ValueError):
    pass


def _integer(text: str) -> int:
    value = int(text)
    if abs(value) > LARGEST_INTEGER:
        raise _NumberTooLarge(text)
    return value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        strict = api_settings.STRICT_JSON
        try:
            reader = codecs.getreader(encoding)(stream)
            return json.load(
                reader,
                parse_int=_integer,
                parse_constant=json.strict_constant if strict else None,
            )
        except _NumberTooLarge:
            raise ParseError(
                _("A number in the body is too large (at most %(largest)s).")
                % {"largest": LARGEST_INTEGER},
                code="number_too_large",
            ) from None
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
