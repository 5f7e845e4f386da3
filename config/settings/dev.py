"""Local development: `make run`."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
# A development secret for the gateway's notifications; production sets its own.
PAYMENTS_NOTIFICATION_SECRET = env(
    "PAYMENTS_NOTIFICATION_SECRET", default="dev-only-notification-secret"
)
# Mail is written to files under .local/mail/ (one per message) and logged as one line
# with its subject and links (apps.auditing.mail); EMAIL_BACKEND in .env picks another.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="") or "apps.auditing.mail.DevMailBackend"
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="") or str(
    BASE_DIR / ".local" / "mail"
)
