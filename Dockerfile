# syntax=docker/dockerfile:1
# The jamsostek-desa API image: gunicorn by default; the same image runs the Celery worker,
# beat and one-off management commands (see docker-compose.yml).
#   docker build -t jamsostek-desa .
# Both stages must use the same base: the virtualenv links to its /usr/local/bin/python3.11.
ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the locked runtime dependencies in /app/.venv ---------------------------------
FROM ${PYTHON_IMAGE} AS builder

ARG UV_VERSION=0.13.8
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-group embedded --no-install-project

# --- runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/app/.venv \
    PATH="/app/.venv/bin:${PATH}" \
    DJANGO_SETTINGS_MODULE=jamsostek.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/media \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
# The code stays owned by root (read-only to the app user); only media/ is writable.
COPY . /app

# The secret key is needed only to import the settings; it lives in this step alone.
RUN DJANGO_SECRET_KEY=collectstatic-at-build-time-only \
        python manage.py collectstatic --noinput --verbosity 1 \
    && python -m compileall -q -x '/\.venv/' /app \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app
EXPOSE 8000

# /healthz must be asked for under a host Django accepts: the first of DJANGO_ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; h = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.*') or 'localhost'; r = u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}); sys.exit(0 if u.urlopen(r, timeout=5).status == 200 else 1)"]

# Workers come from WEB_CONCURRENCY (gunicorn reads it); each runs 4 threads (gthread).
# Access log to stdout, errors to stderr; no control socket (nothing to attach to it here).
CMD ["gunicorn", "jamsostek.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--threads", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--no-control-socket"]
