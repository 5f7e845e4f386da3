"""Local development: `make run`."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
# A development secret for the gateway's notifications; production sets its own.
PAYMENTS_NOTIFICATION_SECRET = env(
    "PAYMENTS_NOTIFICATION_SECRET", default="dev-only-notification-secret"
)
