"""What the guarded stage transition costs next to a bare django-fsm transition with history.

Guarded: ``workflow.services.process_transition`` (row lock, permission, guard rules, the
steering-group decision check, the StageTransition record, history of both rows, the
notification queued after commit). Bare: ``process.cancel(); process.save()`` with
simple-history, in a transaction. Both on the same kind of process, in the same run, on the
database of DATABASE_URL (``make bench`` uses PostgreSQL). Target: the guarded one costs at most
3x the bare one. Each operation needs a fresh process, so processes (and, for the guarded one,
adopted decisions) are prepared outside the timed loop.

Run: ``python -m benchmarks.bench_transitions`` (or ``make bench``).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time

from benchmarks.harness import Measurement, report, setup_django, throwaway_database

BATCH = 40
REPEATS = 5


def _prepare(count: int, *, with_decisions: bool) -> list[tuple[int, int | None, object]]:
    """Fresh processes in preparation, each with its coordinator (and an adopted decision)."""
    from tests.workflow.conftest import build_cycle
    from workflow.models import Transition

    admin = _admin()
    items = []
    for _ in range(count):
        number = next(_SERIAL)
        cycle = build_cycle(admin, code=f"B{number:05d}", name=f"Bench {number}")
        decision = cycle.adopted_decision(Transition.CANCEL) if with_decisions else None
        items.append((cycle.process.pk, decision.pk if decision else None, cycle.coordinator))
    return items


_SERIAL = itertools.count(1)


def _admin():
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return user_model.objects.filter(username="bench-admin").first() or (
        user_model.objects.create_superuser("bench-admin", "admin@example.cz", "bench-pass")
    )


def _time_guarded(items) -> float:
    from workflow.models import Transition
    from workflow.services import process_transition

    start = time.perf_counter()
    for process_id, decision_id, coordinator in items:
        process_transition(
            actor=coordinator,
            process_id=process_id,
            transition=Transition.CANCEL,
            reason="Benchmark",
            decision_id=decision_id,
        )
    return time.perf_counter() - start


def _time_bare(items) -> float:
    from django.db import transaction

    from workflow.models import PlanningProcess

    start = time.perf_counter()
    for process_id, _decision_id, coordinator in items:
        with transaction.atomic():
            process = PlanningProcess.objects.get(pk=process_id)
            process.cancel()
            process._history_user = coordinator
            process._change_reason = "Benchmark"
            process.save()
    return time.perf_counter() - start


def _queries(timer, items) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        timer(items)
    return len(queries.captured_queries) / len(items)


def main() -> None:
    # Tasks are queued, as with a broker in production, not run in this process.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    setup_django()
    from config.celery import app

    app.conf.task_always_eager = False

    with throwaway_database() as vendor:
        bare = Measurement("process.cancel(); save()  [django-fsm + history]")
        guarded = Measurement("process_transition(...)  [lock, guards, decision, record]")
        # warm-up of both paths
        _time_bare(_prepare(2, with_decisions=False))
        _time_guarded(_prepare(2, with_decisions=True))
        for _ in range(REPEATS):
            items = _prepare(BATCH, with_decisions=False)
            bare.runs.append(BATCH / _time_bare(items))
            items = _prepare(BATCH, with_decisions=True)
            guarded.runs.append(BATCH / _time_guarded(items))
        bare.queries_per_op = _queries(_time_bare, _prepare(5, with_decisions=False))
        guarded.queries_per_op = _queries(_time_guarded, _prepare(5, with_decisions=True))
        report(f"bench_transitions: one stage transition ({vendor})", bare, [guarded])
        cost = statistics.median(bare.runs) / statistics.median(guarded.runs)
        print(f"  guarded transition costs {cost:.2f}x the bare one (target: at most 3x)")


if __name__ == "__main__":
    main()
