"""One settings module; everything that differs between machines comes from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants

from complaintdesk.lib.site import site_url_for_bind

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("COMPLAINTDESK_VAR_DIR", BASE_DIR.parent / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, a file, or one generated once under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if key_file := os.environ.get("SECRET_KEY_FILE"):
        return Path(key_file).read_text().strip()
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Where `complaintdesk serve` listens: BIND, or PORT on the loopback address (`make demo PORT=8101`).
BIND = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
# Links in e-mails and printed addresses follow the port unless SITE_URL names the real address.
SITE_URL_CONFIGURED = bool(os.environ.get("SITE_URL"))
SITE_URL = (os.environ.get("SITE_URL") or site_url_for_bind(BIND)).rstrip("/")
# Served over HTTPS: cookies become Secure, HSTS is sent and plain HTTP is redirected.
HTTPS = SITE_URL.startswith("https://")
# How many reverse proxies of ours stand in front of the app. 0: the client is REMOTE_ADDR;
# N: the client is the N-th address from the right of X-Forwarded-For (each proxy appends the
# address it saw; everything left of that was written by the client and is not trusted).
# One rule for rate limits, login throttling and the audit log (lib/ratelimit.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Listed so django-ninja renders /api/v1/docs from its bundled Swagger UI (no CDN,
    # CSP-compatible).
    "ninja",
    "axes",
    "csp",
    "complaintdesk.accounts",
    "complaintdesk.sla",
    "complaintdesk.cases",
    "complaintdesk.triage",
    "complaintdesk.claims",
    "complaintdesk.staffing",
    "complaintdesk.insights",
    "complaintdesk.channels",
    "complaintdesk.replies",
    "complaintdesk.notifications",
    "complaintdesk.desk",
    "complaintdesk.portal",
    "complaintdesk.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a form: NUL characters and oversized bodies end here (400/413).
    "complaintdesk.lib.inputguard.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "complaintdesk.urls"
WSGI_APPLICATION = "complaintdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'complaintdesk.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE avoids the upgrade-deadlock
    # that deferred transactions hit when the web server and a worker write at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite ignores covering-index INCLUDE columns; PostgreSQL uses them (cases.Case indexes).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is even checked.
    "complaintdesk.accounts.throttle.WebLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("COMPLAINTDESK_LANGUAGE", "ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names (cached for years) and gzip copies, made by collectstatic.
    "staticfiles": {"BACKEND": "complaintdesk.lib.staticfiles.HashedCompressedStaticFiles"},
}
# Files not yet collected are still served, from the apps' own static folders.
WHITENOISE_USE_FINDERS = True

# Request bodies above this are refused with 413 before anything is stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BYTES", 2 * 1024 * 1024))
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# Files are not counted in DATA_UPLOAD_MAX_MEMORY_SIZE: a whole request above this (five
# attachments and the form) is refused with 413 before its body is read (lib/inputguard.py).
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES",
                                       5 * ATTACHMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE))
ATTACHMENT_ALLOWED_TYPES = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "message/rfc822",
]

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    # Rate limits must hold across server processes, so the default cache is the database.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "complaintdesk_cache",
        }
    }

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "complaints@complaintdesk.local")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# Preloading is a commitment the operator makes with the browser vendors (hstspreload.org),
# so it is opt-in and its deploy warning (W021) is silenced below.
SECURE_HSTS_PRELOAD = _env_bool("HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = _env_bool("SSL_REDIRECT", HTTPS)
# Load balancers probe the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
if TRUSTED_PROXY_COUNT > 0:
    # Our proxy terminates TLS and says so; without a trusted proxy the header is ignored.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS += ["security.W021"]

# Content-Security-Policy (django-csp). Every script is a file under /static/ or carries the
# per-request nonce; no inline event handlers. Styles allow inline attributes because
# plotly.js, the Swagger UI and our templates position elements with style="…"; style
# injection cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out for the cool-off; LOGIN_FAILURES_PER_IP failures from one address,
# whatever the usernames, lock the address (accounts/throttle.py). A success does not reset
# the counters, so guessing between one's own logins gains nothing.
AXES_HANDLER = "complaintdesk.accounts.throttle.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_IP = int(os.environ.get("LOGIN_FAILURES_PER_IP", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_CLIENT_IP_CALLABLE = "complaintdesk.lib.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "complaintdesk.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False
# Successful logins are in the session table already; one row per login is not needed.
AXES_DISABLE_ACCESS_LOG = True
# Failed attempts are kept for the admin with the form data; passwords are always masked.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

COMPLAINTDESK = {
    # Share of a resolution clock after which the assignee is warned.
    "WARN_SHARE": float(os.environ.get("SLA_WARN_SHARE", "0.75")),
    # A worker's claim on an outbox row lapses after this, so a killed worker's rows are retried.
    "OUTBOX_LEASE_SECONDS": int(os.environ.get("OUTBOX_LEASE_SECONDS", "300")),
    "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
    "WORKER_INTERVAL_SECONDS": float(os.environ.get("WORKER_INTERVAL_SECONDS", "5")),
    # How often the desk's bell asks for the unread count, and the queue table refreshes itself.
    "NOTIFICATION_POLL_SECONDS": int(os.environ.get("NOTIFICATION_POLL_SECONDS", "20")),
    "QUEUE_REFRESH_SECONDS": int(os.environ.get("QUEUE_REFRESH_SECONDS", "30")),
    # Group commit of API case creation (cases/batching.py); `complaintdesk serve` turns it on.
    "API_CREATE_BATCHING": _env_bool("API_CREATE_BATCHING", False),
    "SHARED_DATA_DIR": os.environ.get(
        "COMPLAINTDESK_SHARED_DATA", str(BASE_DIR.parent.parent / "shared" / "data")
    ),
}

# Load URLconf, catalogues, templates and triage models when the WSGI app is imported (gunicorn
# --preload: once, before the workers fork). Tests of the server process switch it off.
WARM_UP = _env_bool("COMPLAINTDESK_WARM_MODELS", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_forbidden": {"()": "complaintdesk.lib.weblog.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A 403 is one line (method, path, user, reason), not a traceback.
        "django.request": {"filters": ["one_line_forbidden"]},
    },
}
