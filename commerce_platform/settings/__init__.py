"""Settings are chosen by DJANGO_ENV: development (default), test or production."""

import os

_env = os.environ.get("DJANGO_ENV", "development").lower()

if _env == "production":
    from .production import *  # noqa: F403
elif _env == "test":
    from .test import *  # noqa: F403
else:
    from .dev import *  # noqa: F403
