"""Twenty people press the same button at once: one transition, nineteen clean conflicts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.workflow.conftest import build_cycle
from workflow import services
from workflow.exceptions import TransitionConflict
from workflow.models import PlanningProcess, Stage, StageTransition, Transition

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 20
ROUNDS = 20


def _race(process_id: int, actor, decision_id: int) -> list[object]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = services.process_transition(
                actor=actor,
                process_id=process_id,
                transition=Transition.CANCEL,
                reason=f"Pokus {index}",
                decision_id=decision_id,
            )
        except Exception as exc:  # kept and reported by the assertion below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_transitions_on_postgresql(superuser):
    assert connection.vendor == "postgresql"
    for round_number in range(ROUNDS):
        cycle = build_cycle(superuser, code=f"9{round_number:03d}", name=f"ORP {round_number}")
        decision = cycle.adopted_decision(Transition.CANCEL)
        outcomes = _race(cycle.process.pk, cycle.coordinator, decision.pk)
        successes = [o for o in outcomes if isinstance(o, StageTransition)]
        conflicts = [o for o in outcomes if isinstance(o, TransitionConflict)]
        others = [o for o in outcomes if o not in successes and o not in conflicts]
        assert (len(successes), len(conflicts), others) == (1, THREADS - 1, []), round_number
        assert StageTransition.objects.filter(process_id=cycle.process.pk).count() == 1
        assert PlanningProcess.objects.get(pk=cycle.process.pk).stage == Stage.CANCELLED
        assert all(c.code == "conflict" for c in conflicts)
