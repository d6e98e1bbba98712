"""What the guarded stage transition costs next to a bare django-fsm transition with history.

Guarded: ``workflow.services.process_transition`` (row lock, permission, guard rules, the
steering-group decision check, the StageTransition record, history of both rows, the audit
event, the notification queued after commit). Bare: ``process.cancel(); process.save()`` with
simple-history, in a transaction. Both on processes in preparation made by ``process_create``,
in the same run and database, the one of DATABASE_URL (``make bench`` uses PostgreSQL). Target:
the guarded one costs at most 3x the bare one.

Each operation needs a fresh process (cancelling is final), so the processes, and for the guarded
one the steering group and its adopted decision, are prepared outside the timed loop. Each
round prepares one batch for each side and then times the two batches back to back, in turns
of order, so that the load of a shared machine falls on both alike; the figure is the median of
many rounds. The client's CPU time per operation is printed as well: on a busy machine it is
steadier than the wall clock.

Run: ``python -m benchmarks.bench_transitions`` (or ``make bench``).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import Measurement, report, setup_django, throwaway_database

BATCH = 20
ROUNDS = 15
WARM_UP = 5


@dataclass
class World:
    """The administrator and the territory of every benchmark process."""

    admin: Any
    territory: Any


@dataclass
class Side:
    """One of the two compared operations: how to prepare its batches and time them."""

    measurement: Measurement
    prepare: Callable[[World, int], list[tuple[int, int | None, Any]]]
    timer: Callable[[list[tuple[int, int | None, Any]]], float]
    cpu_ms: list[float] = field(default_factory=list)


_SERIAL = itertools.count(1)


def _world() -> World:
    from django.contrib.auth import get_user_model

    from stakeholders import services as stakeholder_services
    from stakeholders.models import Territory

    admin = get_user_model().objects.create_superuser(
        "bench-admin", "admin@example.cz", "bench-pass"
    )
    territory = stakeholder_services.territory_create(
        actor=admin, kind=Territory.Kind.ORP, code="B0001", name="Bench"
    )
    return World(admin=admin, territory=territory)


def _process(world: World) -> Any:
    from workflow.services import process_create

    number = next(_SERIAL)
    return process_create(
        actor=world.admin,
        territory=world.territory,
        title=f"Komunitní plán {number}",
        period_start_year=2023,
        period_end_year=2025,
    )


def _prepare_bare(world: World, count: int) -> list[tuple[int, int | None, Any]]:
    """Fresh processes in preparation (the bare transition touches nothing else)."""
    return [(_process(world).pk, None, world.admin) for _ in range(count)]


def _prepare_guarded(world: World, count: int) -> list[tuple[int, int | None, Any]]:
    """Fresh processes in preparation, each with a full steering group (the seats of the test
    suite's cycle) and an adopted decision of that group on cancelling the process.

    The same people sit on the groups of one batch, so that their permission records keep a
    usual size however many rounds run.
    """
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from stakeholders import services as stakeholder_services
    from stakeholders.models import Body
    from tests.workflow.conftest import STEERING_SEATS, Cycle
    from workflow.models import Transition

    users, people = {}, {}
    batch = next(_SERIAL)
    for key in STEERING_SEATS:
        name = f"{key}-{batch}"
        users[key] = get_user_model().objects.create_user(name, f"{name}@example.cz")
        people[key] = stakeholder_services.person_create(
            actor=world.admin,
            first_name=key.title(),
            last_name=str(batch),
            user=users[key],
            email=f"{name}@example.cz",
        )
    valid_from = timezone.localdate() - dt.timedelta(days=30)
    items: list[tuple[int, int | None, Any]] = []
    for _ in range(count):
        process = _process(world)
        steering = stakeholder_services.body_create(
            actor=world.admin,
            kind=Body.Kind.STEERING_GROUP,
            name=f"Řídící skupina {process.pk}",
            process=process,
        )
        cycle = Cycle(admin=world.admin, process=process, steering_group=steering, users=users)
        for key, (role, side) in STEERING_SEATS.items():
            cycle.memberships[key] = stakeholder_services.membership_create(
                actor=world.admin,
                person=people[key],
                body=steering,
                role=role,
                triad_side=side,
                valid_from=valid_from,
            )
        decision = cycle.adopted_decision(Transition.CANCEL)
        items.append((process.pk, decision.pk, cycle.coordinator))
    return items


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
        world = _world()
        bare = Side(
            Measurement("process.cancel(); save()  [django-fsm + history]"),
            _prepare_bare,
            _time_bare,
        )
        guarded = Side(
            Measurement("process_transition(...)  [lock, guards, decision, record]"),
            _prepare_guarded,
            _time_guarded,
        )
        for side in (bare, guarded):
            side.timer(side.prepare(world, WARM_UP))
        round_ratios = []
        for round_number in range(ROUNDS):
            batches = [(side, side.prepare(world, BATCH)) for side in (bare, guarded)]
            for side, items in batches if round_number % 2 == 0 else reversed(batches):
                started = time.process_time()
                side.measurement.runs.append(BATCH / side.timer(items))
                side.cpu_ms.append((time.process_time() - started) / len(items) * 1000)
            round_ratios.append(bare.measurement.runs[-1] / guarded.measurement.runs[-1])
        for side in (bare, guarded):
            side.measurement.queries_per_op = _queries(side.timer, side.prepare(world, 5))
        report(
            f"bench_transitions: one stage transition ({vendor})",
            bare.measurement,
            [guarded.measurement],
        )
        cost = bare.measurement.ops_per_second / guarded.measurement.ops_per_second
        print(f"  guarded transition costs {cost:.2f}x the bare one (target: at most 3x)")
        print(
            f"  per round ({BATCH} of each, back to back): median "
            f"{statistics.median(round_ratios):.2f}x, from {min(round_ratios):.2f}x "
            f"to {max(round_ratios):.2f}x"
        )
        bare_cpu, guarded_cpu = statistics.median(bare.cpu_ms), statistics.median(guarded.cpu_ms)
        print(
            f"  client CPU per operation (median): bare {bare_cpu:.2f} ms, "
            f"guarded {guarded_cpu:.2f} ms ({guarded_cpu / bare_cpu:.2f}x)"
        )


if __name__ == "__main__":
    main()
