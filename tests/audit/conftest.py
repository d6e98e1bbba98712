"""Fixtures of the audit tests: processes to chain events to, and raw-SQL tampering."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from audit.services import audit_record
from tests.factories import PlanningProcessFactory
from tests.workflow.conftest import cycle, other_cycle  # noqa: F401  (shared fixtures)

TRIGGERS = importlib.import_module("audit.migrations.0002_append_only_triggers")


@pytest.fixture(scope="session", autouse=True)
def audit_triggers(django_db_setup: None, django_db_blocker: Any) -> None:
    """The triggers of migration 0002, also when the test database was built with
    ``--no-migrations`` (from the models, without RunPython operations)."""
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'audit_event_append_only'")
        if cursor.fetchone() is None:
            for statement in TRIGGERS.INSTALL:
                cursor.execute(statement)


@pytest.fixture
def postgresql(audit_triggers: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def process(db) -> Any:
    return PlanningProcessFactory()


@pytest.fixture
def chain(process) -> Callable[..., list[Any]]:
    """Append ``count`` events to the process's chain (or, with process_id=None, the global)."""

    def append(count: int = 5, *, process_id: Any = ..., kind: str = "vote_cast") -> list[Any]:
        pid = process.pk if process_id is ... else process_id
        return [
            audit_record(
                process_id=pid,
                kind=kind,
                actor_id=7,
                object_ref=("workflow.vote", str(100 + i)),
                payload={"decision_id": 3, "choice": "for", "n": i},
            )
            for i in range(count)
        ]

    return append


def raw(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    """Run raw SQL as an intruder would; on PostgreSQL with the audit triggers switched off
    (inside the test's transaction, so they are back afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE needs the deferred foreign-key checks of this transaction done first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchain DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(sql, params)
        return cursor.rowcount
