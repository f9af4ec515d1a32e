"""Cells of the files we hand out (CSV and XLSX exports and reports).

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, a tab or a carriage return) as a formula: a member named ``=cmd|'/C calc'!A0`` or a
phone number like it would run on the auditor's computer (CSV injection). Every text cell
that starts so is written with a leading apostrophe, which shows it as text. Numbers and
dates are not text and pass unchanged.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
