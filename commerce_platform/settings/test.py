"""Test settings: real Postgres and real Redis (from the environment or embedded)."""

from commerce_platform import devservices

from .base import *  # noqa: F403
from .base import REDIS_URL, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Texts stay in memory (mobile.sms.outbox) unless a test's worker is given SMS_BACKEND.
SMS_BACKEND = env("SMS_BACKEND", default="mobile.sms.LocmemSmsBackend")

# Tests keep to their own Redis database so a running dev worker never eats their tasks;
# each xdist worker gets its own.
_xdist = env("PYTEST_XDIST_WORKER", default="gw0").lstrip("gw") or "0"
REDIS_URL = devservices.redis_url_with_db(REDIS_URL, env.int("TEST_REDIS_DB", default=8) + int(_xdist))
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CELERY_BROKER_URL = devservices.celery_broker_url(REDIS_URL)
CELERY_VISIBILITY_TIMEOUT = 30
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Several test runs may share one Postgres (developers, CI): TEST_DB_SUFFIX keeps their
# test databases apart (pytest-django adds the xdist worker suffix on top).
if env("TEST_DB_SUFFIX", default=""):
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{env('TEST_DB_SUFFIX')}"}  # noqa: F405

# Live chat: the channel layer on the test Redis. Pub/Sub channels ignore the database
# number, so the prefix keeps parallel test runs (and a dev server) apart.
CHANNEL_LAYER_PREFIX = f"uc-chat-test-{env('TEST_DB_SUFFIX', default='')}-{_xdist}"
CHANNEL_LAYERS = channel_layers(env("CHANNEL_REDIS_URL", default="") or REDIS_URL, CHANNEL_LAYER_PREFIX)  # noqa: F405

# A second real database stands in for the read replica (DATABASE_REPLICA_URL): same server,
# its own test database, migrated like the primary. Reporting reads stay on the primary unless
# a test switches REPORTING_READS_FROM_REPLICA on (tests/test_replica_routing.py does, and
# proves the reads went to the other database).
_primary_test_name = DATABASES["default"].get("TEST", {}).get("NAME") or f"test_{DATABASES['default']['NAME']}"  # noqa: F405
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"NAME": f"{_primary_test_name}_replica"}}  # noqa: F405
REPORTING_READS_FROM_REPLICA = False

# Tests run with the Content-Security-Policy enforced, as production does (a page that needs
# an inline script without the nonce fails its browser test).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}  # noqa: F405
CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# Push tests run a local push service on loopback (tests/mobile/push_service.py).
WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS = True
