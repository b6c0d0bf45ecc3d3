"""Django settings. The only module that reads the environment (LIUHEN_*).

LIUHEN_HOME           data folder (default ./liuhen-data): SQLite database, blobs, keys, job queue
LIUHEN_DATABASE_URL   sqlite:///PATH (default LIUHEN_HOME/liuhen.sqlite3) or postgresql://user@host:port/name
LIUHEN_STORAGE_URL    file://PATH (default LIUHEN_HOME/blobs) or s3://bucket/prefix (credentials, region and endpoint
                      from the usual AWS_* variables, e.g. AWS_ENDPOINT_URL_S3 for MinIO or Ceph)
LIUHEN_BLOB_DELIVERY  how downloads and video leave an instance: "app" (default: this process streams them),
                      "presigned" (S3 only: a short-lived signed URL, the client fetches from the object store) or
                      "accel" (the front web server sends them, told by X-Accel-Redirect; see deploy/nginx); with
                      "presigned" the pages' Content-Security-Policy lets video play from the S3 endpoint
LIUHEN_ACCEL_REDIRECT the internal location nginx serves blobs from, for "accel" (default /protected/)
LIUHEN_PRESIGNED_SECONDS  how long a presigned URL is valid (default 300)
LIUHEN_DB_POOL        PostgreSQL connections each serving process keeps in its pool (default 8 under `liuhen serve`; 0:
                      none pooled). Serving processes × this must stay under the server's max_connections
LIUHEN_QUEUE_URL      the job queue: unset for the embedded SQLite queue in LIUHEN_HOME (consumed by `liuhen serve`),
                      or redis://host:6379/DB (consumed by `liuhen worker` processes)
LIUHEN_QUEUE_NAME     the queue's name in Redis (default liuhen), for several instances on one Redis
LIUHEN_SECRET_KEY     overrides the key kept in LIUHEN_HOME/secret.key (written by `liuhen init`)
LIUHEN_SIGNING_KEY    Ed25519 private key (PEM) for ledger checkpoints (default LIUHEN_HOME/keys/ledger.pem)
LIUHEN_LEDGER_ORIGIN  the origin line of signed checkpoints (default liuhen.local/ledger)
LIUHEN_CHECKPOINT_MINUTES  how often a checkpoint is issued when the log has grown (default 1)
LIUHEN_CHECKPOINT_LOG the append-only checkpoint log outside the database: file://PATH (default
                      LIUHEN_HOME/checkpoints.log) or s3://bucket/prefix (Object Lock where the bucket has it)
LIUHEN_WITNESSES      witnesses that cosign checkpoints: comma-separated verifier keys, each optionally followed by
                      a space and the witness's add-checkpoint URL prefix (https://witness.example/w1)
LIUHEN_BACKUP_URL     where the monthly backup goes (R13): file://PATH or s3://bucket/prefix (unset: no monthly backup)
LIUHEN_SMTP_URL       smtp://user:password@host:587 (STARTTLS) or smtps://…:465 for deadline alert e-mail
LIUHEN_MAIL_FROM      the sender of alert e-mail (default liuhen@localhost)
LIUHEN_DEBUG          1 to show Django debug pages (never in production)
LIUHEN_ALLOWED_HOSTS  comma-separated host names (default localhost,127.0.0.1)
LIUHEN_SECURE_COOKIES 1 when served over HTTPS (cookies marked Secure)
LIUHEN_TRUSTED_PROXIES comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed
                      (default empty: the connecting address is the client's)
LIUHEN_RENDER_TIMEOUT    seconds one document may take to render before it is stopped and refused (default 60)
LIUHEN_RENDER_MEMORY_MB  memory one render may use (default 1024)
LIUHEN_RENDER_WORKERS    renders at once per server process (default 2)
LIUHEN_PUBLIC_URL     the address the public reaches this instance at, printed as the documents' QR code
                      (default http://127.0.0.1:8000)
LIUHEN_RENDER_ON_FINALISE  1 (default): a job lays out each finalised document at once; 0: on its first read
LIUHEN_UPLOAD_MAX_BYTES  the largest browser upload, in bytes (default 16 GiB)
LIUHEN_UPLOAD_MAX_OPEN   unfinished uploads per user (default 5)
LIUHEN_UPLOAD_MAX_PENDING_BYTES  bytes declared in one user's unfinished uploads (default 32 GiB)
LIUHEN_UPLOAD_EXPIRY_DAYS  an unfinished upload untouched this long is ended (default 7)
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from liuhen import private
from liuhen.core.errors import LiuhenError

# Every file and folder this process creates is the service account's alone (0600/0700), whatever the umask.
os.umask(private.UMASK)

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("LIUHEN_HOME", "liuhen-data")).resolve()


class SettingsError(LiuhenError):
    pass


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str, pool: int = 0) -> dict[str, object]:
    """A Django DATABASES entry from sqlite:///PATH or postgresql://user:password@host:port/name.

    ``pool`` > 0 (PostgreSQL): the process keeps a pool of at most that many connections, shared by its threads. An
    ASGI server runs each request's code in a thread of its own: without a pool every thread keeps a connection of
    its own, and a few busy serving processes exhaust the server's max_connections."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc:
            path = parsed.netloc + path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # rule R8 depends on durable commits: WAL with a full sync on every commit
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "liuhen",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            **(
                {"CONN_MAX_AGE": 0, "OPTIONS": {"pool": {"min_size": 1, "max_size": pool, "timeout": 30}}}
                if pool > 0
                else {"CONN_MAX_AGE": 60}
            ),
        }
    raise SettingsError(f"LIUHEN_DATABASE_URL: 不支持的数据库地址 {url!r}（应为 sqlite:/// 或 postgresql://）")


