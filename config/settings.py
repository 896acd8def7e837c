"""Flagpost settings: one file, driven by environment variables.

With nothing set, Flagpost runs embedded: SQLite, a file-based Celery broker
and a file outbox for email, all under ``var/``. Production switches each part
by variable (see README "Configuration" and ``.env.example``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("FLAGPOST_VAR_DIR", default=str(BASE_DIR / "var")))
# The embedded defaults keep their files here; make sure it exists on a fresh clone.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)

# Only the embedded (debug) mode may fall back to a key; production must
# provide one, so a forgotten variable stops the app instead of weakening it.
_DEV_SECRET_KEY = "embedded-only-key-not-for-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "axes",
    "csp",
    "organisations",
    "directory",
    "policies",
    "incidents",
    "casework",
    "notifications",
    "deadlines",
    "summaries",
    "governance",
    "audit",
    "records",
    "accounts",
    "demo",
]

MIDDLEWARE = [
    # First, so it sees every answer last: the security headers on answers made before the middleware
    # that sets them ran (a refused host, a static file), and no-store on everything but static files.
    "config.middleware.EveryResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Access answers are worked out once per request (casework/access.py, "Remembered for one request").
    "casework.access.AccessMemoMiddleware",
    # After messages, so an expired session can say why it ended.
    "directory.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records 403 and 404 answers on case, report, evidence, summary, governance and audit pages
    # to signed-in people. Next to the view; axes keeps the very last place it asks for.
    "audit.middleware.RefusedAccessMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "directory.context_processors.navigation",
                "notifications.context_processors.unread",
                "policies.context_processors.organisation",
            ],
            "libraries": {"nhsuk": "kit.nhsuk"},
        },
    },
]

# --- Cache ------------------------------------------------------------------
# Shared by every web, worker and beat process: the governance figures are cached, and a change
# made in one process must reach the next read in every other (CACHE_URL=redis://… in production).
# Local memory is one process's own, so it is only the default for a single process and the tests;
# the embedded run (scripts/run-embedded.sh) shares a file cache between its three processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://flagpost")}

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'flagpost.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: wait for the lock
    # instead of failing, and take it at BEGIN so two writers can't deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Just-in-time compilation costs more than it saves on short queries like these (seen: 1.2 s
    # spent compiling a governance query that ran in 0.3 s).
    # Added to any ``?options=`` given on DATABASE_URL (a statement timeout, say), not replaced by it.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in _options.get("options", ""):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
# Connections are kept and reused for this many seconds (web requests and worker tasks alike),
# checked before reuse, so a worker doesn't connect afresh for every task; 0 connects for every
# request or task. A `?conn_max_age=` on DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "directory.User"
# The lockout check runs before the password is even looked at; ModelBackend then signs
# people in and refuses deactivated accounts, including on every request of a live session.
AUTHENTICATION_BACKENDS = [
    "directory.sessions.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for every new or changed password; the others only verify older hashes,
# which Django re-hashes with Argon2 at the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Invitation and password reset links (accounts app): valid for 72 hours, said explicitly rather
# than left to Django's default, and single use (setting the password changes what the link's
# token is made from).
PASSWORD_RESET_TIMEOUT = 72 * 60 * 60
# Asking for a reset link: this many requests an hour from one client address, then a page
# saying to try later; and at most one email to one address every so many seconds (further
# requests get the same answer as ever, and no email).
PASSWORD_RESET_REQUESTS_PER_HOUR = env.int("PASSWORD_RESET_REQUESTS_PER_HOUR", default=5)
PASSWORD_RESET_EMAIL_INTERVAL_SECONDS = env.int(
    "PASSWORD_RESET_EMAIL_INTERVAL_SECONDS", default=5 * 60
)
# Single sign-on per organisation (directory/sso.py, mozilla-django-oidc): the authorisation
# code flow with PKCE (S256) and a nonce, RS256 ID tokens checked against the provider's keys.
# Each organisation's provider is set in the admin; these apply to all of them.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_RP_SCOPES = "openid email profile"
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_CREATE_USER = False
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates the UK way ("1 December 2026"; 01/12/2026 accepted in a box): config/formats/en_GB.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files and evidence ---------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Evidence lives outside any static or web root and is only ever served by a
# permission-checked view.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
SUMMARY_ROOT = Path(env.str("SUMMARY_ROOT", default=str(VAR_DIR / "summaries")))
MEDIA_ROOT = VAR_DIR / "media"
EVIDENCE_MAX_FILE_BYTES = env.int("EVIDENCE_MAX_FILE_BYTES", default=10 * 1024 * 1024)
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=10)
EVIDENCE_MAX_LINKS = 10
# --- Uploads beyond the type check (issue 7) ---
# Pictures are checked from their header before any pixel is decoded. 40 million
# pixels holds a 12- or 24-megapixel phone photo, or four 4K screens; 16,384
# pixels a side leaves room for long scrolling screenshots.
EVIDENCE_MAX_IMAGE_PIXELS = env.int("EVIDENCE_MAX_IMAGE_PIXELS", default=40_000_000)
EVIDENCE_MAX_IMAGE_SIDE = env.int("EVIDENCE_MAX_IMAGE_SIDE", default=16_384)
# Files one person may upload in an hour, counted from the evidence kept.
EVIDENCE_UPLOADS_PER_HOUR = env.int("EVIDENCE_UPLOADS_PER_HOUR", default=30)


# --- end uploads ---
# --- Retention (issue 7, records app) ---
def _years(raw: dict[str, str]) -> dict[str, int]:
    years = {}
    for kind, value in raw.items():
        try:
            years[kind.strip()] = int(str(value).strip())
        except ValueError:
            raise ImproperlyConfigured(
                f"RETENTION_YEARS: {kind}={value!r} is not a whole number of years."
            ) from None
    return years


# Years a closed case keeps its personal details, counted from the day it closed, by how it
# closed (and for a recorded outcome, by the outcome). The basis of each default is in the
# README ("Retention"); the organisation's IG lead confirms them. Override any of them with
# e.g. RETENTION_YEARS="withdrawn=1,dismissal=12"; `manage.py check` names a wrong key or value.
RETENTION_YEARS: dict[str, int] = {
    "withdrawn": 2,
    "dismissed": 6,
    "resolved_informally": 6,
    "no_case_to_answer": 6,
    "informal_management": 6,
    "first_written_warning": 6,
    "final_written_warning": 6,
    "dismissal": 10,
    "referral_regulator": 10,
    "referral_police": 10,
} | _years(env.dict("RETENTION_YEARS", default={}))
# --- end retention ---
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Well above the per-report limit, so the form (not a bare 400) tells people they chose too many.
DATA_UPLOAD_MAX_NUMBER_FILES = 100

# --- Email -------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Flagpost <flagpost@example.nhs.uk>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Celery ------------------------------------------------------------------
_CELERY_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's file transport: a real broker with no server, for the embedded mode.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_DIR / "queue"),
        "data_folder_out": str(_CELERY_DIR / "queue"),
        "processed_folder": str(_CELERY_DIR / "processed"),
        "control_folder": str(_CELERY_DIR / "control"),
        "store_processed": False,
    }
else:
    # Time limits below stay under the visibility timeout, so Redis never
    # redelivers a task that is still running. 7 minutes, not an hour: a message
    # whose whole worker died comes back after it (a killed pool child's comes back
    # at once), so a crash delays a document or an email by minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=420)
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
# Celery's Django fixup closes the database connection before and after every task unless told to
# reuse it; reused, it is closed every this many tasks, and in between Django's CONN_MAX_AGE and
# health checks decide, as for a web request (config.celery closes old or broken connections).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Publishing gives up quickly when the broker is down: the outbox row is already
# committed and the sweeper sends it later, so a request need not hang.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULE: dict = {
    "notifications-sweep": {"task": "notifications.tasks.notifications_sweep", "schedule": 120.0},
    "deadlines-sweep": {"task": "casework.tasks.deadlines_sweep_task", "schedule": 300.0},
    "notifications-digest": {
        "task": "notifications.tasks.notifications_digest_send",
        "schedule": 900.0,
    },
    "governance-counts-refresh": {
        "task": "governance.tasks.governance_counts_refresh",
        "schedule": 60.0,
    },
    # Every minute: queues again a summary or pack whose message was lost (the broker down
    # or flushed when it was asked for) or whose render lease ran out (its worker died).
    "summaries-sweep": {"task": "summaries.tasks.summaries_sweep_task", "schedule": 60.0},
    "committee-packs-sweep": {"task": "governance.tasks.committee_packs_sweep", "schedule": 60.0},
    # Checked daily; makes the pack for the quarter just ended, once.
    "committee-pack-quarterly": {
        "task": "governance.tasks.committee_pack_quarterly",
        "schedule": 86400.0,
    },
    # Seals the audit rows written since the last run into the chain and signs a checkpoint. One
    # sealer works at a time (the others return at once); an old message is dropped, not run late.
    "audit-seal": {
        "task": "audit.tasks.audit_seal_task",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    # Nightly, in the quiet hours: walks the whole audit chain; a break is announced once.
    "audit-verify-nightly": {
        "task": "audit.tasks.audit_verify_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Checked daily at 03:15; removes expired personal details once per calendar month.
    "retention-monthly": {
        "task": "records.tasks.retention_monthly",
        "schedule": crontab(hour=3, minute=15),
    },
}
# The audit chain's signing key (Ed25519, PEM) and its append-only file of signed checkpoints:
# both outside the database. Made under the var folder on first use; in production give a key
# file only the worker and beat can read, and a checkpoint file on storage the database can't
# reach (README, "Security").
AUDIT_SIGNING_KEY_FILE = Path(
    env.str("AUDIT_SIGNING_KEY_FILE", default=str(VAR_DIR / "audit" / "signing-key.pem"))
)
AUDIT_CHECKPOINT_FILE = Path(
    env.str("AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit" / "checkpoints.jsonl"))
)
# Rendering a document (a case summary, a committee pack): a render claimed longer ago than
# the lease belongs to a worker that died, and the sweeper hands it to another. 6 minutes:
# longer than CELERY_TASK_TIME_LIMIT (5), so a live render is never taken over, and with the
# sweep every minute a crash of the whole worker delays a document by at most 7 minutes.
DOCUMENT_RENDER_LEASE_SECONDS = env.int("DOCUMENT_RENDER_LEASE_SECONDS", default=360)
# A document still queued this long after it was asked for lost its message: sent again.
DOCUMENT_QUEUE_GRACE_SECONDS = env.int("DOCUMENT_QUEUE_GRACE_SECONDS", default=60)
# After this long the page says "taking longer than usual" and offers to start it again.
DOCUMENT_SLOW_AFTER_SECONDS = env.int("DOCUMENT_SLOW_AFTER_SECONDS", default=90)
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)
# How long a worker may hold a claim on an email before it counts as dead.
NOTIFICATION_CLAIM_LEASE_SECONDS = env.int("NOTIFICATION_CLAIM_LEASE_SECONDS", default=600)

# --- Security ----------------------------------------------------------------
# Sessions end after SESSION_IDLE_TIMEOUT_SECONDS without a request and, whatever
# happens, SESSION_ABSOLUTE_TIMEOUT_SECONDS after signing in (directory/sessions.py).
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = env.int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", default=12 * 60 * 60)
if (
    SESSION_IDLE_TIMEOUT_SECONDS < 60
    or SESSION_ABSOLUTE_TIMEOUT_SECONDS < SESSION_IDLE_TIMEOUT_SECONDS
):
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT_SECONDS must be at least 60 and no more than SESSION_ABSOLUTE_TIMEOUT_SECONDS."
    )
# The cookie itself dies with the absolute limit, so a browser never keeps it longer.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
# No script of ours reads the CSRF cookie (forms carry the token), so scripts need not see it.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles and images come only from Flagpost's own static files: no inline script or
# style attribute runs, so text someone typed can never become code in another person's browser.
# No data: images either: nothing of ours or of the admin's draws one (tests/security/test_headers.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in lockout (django-axes): 5 failed attempts for one email from one address lock that
# pair out for 15 minutes. Keying on both means a stranger guessing at someone's email from
# elsewhere cannot lock the real person out of their own desk.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Another attempt while locked out starts the 15 minutes again (the lockout page says so).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The sign-in form posts the email as "username"; one spelling of an address is one key.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "directory.sessions.sign_in_username"
AXES_CLIENT_IP_CALLABLE = "directory.sessions.client_ip_address"
# Behind TRUSTED_PROXY_COUNT proxies the client's address is read from X-Forwarded-For,
# counting from the right, so a forged header from the client cannot choose it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Successful sign-ins go to Flagpost's own audit trail; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
# Quiet: it would otherwise log a banner from every management command and Celery process.
AXES_VERBOSE = False
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The "preload" token only consents to preloading; nothing happens unless the owner of the
    # parent domain submits it to the browsers' list, which is their decision, not Flagpost's.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

FLAGPOST_REFERENCE_PREFIX = env.str("FLAGPOST_REFERENCE_PREFIX", default="SMP")
