"""Settings shared by every environment."""

from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- core -------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_NAME = env("SHOP_SITE_NAME", default="The Shop")
# Where `make run` serves the shop (scripts/run.sh); links in mails point there unless
# SITE_URL says otherwise (a wildcard bind address is reached through 127.0.0.1).
SHOP_HOST = env("SHOP_HOST", default="127.0.0.1")
SHOP_PORT = env.int("SHOP_PORT", default=8000)
SITE_URL = env("SITE_URL", default="") or (
    f"http://{'127.0.0.1' if SHOP_HOST in ('', '0.0.0.0', '::') else SHOP_HOST}:{SHOP_PORT}"  # noqa: S104 - compares a bind address, binds nothing
)
# How many proxies of our own stand in front of the shop, each appending to X-Forwarded-For
# (apps/auditing/clientip.py). 0: none, the client is REMOTE_ADDR. Never more than really
# stand there: one too many trusts an address the client wrote.
SHOP_TRUSTED_PROXY_COUNT = env.int("SHOP_TRUSTED_PROXY_COUNT", default=0)

# --- apps -------------------------------------------------------------------
DJANGO_APPS = [
    # Django's admin with the shop's site (a second factor for staff): accounts' AdminConfig.
    "apps.accounts.admin_site.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "pgtrigger",
    "simple_history",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
]
LOCAL_APPS = [
    "apps.auditing",
    "apps.accounts",
    "apps.catalog",
    "apps.inventory",
    "apps.orders",
    "apps.payments",
    # On top of them all: composes every app's demo data (`manage.py seed_demo`).
    "apps.demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # First: /healthz/live and /healthz/ready answer before the host check and the HTTPS
    # redirect, so a container's or a balancer's probe works on any address
    # (docs/runbooks/deploy.md).
    "apps.auditing.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.auditing.middleware.AuditContextMiddleware",
    # A NUL character anywhere in a request is a 400 before any view runs.
    "apps.auditing.bad_input.BadInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: the first to see what a view raises; a ShopError becomes a 4xx page.
    "apps.auditing.web_errors.ShopErrorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "apps.orders.context_processors.cart",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------
# Three roles (docs/security.md): the application connects as DATABASE_URL's role, which reads
# and writes rows but cannot change the schema or switch a rule off; migrations and the test
# set-up connect as DATABASE_OWNER_URL's role, which owns the schema (only its user and
# password are used: host and database are DATABASE_URL's); `manage.py db_roles` creates both
# and a read-only reporting role, connecting as DATABASE_ADMIN_URL's role (one that may create
# roles and databases). Left unset, they are the project-local cluster's (scripts/pg.sh).
_LOCAL_PG = f"127.0.0.1:{env('PG_PORT', default='25432')}"
_LOCAL = "DATABASE_URL" not in env
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"postgres://shop_app@{_LOCAL_PG}/shop"),
}
# The application's role as configured (the connection's own settings change while a
# command runs as the owner).
DATABASE_APP = {
    "USER": DATABASES["default"]["USER"],
    "PASSWORD": DATABASES["default"]["PASSWORD"],
}
# Without DATABASE_OWNER_URL the application's role is the owner too: one role for
# everything, as before roles were split (a system check warns in production).
_owner = env.db(
    "DATABASE_OWNER_URL",
    default=f"postgres://shop_owner@{_LOCAL_PG}/shop"
    if _LOCAL
    else env("DATABASE_URL"),
)
DATABASE_OWNER = {"USER": _owner["USER"], "PASSWORD": _owner["PASSWORD"]}
# The benchmarks make scratch tables and schemas: `make bench` connects as the owner.
if env("DATABASE_CONNECT_AS", default="application") == "owner":
    DATABASES["default"].update(DATABASE_OWNER)