def _secret_key() -> str:
    if os.environ.get("LIUHEN_SECRET_KEY"):
        return os.environ["LIUHEN_SECRET_KEY"]
    path = HOME / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    # Not initialised yet: a key for this process only (sessions do not survive a restart).
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = _flag("LIUHEN_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("LIUHEN_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")]

DATABASE_URL = os.environ.get("LIUHEN_DATABASE_URL", f"sqlite:///{HOME / 'liuhen.sqlite3'}")
DB_POOL = int(os.environ.get("LIUHEN_DB_POOL", "0"))
DATABASES = {"default": database_from_url(DATABASE_URL, DB_POOL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STORAGE_URL = os.environ.get("LIUHEN_STORAGE_URL", f"file://{HOME / 'blobs'}")
SIGNING_KEY_PATH = Path(os.environ.get("LIUHEN_SIGNING_KEY", str(HOME / "keys" / "ledger.pem")))
LEDGER_ORIGIN = os.environ.get("LIUHEN_LEDGER_ORIGIN", "liuhen.local/ledger")
CHECKPOINT_MINUTES = int(os.environ.get("LIUHEN_CHECKPOINT_MINUTES", "1"))
BACKUP_URL = os.environ.get("LIUHEN_BACKUP_URL", "")
CHECKPOINT_LOG_URL = os.environ.get("LIUHEN_CHECKPOINT_LOG", f"file://{HOME / 'checkpoints.log'}")
WITNESSES = os.environ.get("LIUHEN_WITNESSES", "")

INSTALLED_APPS = [
    "liuhen.web",  # first: its admin/base_site.html gives the admin the site's look
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "huey.contrib.djhuey",
    "liuhen.ledger",
    "liuhen.accounts",
    "liuhen.agency_settings",
    "liuhen.cases",
    "liuhen.deadlines",
    "liuhen.documents",
    "liuhen.media",
    "liuhen.access",
    "liuhen.search",
    "liuhen.archive",
    "liuhen.disclosure",
    "liuhen.supervision",
]

MIDDLEWARE = [
    "liuhen.web.errors.RequestIdMiddleware",
    "liuhen.web.middleware.ServerTimingMiddleware",
    "liuhen.web.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "liuhen.web.middleware.DomainErrorsMiddleware",
]

ROOT_URLCONF = "liuhen.web.urls"
ASGI_APPLICATION = "liuhen.web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "liuhen.accounts.backends.UserBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
# Locked per account whatever address the attempts come from: rotating addresses (or forging X-Forwarded-For)
# never resets the count. The address is still logged, as the trusted-proxy middleware determined it. Not also
# per address: behind one office NAT (or a proxy not yet listed in LIUHEN_TRUSTED_PROXIES) everyone shares one,
# and five typing errors would lock the whole office out. axes.W006 warns of exactly that choice.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_CLIENT_IP_CALLABLE = "liuhen.web.proxies.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login kept (who tried, from where, when), not only the count

TRUSTED_PROXIES = [p.strip() for p in os.environ.get("LIUHEN_TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise SettingsError(f"LIUHEN_TRUSTED_PROXIES: 不是 IP 地址或网段：{_proxy!r}") from exc

SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _flag("LIUHEN_SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # the screens are Chinese whatever language a browser asks for (the admin too)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files ship inside the package; WhiteNoise serves them through the finders (no collectstatic step).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

QUEUE_URL = os.environ.get("LIUHEN_QUEUE_URL", "").strip()
QUEUE_NAME = os.environ.get("LIUHEN_QUEUE_NAME", "liuhen").strip() or "liuhen"


def queue_from_url(url: str, name: str) -> dict[str, object]:
    """Huey's settings: the embedded SQLite queue (no URL) or a queue on Redis (redis:// or rediss://)."""
    if not url:
        return {
            "huey_class": "huey.SqliteHuey",
            "name": name,
            "filename": str(HOME / "jobs.sqlite3"),
            "immediate": False,
            "create_tables": False,  # created by `liuhen init` / `serve` once LIUHEN_HOME exists
            "consumer": {"workers": 1, "worker_type": "thread"},
        }
    if urlparse(url).scheme in {"redis", "rediss"}:
        return {"huey_class": "huey.RedisHuey", "name": name, "url": url, "immediate": False}
    raise SettingsError(f"LIUHEN_QUEUE_URL: 不支持的队列地址 {url!r}（应为 redis:// 或 rediss://，不设则用内置队列）")


HUEY = queue_from_url(QUEUE_URL, QUEUE_NAME)

SMTP_URL = urlparse(os.environ.get("LIUHEN_SMTP_URL", ""))
EMAIL_ENABLED = SMTP_URL.scheme in {"smtp", "smtps"}
if EMAIL_ENABLED:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_URL.hostname or "localhost"
    EMAIL_PORT = SMTP_URL.port or (465 if SMTP_URL.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(SMTP_URL.username or "")
    EMAIL_HOST_PASSWORD = unquote(SMTP_URL.password or "")
    EMAIL_USE_SSL = SMTP_URL.scheme == "smtps"
    EMAIL_USE_TLS = SMTP_URL.scheme == "smtp" and EMAIL_PORT == 587
    EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("LIUHEN_MAIL_FROM", "liuhen@localhost")

RENDER_TIMEOUT = int(os.environ.get("LIUHEN_RENDER_TIMEOUT", "60"))
RENDER_MEMORY_MB = int(os.environ.get("LIUHEN_RENDER_MEMORY_MB", "1024"))
RENDER_WORKERS = max(1, int(os.environ.get("LIUHEN_RENDER_WORKERS", "2")))
PUBLIC_URL = os.environ.get("LIUHEN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
RENDER_ON_FINALISE = os.environ.get("LIUHEN_RENDER_ON_FINALISE", "1") != "0"
UPLOAD_MAX_BYTES = int(os.environ.get("LIUHEN_UPLOAD_MAX_BYTES", str(16 * 2**30)))
UPLOAD_MAX_OPEN = int(os.environ.get("LIUHEN_UPLOAD_MAX_OPEN", "5"))
UPLOAD_MAX_PENDING_BYTES = int(os.environ.get("LIUHEN_UPLOAD_MAX_PENDING_BYTES", str(32 * 2**30)))
UPLOAD_EXPIRY_DAYS = int(os.environ.get("LIUHEN_UPLOAD_EXPIRY_DAYS", "7"))

BLOB_DELIVERY = os.environ.get("LIUHEN_BLOB_DELIVERY", "app").strip().lower() or "app"
if BLOB_DELIVERY not in {"app", "presigned", "accel"}:
    raise SettingsError(f"LIUHEN_BLOB_DELIVERY: 应为 app、presigned 或 accel，而不是 {BLOB_DELIVERY!r}")
if BLOB_DELIVERY == "presigned" and not STORAGE_URL.startswith("s3://"):
    raise SettingsError("LIUHEN_BLOB_DELIVERY=presigned 只适用于 S3 存储（LIUHEN_STORAGE_URL=s3://…）")
ACCEL_REDIRECT = "/" + os.environ.get("LIUHEN_ACCEL_REDIRECT", "/protected/").strip("/") + "/"
PRESIGNED_SECONDS = int(os.environ.get("LIUHEN_PRESIGNED_SECONDS", "300"))
if BLOB_DELIVERY == "presigned":
    # the player's video is fetched from the object store: the page's policy lets it play from there (only)
    _endpoint = urlparse(
        os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "https://*.amazonaws.com"
    )
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["media-src"] = ["'self'", f"{_endpoint.scheme}://{_endpoint.netloc}"]

LOG_FILE = HOME / "logs" / "server.log"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "liuhen.web.errors.RequestIdFilter"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "line"},
        "file": {
            "class": "liuhen.web.errors.PrivateLogHandler",
            "filename": str(LOG_FILE),
            "maxBytes": 20 * 2**20,
            "backupCount": 5,
            "filters": ["request_id"],
            "formatter": "line",
            "level": "WARNING",
        },
    },
    "loggers": {
        "liuhen": {"handlers": ["console", "file"], "level": "INFO"},
        # server errors (500) with their tracebacks; 4xx answers stay out of the log file
        "django.request": {"handlers": ["console", "file"], "level": "ERROR", "propagate": False},
        "axes": {"level": "WARNING"},
        # the job queue's consumers: each job started and finished, with its id (journald keeps it for workers)
        "huey": {"handlers": ["console", "file"], "level": "INFO", "propagate": False},
    },
}
