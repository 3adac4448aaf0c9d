"""Settings for every environment, driven by environment variables.

The defaults are the embedded single-machine setup: SQLite for data and a filesystem
broker for Celery, both under ``var/``. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch
to PostgreSQL and Redis with no code change.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


# Two helpers rather than django-environ: the README's "Configuration" says why.
def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
# Off unless asked for: `make run` shows the portal's own 400/403/404/500 pages, as a deployment
# does, never Django's debug page with the URL list. DJANGO_DEBUG=true turns it on.
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("PORTAL_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "crispy_forms",
    "crispy_bootstrap5",
    "portal.apps.PortalConfig",
    "portal.accounts",
    "portal.notifications",
    "portal.outbox",
    "portal.tallies",
    "orders",
    "messaging",
    "disputes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
                "orders.context_processors.navigation",
                "messaging.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "portal.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share one file: WAL lets readers proceed during a write,
    # IMMEDIATE takes the write lock at BEGIN so two writers queue instead of deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages run short queries whose estimated cost can still pass ``jit_above_cost`` (a
    # correlated count per row): compiling them took 1-2 s of the statistics page at 100k orders,
    # running them 20 ms. An OLTP site gains nothing from JIT (issue 17).
    # Page costs: PostgreSQL's defaults (1 a page read in sequence, 4 one read by index) price
    # a spinning disk's reads against the CPU's work on the rows. The portal's working set is in
    # memory, where reading a page costs little next to filtering its rows, so both are a tenth
    # (the random read a little dearer, as on SSD). With 4, at 100k orders an exact order-number
    # search read the whole orders table rather than look up the rows a store's name might match
    # (33 ms of the console's search, 16 ms at 1.1); with 1 and 1.1, at 1M orders the queue's
    # filters walked all 26,000 open disputes in the order-id index to find the 3,300 in
    # mediation rather than read those from their own index (SQL 55 → 35 ms a view).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = "-c jit=off -c seq_page_cost=0.1 -c random_page_cost=0.11"
    # Prepared statements: psycopg prepares a query its connection has sent
    # DATABASE_PREPARE_THRESHOLD times (the same SQL, any values), and PostgreSQL then stops
    # planning it again once a plan for any values costs no more than the plans for each. Planning
    # was 5.5 of the queue query's 7.5 ms at 1M orders; prepared, the 12 queries of the dispute
    # page took 15-20 % less of its time (issue 17). The values travel apart from the SQL
    # (server-side binding), which is what lets one statement serve every value. Empty turns it
    # off, for a pooler in transaction mode that cannot keep a session's statements (PgBouncer
    # before 1.21, or without ``max_prepared_statements``).
    options["server_side_binding"] = True
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    options["prepare_threshold"] = int(threshold) if threshold else None
    # Django's backend, reading timestamps with psycopg's compiled loader (``portal.postgresql``).
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# Counters that must be shared by every web process (throttles) live here: in each process's
# memory by default, or in one Redis shared by every web process with PORTAL_CACHE_URL.
CACHE_URL = os.environ.get("PORTAL_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}
    )
}

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static, media, evidence ----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PORTAL_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without DEBUG, runserver serves no static files: WhiteNoise serves them straight from the
# finders in development (no collectstatic); the production settings serve collected files only.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FILES = 12

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Buyer Protection <noreply@portal.example>")

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Payments -------------------------------------------------------------------------
# The fake moves no money: for development and tests. The production settings default to Stripe,
# and the system check orders.E001 refuses the fake there unless a staging site opts in below.
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "orders.payments.FakePaymentProvider")
PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES = env_bool("PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES", False)
PORTAL_PRODUCTION = False
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
#: The signing secret of the webhook endpoint registered in Stripe's dashboard (whsec_...).
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
#: Another address for Stripe's API (the tests' local stand-in); empty: Stripe's own.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "20"))
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "1"))

# --- Carrier tracking (orders.tracking) ------------------------------------------------
TRACKING_PROVIDER = os.environ.get("TRACKING_PROVIDER", "orders.tracking.SignedJsonProvider")
#: Shared with the carrier or tracking aggregator; empty: the webhook refuses every update (503).
TRACKING_WEBHOOK_SECRET = os.environ.get("TRACKING_WEBHOOK_SECRET", "")
#: A signature older (or newer) than this is refused, so a captured update cannot be replayed later.
TRACKING_WEBHOOK_TOLERANCE = timedelta(
    seconds=int(os.environ.get("TRACKING_WEBHOOK_TOLERANCE_SECONDS", "300"))
)

# --- Celery ---------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Moving fetched messages inside var/ keeps the hand-off an atomic rename.
        "store_processed": True,
    }
    for _folder in ("queue", "control", "processed"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
DEADLINE_SWEEP_SECONDS = float(os.environ.get("PORTAL_DEADLINE_SWEEP_SECONDS", "60"))
# Sweeps run side by side on each tick, each on its share of the rows (PostgreSQL: up to the
# worker's processes; SQLite writes one transaction at a time, so keep 1 there).
SWEEPERS = max(1, int(os.environ.get("PORTAL_SWEEPERS", "1")))
CELERY_BEAT_SCHEDULE = {
    "enforce-deadlines": {
        "task": "portal.tasks.enforce_deadlines",
        "schedule": DEADLINE_SWEEP_SECONDS,
        # A tick that waited longer than its period is superseded by the next one.
        "options": {"expires": DEADLINE_SWEEP_SECONDS},
    },
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (the case dossier's PDF) logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Reliability and security (issue 7) ---------------------------------------------------
# Login throttling: after 5 failed logins for one username from one address, that pair is
# locked for 15 minutes (django-axes). The standalone backend must come first, its middleware
# last; the lockout page says when to try again.
INSTALLED_APPS = [*INSTALLED_APPS, "axes", "csp"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the user's role and permissions in one query each.
    "portal.accounts.backends.PortalBackend",
]
# Axes' start-up banner on every manage.py command is noise; lockouts are still logged.
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.security.lockout_response"
# The client's address is REMOTE_ADDR, or behind PORTAL_TRUSTED_PROXIES reverse proxies the
# address the outermost of them saw (portal.security.client_ip): a client cannot pick its own.
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
TRUSTED_PROXIES = int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0"))

# Content Security Policy: no inline script or style anywhere; media responses carry their own
# stricter policy (portal.uploads.serving).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # Product pictures come from the marketplace's image hosts over https (see README, "Product images").
        "img-src": ["'self'", "data:", "https:"],
        "media-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

MIDDLEWARE = [
    "portal.logging.RequestLogMiddleware",
    *MIDDLEWARE[:1],
    "csp.middleware.CSPMiddleware",
    *MIDDLEWARE[1:],
    "axes.middleware.AxesMiddleware",
]

# Beat keeps its schedule under var/, which nothing else creates when the database and broker
# are servers (PostgreSQL, Redis): without it beat stops at start.
Path(CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)

# Structured logs: PORTAL_LOG_FORMAT=json writes one JSON object per line (per request, per
# Celery task, and everything else), for a log shipper; the default stays human-readable.
LOG_FORMAT = os.environ.get("PORTAL_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT == "json":
    LOGGING["formatters"]["json"] = {"()": "portal.logging.json_formatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    # Django's own loggers (errors, runserver) otherwise keep their plain-text handlers.
    for _name in ("django", "django.server"):
        LOGGING["loggers"][_name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    # Keep Django's handlers in the worker too, so task lines are JSON as well.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
