"""Settings for a public deployment (docker compose, gunicorn behind a proxy).

Passes ``manage.py check --deploy``: HTTPS only, secure cookies, HSTS. Set
``DJANGO_SECURE_SSL_REDIRECT=0`` only when the proxy in front already redirects.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# A cache every worker process shares (REDIS_URL): jamsostek.E001 refuses to run without;
# a database server (DATABASE_URL): jamsostek.E002.
REQUIRE_SHARED_CACHE = True
REQUIRE_DATABASE_SERVER = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Submitting a domain to the browsers' HSTS preload list is the operator's decision for a
# domain they own; turn it on with DJANGO_SECURE_HSTS_PRELOAD=1 and it stops being silenced.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
