import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jamsostek.settings.production")

application = get_wsgi_application()

from jamsostek.core.heap import settle  # noqa: E402 - Django is set up by now

settle()