DATABASE_ADMIN_URL = env(
    "DATABASE_ADMIN_URL",
    default=f"postgres://shop@{_LOCAL_PG}/postgres" if _LOCAL else "",
)
# Migrations give up instead of queueing the site behind them (docs/runbooks/migrations.md):
# waiting longer than this for a lock fails the migration, which is then simply run again.
MIGRATION_LOCK_TIMEOUT = env("MIGRATION_LOCK_TIMEOUT", default="5s")
MIGRATION_STATEMENT_TIMEOUT = env("MIGRATION_STATEMENT_TIMEOUT", default="15min")
# The reporting role: a login role when DATABASE_REPORT_URL names one, otherwise a group
# role (NOLOGIN) that analysts' own roles are made members of.
DATABASE_REPORT_URL = env("DATABASE_REPORT_URL", default="")
DATABASE_REPORT_ROLE = (
    env.db("DATABASE_REPORT_URL")["USER"]
    if DATABASE_REPORT_URL
    else env("DATABASE_REPORT_ROLE", default="shop_report")
)
# What the reporting role may not read: whole tables ("*") or some columns.
DATABASE_REPORT_HIDDEN = {
    "django_session": "*",
    "accounts_accounttoken": "*",
    "accounts_user": ["password"],
    "otp_totp_totpdevice": "*",
    "accounts_historicaluser": ["password"],
}
# psycopg 3 with Django's built-in pool. Client-side binding stays on: the audit
# context is sent as a `set_config(..., true)` prefix in the same statement.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env.int("DB_POOL_MIN", default=1),
    "max_size": env.int("DB_POOL_MAX", default=8),
    "timeout": env.int("DB_POOL_TIMEOUT", default=10),
}

# --- cache / redis ----------------------------------------------------------
REDIS_URL = env(
    "REDIS_URL", default=f"redis://127.0.0.1:{env('REDIS_PORT', default='26379')}/0"
)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="shop"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            # A cache outage must never take a page down: reads miss, writes drop.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- auth -------------------------------------------------------------------
# argon2id, 19 MiB, t=2, p=1 (the OWASP minimum) costs ~20 ms here.
PASSWORD_HASHERS = [
    "apps.accounts.hashers.ShopArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/account/sign-in/"
LOGIN_REDIRECT_URL = "/account/"
LOGOUT_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.RoleBackend"]
# The email is unique case-insensitively among alive users by a partial unique index on
# Lower(email) (accounts_user_email_unique_alive), not by a plain unique column.
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]

# --- back office -----------------------------------------------------------
# Where the admin lives (a path of its own keeps it out of scanners' way;
# docs/runbooks/deploy.md).
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")
# A staff member's session lasts this long from its last change; a customer's SESSION_COOKIE_AGE.
STAFF_SESSION_AGE = env.int("STAFF_SESSION_HOURS", default=8) * 3600
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
# The second factor (TOTP, django-otp): required for superusers, opted into by other staff
# (once a staff member has a confirmed device, the back office asks for it at every sign-in).
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code

# --- content security policy (django-csp) -----------------------------------
# No inline script or style anywhere: every page loads its code from /static/. A template that
# needs an inline script marks it with the request's nonce (`{{ request.csp_nonce }}`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *env.list("CSP_IMG_SRC", default=[])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- accounts ---------------------------------------------------------------
ACCOUNTS_VERIFY_TTL = env.int("ACCOUNTS_VERIFY_TTL", default=24 * 3600)  # seconds
ACCOUNTS_RESET_TTL = env.int("ACCOUNTS_RESET_TTL", default=3600)  # seconds
# Sign-in lockouts (apps/accounts/throttle.py, docs/security.md): failures counted per
# (account, address), per address and per account within the window.
ACCOUNTS_LOCKOUT_THRESHOLD = env.int(
    "ACCOUNTS_LOCKOUT_THRESHOLD", default=10
)  # failures of one account from one address
ACCOUNTS_IP_LOCKOUT_THRESHOLD = env.int(
    "ACCOUNTS_IP_LOCKOUT_THRESHOLD", default=50
)  # failures from one address, any accounts
ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD = env.int(
    "ACCOUNTS_ACCOUNT_LOCKOUT_THRESHOLD", default=100
)  # failures of one account, any addresses
ACCOUNTS_KNOWN_CLIENT_DAYS = env.int(
    "ACCOUNTS_KNOWN_CLIENT_DAYS", default=30
)  # an address an account signed in from stays known
ACCOUNTS_LOCKOUT_WINDOW = env.int(
    "ACCOUNTS_LOCKOUT_WINDOW", default=15 * 60
)  # seconds counted
ACCOUNTS_LOCKOUT_DURATION = env.int(
    "ACCOUNTS_LOCKOUT_DURATION", default=15 * 60
)  # seconds locked
ACCOUNTS_PERMISSION_CACHE_TTL = env.int("ACCOUNTS_PERMISSION_CACHE_TTL", default=300)
ACCOUNTS_TOKEN_RETENTION_DAYS = env.int("ACCOUNTS_TOKEN_RETENTION_DAYS", default=7)
# Storefront requests that mail someone or make an account, per account (the email asked
# about) and per client address, within ACCOUNTS_RATE_WINDOW seconds; past either, 429.
ACCOUNTS_RATE_WINDOW = env.int("ACCOUNTS_RATE_WINDOW", default=3600)
ACCOUNTS_RATE_LIMITS = {
    "password_reset": {"account": 3, "ip": 20},
    "verify_resend": {"account": 3, "ip": 20},
    "signup": {"account": 3, "ip": 10},
}

