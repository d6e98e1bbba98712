"""Concurrent additions and moves keep the plan's numbers unique and gap-free (PostgreSQL, real
threads): the parent row is locked before its children are numbered."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from documents.models.plan import Activity
from documents.services import plan as services
from tests.documents.test_plan import build_plan
from tests.factories import SuperUserFactory
from tests.stakeholders.conftest import build_world

REQUIRED = os.environ.get("KOMPLAN_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not REQUIRED,
        reason="row locks need PostgreSQL",
    ),
]

THREADS = 6


def race(attempts: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Any] = [None] * len(attempts)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = attempts[index]()
        except Exception as exc:  # reported by the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_concurrent_additions_get_consecutive_numbers():
    assert connection.vendor == "postgresql"
    world = build_world(SuperUserFactory(username="spravce"))
    plan = build_plan(world)
    member = world.users["wg_member"]
    outcomes = race(
        [
            lambda n=n: services.plan_activity_create(
                actor=member, measure=plan["m11"], title=f"Souběžná {n}"
            )
            for n in range(THREADS)
        ]
    )
    assert all(isinstance(o, Activity) for o in outcomes), outcomes
    numbers = sorted(
        Activity.objects.filter(measure=plan["m11"]).values_list("number", flat=True),
        key=lambda n: int(n.rsplit(".", 1)[1]),
    )
    assert numbers == [f"1.1.{n}" for n in range(1, THREADS + 2)]


def test_concurrent_moves_and_deletes_leave_no_gaps():
    assert connection.vendor == "postgresql"
    world = build_world(SuperUserFactory(username="spravce"))
    plan = build_plan(world, activities_per_measure=THREADS)
    ids = list(Activity.objects.filter(measure=plan["m11"]).values_list("pk", flat=True))
    actor = world.users["coordinator"]
    attempts: list[Callable[[], Any]] = [
        lambda pk=ids[0]: services.plan_activity_delete(
            actor=actor, activity=Activity.objects.get(pk=pk)
        ),
        *[
            lambda pk=pk: services.plan_activity_move(
                actor=actor, activity=Activity.objects.get(pk=pk), position=1
            )
            for pk in ids[1:4]
        ],
        lambda pk=ids[4]: services.plan_activity_move(
            actor=actor, activity=Activity.objects.get(pk=pk), measure=plan["m21"]
        ),
    ]
    outcomes = race(attempts)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    for measure in (plan["m11"], plan["m21"]):
        numbers = sorted(
            int(n.rsplit(".", 1)[1])
            for n in Activity.objects.filter(measure=measure).values_list("number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert Activity.objects.filter(measure=plan["m11"]).count() == THREADS - 2
