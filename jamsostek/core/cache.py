"""A cache that keeps working when the shared one does not answer.

The login throttle counts failures in the shared cache (Redis), so that every worker
process sees the same count. When Redis is down that must not turn every login into a 500:
the throttle falls back to this process's own memory (a local limit, per process) until the
shared cache answers again. Redis is asked with short socket timeouts (settings), so a dead
one costs a login about a second.
"""

from __future__ import annotations

import logging

from django.core.cache import caches

logger = logging.getLogger(__name__)

LOCAL = "local"


class FailOpenCache:
    def __init__(self, alias: str = "default"):
        self.alias = alias

    def _call(self, method: str, *args, **kwargs):
        try:
            return getattr(caches[self.alias], method)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - any backend error: use the local cache instead
            logger.warning("cache %r did not answer; using this process's", self.alias)
            return getattr(caches[LOCAL], method)(*args, **kwargs)

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout=None):
        return self._call("set", key, value, timeout)

    def delete(self, key):
        return self._call("delete", key)


fail_open_cache = FailOpenCache()
