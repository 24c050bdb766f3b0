"""Settings for the P1 benchmark server only: the normal settings plus a bare `ok` view
(bench.p1.urls). Never used outside bench/bench_p1_storefront.py."""

from commerce_platform.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.p1.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
