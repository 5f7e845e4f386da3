"""Production: everything from the environment, secure defaults.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, SITE_URL, EMAIL_URL, DEFAULT_FROM_EMAIL,
DATABASE_URL (and DATABASE_OWNER_URL for the role split). docs/runbooks/deploy.md lists
them all.
"""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Links in mail point here: no default, a production shop must say where it lives.
SITE_URL = env("SITE_URL")

# --- HTTPS ------------------------------------------------------------------
# The proxy terminates TLS and sets X-Forwarded-Proto; the application is reachable only
# through it (docker-compose.yml: web publishes no port), so only the proxy's header is seen.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- files ------------------------------------------------------------------
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = False
# Uploads are written to MEDIA_ROOT (a volume) and served by the proxy under MEDIA_URL.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- mail -------------------------------------------------------------------
# EMAIL_URL: smtp+tls://user:password@smtp.example.com:587 (STARTTLS), or smtp+ssl://…:465
# (TLS from the start); the user and password percent-encoded.
_email = env.email_url("EMAIL_URL")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- logs and errors ----------------------------------------------------------
# One JSON object a line, each carrying the request id (X-Request-ID) of the request or task
# it belongs to (apps/auditing/logs.py).
LOGGING["filters"]["request_id"] = {"()": "apps.auditing.logs.RequestIdFilter"}  # noqa: F405
LOGGING["formatters"]["json"] = {"()": "apps.auditing.logs.JsonFormatter"}  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
LOGGING["handlers"]["console"]["filters"] = ["client_errors", "request_id"]  # noqa: F405

# Errors to Sentry when SENTRY_DSN is set (nothing is sent otherwise); no personal data.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        environment=env("SENTRY_ENVIRONMENT", default="production"),
    )
