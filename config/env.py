"""Reading configuration from the environment, with errors that name the variable at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "sqlite"}
_BROKER_SCHEMES = {"redis", "rediss", "amqp", "amqps", "memory"}


def database_config(var: str = "DATABASE_URL", default: str | None = None) -> dict[str, Any]:
    """Parse a database URL from ``var``; fail with a message naming ``var`` when it is unusable."""
    raw = env.str(var, default=default)
    if not raw:
        raise ImproperlyConfigured(f"{var} is empty; set it to e.g. postgres://user@host:5432/db")
    parsed = urlparse(raw)
    if parsed.scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{var}={raw!r} cannot be parsed as a database URL: the scheme must be one of "
            f"{', '.join(sorted(_DATABASE_SCHEMES))} (e.g. postgres://user@127.0.0.1:5432/komplan)"
        )
    try:
        config = environ.Env.db_url_config(raw)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"{var}={raw!r} cannot be parsed as a database URL: {exc}"
        ) from exc
    if config.get("ENGINE", "").endswith("sqlite3"):
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{var}={raw!r} names no SQLite file")
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{var}={raw!r} names no database (the path after the host)")
    return config


def broker_url(var: str = "CELERY_BROKER_URL") -> str:
    """The Celery broker URL, or "" when tasks should run in-process."""
    raw = env.str(var, default="").strip()
    if raw and urlparse(raw).scheme not in _BROKER_SCHEMES:
        raise ImproperlyConfigured(
            f"{var}={raw!r} is not a broker URL: the scheme must be one of "
            f"{', '.join(sorted(_BROKER_SCHEMES))} (e.g. redis://127.0.0.1:6379/0)"
        )
    return raw


def required_str(var: str) -> str:
    """A variable that production cannot start without."""
    value = env.str(var, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{var} must be set in production (see README, 'Configuration')")
    return value


def int_var(var: str, default: int) -> int:
    try:
        return env.int(var, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{var} must be a whole number: {exc}") from exc


def bool_var(var: str, default: bool) -> bool:
    return env.bool(var, default=default)


def list_var(var: str, default: list[str]) -> list[str]:
    return [item.strip() for item in env.list(var, default=default) if item.strip()]
