"""Shared fixtures, and the switch for tests that need PostgreSQL, Redis and a Celery worker.

Such tests carry the ``services`` marker. They are skipped when CELERY_BROKER_URL is not set or
the database is not PostgreSQL (``make test``). ``make test-services`` also sets
KOMPLAN_REQUIRE_SERVICES=1, so that a missing service fails these tests instead of skipping them.

When the services are there, tasks still run in-process (eagerly) for every test that does not
ask for the ``celery_worker`` fixture: their data lives in a transaction that a worker could not
see. A test that asks for the worker gets a real ``celery -A config worker`` process on the test
database and must commit its data (the fixture brings ``transactional_db``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

REQUIRE_VAR = "KOMPLAN_REQUIRE_SERVICES"
WORKER_START_TIMEOUT = 60.0
LOG_TAIL_CHARS = 8000
BASE_DIR = Path(__file__).resolve().parents[1]

_worker_log_key = pytest.StashKey[Path]()


def _services_required() -> bool:
    return os.environ.get(REQUIRE_VAR, "").strip().lower() in {"1", "true", "yes"}


def _missing_services() -> list[str]:
    from django.conf import settings
    from django.db import connection

    missing = []
    if not settings.CELERY_BROKER_URL:
        missing.append("CELERY_BROKER_URL is not set")
    if connection.vendor != "postgresql":
        missing.append(f"the database is {connection.vendor}, not PostgreSQL")
    return missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``services`` tests without the services; otherwise keep other tests in-process."""
    missing = _missing_services()
    if missing and not _services_required():
        skip = pytest.mark.skip(
            reason=f"needs PostgreSQL, Redis and a worker ({'; '.join(missing)}); "
            "run make test-services"
        )
        for item in items:
            if item.get_closest_marker("services"):
                item.add_marker(skip)
    elif not missing:
        from config.celery import app

        app.conf.task_always_eager = True


def _tail(path: Path | None) -> str:
    if path is None or not path.exists():
        return "(no worker log)"
    text = path.read_text(errors="replace")
    return text[-LOG_TAIL_CHARS:] if len(text) > LOG_TAIL_CHARS else text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Attach the worker's log to the report of a failing test that used the worker."""
    report = yield
    if report.failed and "celery_worker" in getattr(item, "fixturenames", ()):
        log_path = item.config.stash.get(_worker_log_key, None)
        report.sections.append(("celery worker log (tail)", _tail(log_path)))
    return report


@dataclass(frozen=True)
class WorkerProcess:
    pid: int
    nodename: str
    log_path: Path


def _test_database_url(test_db_name: str) -> str:
    """DATABASE_URL of this run, pointing at the test database pytest-django created."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw:
        pytest.fail("The services tests need DATABASE_URL (postgres://...) to be set.")
    return urlparse(raw)._replace(path="/" + quote(test_db_name)).geturl()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None,
    django_db_blocker: object,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[WorkerProcess]:
    """A `celery -A config worker` subprocess on the test database, for the whole session."""
    from django.conf import settings

    from config.celery import app

    missing = _missing_services()
    if missing:
        pytest.fail(f"The Celery worker needs the real services: {'; '.join(missing)}")

    test_db_name = settings.DATABASES["default"]["NAME"]
    nodename = f"komplan-test-{os.getpid()}@{socket.gethostname()}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    request.config.stash[_worker_log_key] = log_path
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(test_db_name),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or "",
        "PYTHONUNBUFFERED": "1",
    }
    # Messages left in the test broker by an interrupted run would otherwise reach this worker.
    app.control.purge()
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
        "-n",
        nodename,
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (fixed argument list, no shell)
            command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited with {process.returncode} before answering a "
                    f"ping. Its log:\n{_tail(log_path)}"
                )
            if app.control.ping(destination=[nodename], timeout=1.0):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The Celery worker did not answer a ping within {WORKER_START_TIMEOUT:.0f} s."
                    f" Its log:\n{_tail(log_path)}"
                )
        yield WorkerProcess(pid=process.pid, nodename=nodename, log_path=log_path)
    finally:
        _stop(process, log_path)


def _stop(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Stop the worker before pytest-django drops the test database it is connected to."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.returncode not in (0, -15):
        print(f"\nThe Celery worker ended with {process.returncode}. Its log:\n{_tail(log_path)}")


@pytest.fixture
def celery_worker(
    celery_worker_process: WorkerProcess, transactional_db: None
) -> Iterator[WorkerProcess]:
    """Send this test's tasks to the real worker; the test's data is committed."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield celery_worker_process
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _czech_first():
    """Every test starts in Czech, whatever language an earlier request activated."""
    from django.utils import translation

    with translation.override("cs"):
        yield


@pytest.fixture
def superuser(db):
    from tests.factories import SuperUserFactory

    return SuperUserFactory(username="spravce")
