"""Secretaries record resolutions of one body at the same moment: every number is different."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from tests.workflow.conftest import build_cycle
from tests.workflow.test_resolutions import build_council
from workflow import services
from workflow.models import Resolution, ResolutionCounter, ResolutionNumbering

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 20
ROUNDS = 5


def _race(actor, body, *, session: int) -> list[object]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = services.resolution_record(
                actor=actor,
                body=body,
                adopted_on=dt.date(2014, 9, 8),
                session=session,
                title=f"Usnesení {index}",
                points=[{"verb": "takes_note", "text": f"bod {index}"}],
                present=body.seat_count,
                votes_for=body.seat_count,
                votes_against=0,
                votes_abstained=0,
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


def test_concurrent_recording_never_duplicates_a_number(superuser):
    assert connection.vendor == "postgresql"
    cycle = build_cycle(superuser)
    council = build_council(cycle)
    services.resolution_numbering_set(
        actor=council.secretary,
        body=council.assembly,
        pattern="{seq}/{session}/ZM/{year}",
        scope=ResolutionNumbering.Scope.YEAR,
        next_seq=700,
        year=2014,
    )
    for round_number in range(ROUNDS):
        outcomes = _race(council.secretary, council.assembly, session=20 + round_number)
        errors = [o for o in outcomes if not isinstance(o, Resolution)]
        assert errors == [], round_number
    numbers = list(
        Resolution.objects.filter(body=council.assembly).values_list("number", flat=True)
    )
    seqs = sorted(Resolution.objects.filter(body=council.assembly).values_list("seq", flat=True))
    assert len(numbers) == len(set(numbers)) == THREADS * ROUNDS
    assert seqs == list(range(700, 700 + THREADS * ROUNDS))
    assert ResolutionCounter.objects.get(body=council.assembly, key="y2014").last_seq == 799


def test_concurrent_first_numbers_of_a_new_sequence(superuser):
    """Nobody has created the counter row of the year yet: the racers create it once."""
    cycle = build_cycle(superuser, code="3214", name="ORP Sušice")
    council = build_council(cycle)
    outcomes = _race(council.secretary, council.board, session=1)
    assert [o for o in outcomes if not isinstance(o, Resolution)] == []
    numbers = sorted(Resolution.objects.filter(body=council.board).values_list("seq", flat=True))
    assert numbers == list(range(1, THREADS + 1))
