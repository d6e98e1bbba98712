"""Settings of the server that bench_public_pages starts: the test settings, plus a bare view
next to the real URLs, persistent database connections and, with CACHE_URL, the shared cache
(Redis), as production keeps them."""

from config.env import env
from config.settings.test import *  # noqa: F403

if env.str("CACHE_URL", default=""):
    CACHES = {
        "default": {
            **env.cache_url("CACHE_URL"),
            "KEY_PREFIX": env.str("BENCH_CACHE_KEY_PREFIX", default="bench"),
        }
    }
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # as config.settings.base does

ROOT_URLCONF = "benchmarks.public_pages_urls"
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
