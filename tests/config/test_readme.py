"""The README's configuration table names every environment variable that config/ reads."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

_READERS = (
    r"env\.\w+",
    r"bool_var",
    r"int_var",
    r"list_var",
    r"required_str",
    r"database_config",
    r"broker_url",
    r"os\.environ\.(?:get|setdefault)",
    r"os\.getenv",
)
_ENV_READ = re.compile(rf"(?:{'|'.join(_READERS)})\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
_ENV_INDEX = re.compile(r"os\.environ\[\s*[\"']([A-Z][A-Z0-9_]*)[\"']\s*\]")


def variables_read_in_config() -> set[str]:
    names: set[str] = set()
    for path in (BASE_DIR / "config").rglob("*.py"):
        source = path.read_text()
        names.update(_ENV_READ.findall(source))
        names.update(_ENV_INDEX.findall(source))
    return names


def test_every_configuration_variable_is_documented():
    readme = (BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, flags=re.MULTILINE))

    read = variables_read_in_config()

    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= read
    assert read - documented == set(), "add these to the README's configuration table"
