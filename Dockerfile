# Production image: gunicorn behind the reverse proxy of docker-compose.yml
# (docs/runbooks/deploy.md); static files collected at build time.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod

WORKDIR /app
RUN groupadd --system shop && useradd --system --gid shop --home-dir /app --shell /usr/sbin/nologin shop

COPY requirements/ requirements/
RUN pip install -r requirements/prod.txt

COPY . .
# collectstatic needs settings, not services: give it throwaway values.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost SITE_URL=https://localhost \
    EMAIL_URL=smtp://localhost DEFAULT_FROM_EMAIL=build@localhost STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/archive && chown -R shop:shop /app/media /app/archive

USER shop
ENV STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/media ARCHIVE_ROOT=/app/archive
EXPOSE 8000
# Liveness (/healthz/live): answered before the host check and the HTTPS redirect, and
# without the database or Redis, so an outage of either does not mark every web container
# unhealthy. Readiness, with what is down, is /healthz/ready.
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz/live').status == 200 else 1)"
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
