"""Settings come from the environment; a missing or broken variable stops the start by name.

Each case starts `manage.py check` in a fresh process with a controlled environment, so that the
settings module is imported exactly as a server would import it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# The documented example production configuration (README, "Production"; Makefile, `make lint`).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "example-only-kQ7vN2xR9tLm4ZpW8sYc3HjF6dGb1TnUe5VaKoXy0MiPqBwErDs",
    "ALLOWED_HOSTS": "komplan.example.cz",
    "DATABASE_URL": "postgres://komplan@127.0.0.1:5432/komplan",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only ``env`` (plus PATH and locale) in the environment."""
    clean = {key: os.environ[key] for key in _INHERITED if key in os.environ}
    return subprocess.run(  # noqa: S603 (fixed argument list, no shell)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**changes: str | None) -> dict[str, str]:
    """The documented production environment with some variables changed (None removes one)."""
    env = dict(PRODUCTION_ENV)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_documented_production_configuration_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param(production(DJANGO_SECRET_KEY=None), "DJANGO_SECRET_KEY", id="no-secret"),
        pytest.param(production(DJANGO_SECRET_KEY="  "), "DJANGO_SECRET_KEY", id="blank-secret"),
        pytest.param(
            production(DJANGO_SECRET_KEY="too-short"), "DJANGO_SECRET_KEY", id="short-secret"
        ),
        pytest.param(production(ALLOWED_HOSTS=None), "ALLOWED_HOSTS", id="no-hosts"),
        pytest.param(production(DATABASE_URL=None), "DATABASE_URL", id="no-database"),
        pytest.param(production(DATABASE_URL="not a url"), "DATABASE_URL", id="db-not-a-url"),
        pytest.param(production(DATABASE_URL="mysql//x"), "DATABASE_URL", id="db-no-scheme"),
        pytest.param(
            production(DATABASE_URL="mysql://u@127.0.0.1/komplan"),
            "DATABASE_URL",
            id="db-unsupported-engine",
        ),
        pytest.param(
            production(DATABASE_URL="postgres://komplan@127.0.0.1:5432"),
            "DATABASE_URL",
            id="db-no-name",
        ),
        pytest.param(
            production(CELERY_BROKER_URL="http://127.0.0.1:6379/0"),
            "CELERY_BROKER_URL",
            id="broker-http",
        ),
        pytest.param(
            production(CELERY_BROKER_URL="redis//127.0.0.1"),
            "CELERY_BROKER_URL",
            id="broker-no-scheme",
        ),
        pytest.param(production(CELERY_BROKER_URL=None), "CELERY_BROKER_URL", id="no-broker"),
        pytest.param(production(CACHE_URL=None), "CACHE_URL", id="no-shared-cache"),
        pytest.param(
            production(DB_CONN_MAX_AGE="a minute"), "DB_CONN_MAX_AGE", id="conn-age-not-int"
        ),
        pytest.param({"DATABASE_URL": "not a url"}, "DATABASE_URL", id="dev-settings-db-not-a-url"),
        pytest.param(
            {"CELERY_BROKER_URL": "redis//x"}, "CELERY_BROKER_URL", id="dev-settings-bad-broker"
        ),
    ],
)
def test_a_broken_configuration_fails_at_start_naming_the_variable(env, named):
    result = manage("check", env=env)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert named in last_line


def test_make_lint_checks_the_same_example_configuration():
    makefile = (BASE_DIR / "Makefile").read_text()
    block = makefile.split("DEPLOY_CHECK_ENV := \\\n", 1)[1].split("\n\n", 1)[0]
    assignments = block.replace("\\\n", " ").split()

    assert dict(item.split("=", 1) for item in assignments) == PRODUCTION_ENV
