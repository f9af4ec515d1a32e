"""The JSON every request body is read with: DRF's parser, with limits a hostile body meets.

- Integers beyond ±(2**53 − 1) are refused as the body is parsed: no amount, count or id of
  this service comes near, JavaScript clients cannot hold them exactly, and PostgreSQL's
  bigint would refuse them later with a 500.
- A body nested so deeply that Python's parser runs out of stack (100,000 ``[``) is a 400,
  not a RecursionError (no login is needed to post one to /auth/token/).
- A lone UTF-16 surrogate (``"\\ud800"`` without its pair) is a 400: it is no character, so
  neither the database nor the UTF-8 of an answer that quotes it (a choice that is not one)
  can take it, and either was a 500.
"""

from __future__ import annotations

import codecs
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

LARGEST_INTEGER = 2**53 - 1
# json reads a pair of surrogate escapes as one character: any surrogate left is alone.
SURROGATE = re.compile("[\ud800-\udfff]")


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
            data = json.load(
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
        surrogate = _lone_surrogate(data)
        if surrogate:
            raise ParseError(
                _("Text in the body holds an unpaired UTF-16 surrogate (%(code_point)s).")
                % {"code_point": f"U+{ord(surrogate):04X}"},
                code="surrogate_characters_not_allowed",
            )
        return data


def _lone_surrogate(data) -> str | None:
    """The first lone surrogate in the body's keys and strings (without recursion: a body may
    be nested nearly as deep as the parser's stack allows)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = SURROGATE.search(item)
            if found:
                return found.group()
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None
