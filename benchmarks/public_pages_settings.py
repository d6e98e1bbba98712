"""Settings of the server that bench_public_pages starts: the test settings, plus a bare view
next to the real URLs and persistent database connections (as production keeps them)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.public_pages_urls"
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
