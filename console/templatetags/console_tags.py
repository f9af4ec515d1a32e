"""Formatting the console's figures the way people read them."""

from __future__ import annotations

from django import template
from django.utils.dateparse import parse_datetime

from jamsostek.core.choices import Category
from jamsostek.core.money import format_rupiah
from members.nik import mask_nik

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    """``1234500`` → ``Rp 1.234.500``."""
    if amount is None or amount == "":
        return "–"
    return format_rupiah(int(amount))


@register.filter
def category_label(category: str) -> str:
    try:
        return Category(category).label
    except ValueError:
        return category


@register.filter
def percent(value) -> str:
    """``37.5`` → ``37,5 %``; None → ``–``."""
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + " %"


@register.filter
def masked_nik(nik: str) -> str:
    """As lists show it: ``3326********0001``."""
    return mask_nik(nik)


@register.filter
def absolute(value):
    return abs(value) if value is not None else value


@register.filter
def is_image(name: str) -> bool:
    """Whether an evidence file's name says it is a photo (shown inline) rather than a PDF."""
    return str(name or "").lower().endswith((".jpg", ".jpeg", ".png"))


@register.filter
def iso_datetime(value):
    """An ISO 8601 timestamp (as the API's bodies carry them) → a datetime to format."""
    return parse_datetime(value) if isinstance(value, str) else value
