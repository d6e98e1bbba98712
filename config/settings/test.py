"""Test suite: SQLite (make test); PostgreSQL, Redis and a worker (make test-services)."""

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
LANGUAGE_CODE = "cs"
# Serve static files from the finders, indexed once at start-up (autorefresh would rescan the
# files on every request); the suite never runs collectstatic.
WHITENOISE_USE_FINDERS = True
