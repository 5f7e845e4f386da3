"""Test settings: only what makes the suite faster or isolated."""

from .base import *  # noqa: F401,F403
from .base import DATABASES, INSTALLED_APPS, PASSWORD_HASHERS, env

DEBUG = False
INSTALLED_APPS = INSTALLED_APPS + ["tests.testapp"]
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default="test_shop")}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env(
            "REDIS_URL",
            default=f"redis://127.0.0.1:{env('REDIS_PORT', default='26379')}/1",
        ),
        # One prefix per test database: parallel runs (and their restarting ids) never share keys.
        "KEY_PREFIX": env(
            "CACHE_KEY_PREFIX",
            default=f"shop-{env('TEST_DB_NAME', default='test_shop')}",
        ),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}
# Bulk fixtures use a fast hasher; tests of Argon2 itself pick the hasher explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
CELERY_QUEUE = env("CELERY_QUEUE", default="shop-test")
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE
ROOT_URLCONF = "tests.testapp.urls"
# Tasks run inline unless a test asks for the real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SITE_URL = "http://testserver"
# A development secret for the gateway's notifications; production sets its own.
PAYMENTS_NOTIFICATION_SECRET = env(
    "PAYMENTS_NOTIFICATION_SECRET", default="dev-only-notification-secret"
)