# --- inventory --------------------------------------------------------------
INVENTORY_RESERVATION_TTL = env.int(
    "INVENTORY_RESERVATION_TTL", default=30 * 60
)  # seconds
INVENTORY_MAX_ACTIVE_RESERVATIONS_PER_CUSTOMER = env.int(
    "INVENTORY_MAX_ACTIVE_RESERVATIONS_PER_CUSTOMER", default=5
)

# --- orders -----------------------------------------------------------------
ORDERS_CURRENCY = env("ORDERS_CURRENCY", default="EUR")
ORDERS_MIN_TOTAL = Decimal(env("ORDERS_MIN_TOTAL", default="10.00"))
ORDERS_MAX_TOTAL = Decimal(env("ORDERS_MAX_TOTAL", default="10000.00"))
ORDERS_MAX_ITEMS = env.int("ORDERS_MAX_ITEMS", default=50)
ORDERS_MAX_PENDING_PER_CUSTOMER = env.int("ORDERS_MAX_PENDING_PER_CUSTOMER", default=5)
ORDERS_PAYMENT_WINDOW = env.int("ORDERS_PAYMENT_WINDOW", default=30 * 60)  # seconds
ORDERS_GUEST_CHECKOUT = env.bool("ORDERS_GUEST_CHECKOUT", default=True)
# Tax added to the goods (shipping is not taxed): a rate per category slug (the nearest
# ancestor's rate applies), else the default rate.
ORDERS_TAX_RATE = Decimal(env("ORDERS_TAX_RATE", default="0.19"))
ORDERS_TAX_RATES = env.dict("ORDERS_TAX_RATES", cast={"value": str}, default={})
ORDERS_IDEMPOTENCY_KEY_DAYS = env.int("ORDERS_IDEMPOTENCY_KEY_DAYS", default=2)
ORDERS_CART_TTL = env.int("ORDERS_CART_TTL", default=30 * 24 * 3600)  # seconds
ORDERS_CART_MAX_LINES = env.int("ORDERS_CART_MAX_LINES", default=50)
ORDERS_OUTBOX_MAX_ATTEMPTS = env.int("ORDERS_OUTBOX_MAX_ATTEMPTS", default=8)
ORDERS_OUTBOX_BACKOFF = env.int(
    "ORDERS_OUTBOX_BACKOFF", default=30
)  # seconds, doubled per try
ORDERS_WEBHOOK_TIMEOUT = env.float("ORDERS_WEBHOOK_TIMEOUT", default=5.0)  # seconds
ORDERS_GUEST_LINK_DAYS = env.int("ORDERS_GUEST_LINK_DAYS", default=90)

