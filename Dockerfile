# The Rounds image: one image runs the web server (gunicorn), the Celery worker and beat.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Pinned dependencies first, so code changes reuse this layer.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Static files are collected at build time; the settings need placeholders only to import (a
# throwaway random key: production refuses patterned ones; no mail is sent while building).
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v 0 \
 && useradd --system --uid 10001 --home /app rounds \
 && mkdir -p /data/storage \
 && chown -R rounds:rounds /data

USER rounds
ENV STATIC_ROOT=/app/staticfiles STORAGE_ROOT=/data/storage
EXPOSE 8000

# Workers, timeout, access log: config/gunicorn.py (the benchmark starts the server with it too).
CMD ["gunicorn", "config.wsgi:application", "--config=python:config.gunicorn"]
