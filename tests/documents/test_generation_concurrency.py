"""Generation under real concurrency: two workers running one job store one version.

PostgreSQL with threads (``make test-services``); it commits its data, so it cannot share the
module-scoped world of the other generation tests and lives in its own module.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from documents.models.plan import GenerationJob
from documents.services import generation
from tests.documents.test_generation import small_plan, versions_of
from tests.stakeholders.conftest import build_world


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_store_one_version(superuser):
    """Two workers running the same job at once (PostgreSQL, threads): one version."""
    world = build_world(superuser)
    small_plan(world)
    job = GenerationJob.objects.create(
        process=world.process, kind="community_plan", requested_by=world.users["coordinator"]
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            generation.generation_run(job.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    job.refresh_from_db()
    assert job.state == "done"
    assert len(versions_of(job)) == 1