# --- payments ---------------------------------------------------------------
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", default="apps.payments.gateway.DummyGateway")
# Capture as soon as the authorization succeeds; otherwise shipping (or staff) captures.
PAYMENTS_AUTO_CAPTURE = env.bool("PAYMENTS_AUTO_CAPTURE", default=False)
# How long the gateway holds an authorization; older ones are voided or marked expired.
PAYMENTS_AUTHORIZATION_DAYS = env.int("PAYMENTS_AUTHORIZATION_DAYS", default=7)
# An attempt still open after this long is settled by asking the gateway (longer than any
# call may take, so a slow call in flight is never settled under it).
PAYMENTS_RECONCILE_AFTER = env.int("PAYMENTS_RECONCILE_AFTER", default=300)  # seconds
PAYMENTS_DUMMY_SLOW_SECONDS = env.float("PAYMENTS_DUMMY_SLOW_SECONDS", default=2.0)
# The gateway's notifications (POST /payments/notifications/<gateway>/) are signed with this
# secret; empty (no default outside dev and test): every notification is refused.
PAYMENTS_NOTIFICATION_SECRET = env("PAYMENTS_NOTIFICATION_SECRET", default="")
# A notification signed longer ago than this (or this far ahead) is refused as a replay.
PAYMENTS_NOTIFICATION_TOLERANCE = env.int(
    "PAYMENTS_NOTIFICATION_TOLERANCE", default=300
)  # seconds
# A notification stored but not processed this long after it arrived is applied by the
# job `payments.notifications_retry` (its worker stopped between storing and applying).
PAYMENTS_NOTIFICATION_RETRY_AFTER = env.int(
    "PAYMENTS_NOTIFICATION_RETRY_AFTER", default=60
)  # seconds

# --- i18n / static ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
# Production collects into STATIC_ROOT (prod.py); elsewhere WhiteNoise serves from the finders.
STATIC_ROOT = env("STATIC_ROOT", default=None)
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")

# --- email ------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="shop@localhost")

# --- celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="shop")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- auditing kernel --------------------------------------------------------
AUDIT_PARTITIONS_AHEAD = env.int("AUDIT_PARTITIONS_AHEAD", default=3)
AUDIT_RETENTION_MONTHS = env.int("AUDIT_RETENTION_MONTHS", default=12)
AUDIT_ARCHIVE_GZIP_LEVEL = env.int("AUDIT_ARCHIVE_GZIP_LEVEL", default=3)
ARCHIVE_ROOT = env.path("ARCHIVE_ROOT", default=BASE_DIR / ".local" / "archive")
# Backups (`manage.py backup` / `restore`, docs/runbooks/backup.md): where they are written,
# and the PostgreSQL client programs' directory (pg_dump, pg_restore; PATH when absent).
BACKUP_ROOT = env.path("BACKUP_ROOT", default=BASE_DIR / ".local" / "backups")
PG_BIN = env("PG_BIN", default="/usr/lib/postgresql/15/bin")
SOFT_DELETE_RETENTION_DAYS = env.int("SOFT_DELETE_RETENTION_DAYS", default=90)
# Staff are warned (job watchdog, /healthz, the audit admin) when this many row changes wait
# for the drain, or the oldest has waited this long: the drain has stalled or fallen behind.
AUDIT_BACKLOG_WARN_EVENTS = env.int("AUDIT_BACKLOG_WARN_EVENTS", default=100_000)
AUDIT_BACKLOG_WARN_SECONDS = env.int("AUDIT_BACKLOG_WARN_SECONDS", default=300)
JOB_BATCH_SIZE = env.int("JOB_BATCH_SIZE", default=1000)
JOB_STALE_MINUTES = env.int("JOB_STALE_MINUTES", default=60)
JOB_RUN_RETENTION_DAYS = env.int("JOB_RUN_RETENTION_DAYS", default=30)

# --- logging ----------------------------------------------------------------
# One handler on the root logger: Django's own "django" console handler (DEBUG only) is
# dropped, so nothing is written twice; a refused request (4xx) is one line, without the
# traceback of the exception that refused it (apps.auditing.logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "apps.auditing.logs.ClientErrorFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
