"""Celery entry points of the accounts app."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.tokens_flush_expired")
def tokens_flush_expired() -> dict:
    """Nightly: forget expired refresh tokens (by hand: ``manage.py flushexpiredtokens``)."""
    return services.tokens_flush_expired()
