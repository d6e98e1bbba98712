"""Tampering by raw SQL — edit, deletion, insertion, reordering, truncation — and the verifier
naming the first broken link. Runs on SQLite and on PostgreSQL (with the triggers switched off
inside the test; ``test_postgresql.py`` shows that they refuse all this while on)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from audit.models import GENESIS_HASH, AuditChain, AuditEvent, event_hash
from audit.verify import ChainHead, format_heads, parse_heads, verify_chains
from tests.audit.conftest import raw
from tests.factories import PlanningProcessFactory

pytestmark = pytest.mark.django_db


def _ids(process) -> dict[int, int]:
    """seq → event id of a chain."""
    return dict(AuditEvent.objects.filter(process=process).values_list("seq", "id"))


def _only_break(result):
    assert not result.ok
    assert len(result.breaks) == 1, result.breaks
    return result.breaks[0]


def _forge(process_id, seq, prev_hash, *, occurred_at=None, payload=None) -> tuple[str, list]:
    """An INSERT of an event whose hash is right for its content (a careful intruder)."""
    occurred_at = occurred_at or timezone.now()
    payload = payload if payload is not None else {"decision_id": 3, "choice": "against"}
    digest = event_hash(
        process_id=process_id,
        seq=seq,
        kind="vote_cast",
        actor_id=7,
        object_type="workflow.vote",
        object_id="999",
        payload=payload,
        occurred_at=occurred_at,
        prev_hash=prev_hash,
    )
    sql = (
        "INSERT INTO audit_auditevent (process_id, seq, kind, actor_id, object_type, object_id,"
        " payload, occurred_at, prev_hash, hash, format_version)"
        " VALUES (%s, %s, 'vote_cast', 7, 'workflow.vote', '999', %s, %s, %s, %s, 1)"
    )
    return sql, [process_id, seq, json.dumps(payload), occurred_at, prev_hash, digest]


def _rehash_from(process, seq_from: int) -> None:
    """Recompute hashes and links from ``seq_from`` on and move the head: a rewrite that leaves
    the chain internally consistent."""
    rows = list(
        AuditEvent.objects.filter(process=process, seq__gte=seq_from - 1)
        .order_by("seq")
        .values(
            "id",
            "seq",
            "kind",
            "actor_id",
            "object_type",
            "object_id",
            "payload",
            "occurred_at",
            "prev_hash",
            "hash",
        )
    )
    prev = rows[0]["hash"] if rows[0]["seq"] == seq_from - 1 else GENESIS_HASH
    for row in rows:
        if row["seq"] < seq_from:
            continue
        digest = event_hash(
            process_id=process.pk,
            seq=row["seq"],
            kind=row["kind"],
            actor_id=row["actor_id"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            payload=row["payload"],
            occurred_at=row["occurred_at"],
            prev_hash=prev,
        )
        raw(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, digest, row["id"]],
        )
        prev = digest
    last = max(r["seq"] for r in rows)
    raw(
        "UPDATE audit_auditchain SET last_seq = %s, last_hash = %s WHERE process_id = %s",
        [last, prev, process.pk],
    )


def test_an_untouched_trail_verifies(process, chain):
    chain(5)
    chain(2, process_id=None)
    result = verify_chains()
    assert result.ok, result.breaks
    assert (result.chains, result.events) == (2, 7)
    head = AuditChain.objects.get(process=process)
    assert ChainHead(process.pk, 5, head.last_hash) in result.heads
    assert result.heads[-1].process_id is None  # the global chain comes last


def test_an_empty_trail_verifies(db):
    result = verify_chains()
    assert result.ok and result.chains == 0 and result.events == 0


def test_events_stream_in_chunks(process, chain):
    chain(7)
    assert verify_chains(chunk_size=2).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payload", '{"decision_id": 3, "choice": "against", "n": 2}'),
        ("kind", "vote_withdrawn"),
        ("actor_id", 8),
        ("object_id", "666"),
        ("occurred_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_an_edited_event_is_named(process, chain, column, value):
    chain(5)
    ids = _ids(process)
    assert raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, ids[3]]) == 1  # noqa: S608
    broken = _only_break(verify_chains())
    assert (broken.process_id, broken.seq, broken.event_id, broken.problem) == (
        process.pk,
        3,
        ids[3],
        "hash_mismatch",
    )


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(process, chain):
    chain(5)
    ids = _ids(process)
    event = AuditEvent.objects.get(pk=ids[3])
    digest = event_hash(
        process_id=process.pk,
        seq=3,
        kind=event.kind,
        actor_id=event.actor_id,
        object_type=event.object_type,
        object_id=event.object_id,
        payload={"choice": "against"},
        occurred_at=event.occurred_at,
        prev_hash=event.prev_hash,
    )
    raw(
        "UPDATE audit_auditevent SET payload = %s, hash = %s WHERE id = %s",
        ['{"choice": "against"}', digest, ids[3]],
    )
    broken = _only_break(verify_chains())
    assert (broken.seq, broken.event_id, broken.problem) == (4, ids[4], "prev_hash_mismatch")


@pytest.mark.parametrize(
    ("deleted", "named_seq", "problem"),
    [(1, 2, "seq_gap"), (3, 4, "seq_gap"), (5, None, "events_missing")],
)
def test_a_deleted_event_is_named(process, chain, deleted, named_seq, problem):
    chain(5)
    ids = _ids(process)
    assert raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[deleted]]) == 1
    broken = _only_break(verify_chains())
    assert (broken.process_id, broken.seq, broken.problem) == (process.pk, named_seq, problem)
    assert broken.event_id == (ids[named_seq] if named_seq else None)


def test_a_deleted_event_with_renumbered_successors_is_named(process, chain):
    chain(5)
    ids = _ids(process)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[3]])
    for seq in (4, 5):
        raw("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [seq - 1, ids[seq]])
    broken = _only_break(verify_chains())
    assert (broken.seq, broken.event_id, broken.problem) == (3, ids[4], "hash_mismatch")


def test_an_event_inserted_at_the_end_is_named(process, chain):
    events = chain(4)
    raw(*_forge(process.pk, 5, events[-1].hash))
    broken = _only_break(verify_chains())
    assert (broken.process_id, broken.seq, broken.problem) == (
        process.pk,
        None,
        "events_after_head",
    )


def test_an_event_inserted_in_the_middle_is_named(process, chain):
    events = chain(4)
    ids = _ids(process)
    for seq in (4, 3):  # make room at position 3, from the end so positions stay unique
        raw("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [seq + 1, ids[seq]])
    raw(*_forge(process.pk, 3, events[1].hash))
    broken = _only_break(verify_chains())
    # The forged event links correctly to event 2; the original third event no longer fits.
    assert (broken.seq, broken.event_id, broken.problem) == (4, ids[3], "hash_mismatch")


def test_an_inserted_event_with_a_rewritten_tail_is_caught_by_its_id(process, chain):
    events = chain(4)
    ids = _ids(process)
    for seq in (4, 3):
        raw("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [seq + 1, ids[seq]])
    raw(*_forge(process.pk, 3, events[1].hash))
    _rehash_from(process, 4)
    broken = _only_break(verify_chains())
    assert (broken.seq, broken.event_id, broken.problem) == (4, ids[3], "id_order")


def test_two_swapped_events_are_named(process, chain):
    chain(5)
    ids = _ids(process)
    raw("UPDATE audit_auditevent SET seq = 99 WHERE id = %s", [ids[2]])
    raw("UPDATE audit_auditevent SET seq = 2 WHERE id = %s", [ids[3]])
    raw("UPDATE audit_auditevent SET seq = 3 WHERE id = %s", [ids[2]])
    broken = _only_break(verify_chains())
    assert (broken.seq, broken.event_id, broken.problem) == (2, ids[3], "hash_mismatch")


def test_swapped_events_with_recomputed_hashes_are_caught_by_their_ids(process, chain):
    chain(5)
    ids = _ids(process)
    raw("UPDATE audit_auditevent SET seq = 99 WHERE id = %s", [ids[2]])
    raw("UPDATE audit_auditevent SET seq = 2 WHERE id = %s", [ids[3]])
    raw("UPDATE audit_auditevent SET seq = 3 WHERE id = %s", [ids[2]])
    _rehash_from(process, 2)
    broken = _only_break(verify_chains())
    assert (broken.seq, broken.event_id, broken.problem) == (3, ids[2], "id_order")


def test_a_rewritten_head_is_named(process, chain):
    events = chain(3)
    raw("UPDATE audit_auditchain SET last_seq = 2 WHERE process_id = %s", [process.pk])
    assert _only_break(verify_chains()).problem == "events_after_head"
    raw(
        "UPDATE audit_auditchain SET last_seq = 3, last_hash = %s WHERE process_id = %s",
        ["e" * 64, process.pk],
    )
    assert _only_break(verify_chains()).problem == "head_mismatch"
    raw("DELETE FROM audit_auditchain WHERE process_id = %s", [process.pk])
    assert _only_break(verify_chains()).problem == "head_missing"
    assert events


def test_a_chain_emptied_under_its_head_is_named(process, chain):
    chain(3)
    raw("DELETE FROM audit_auditevent WHERE process_id = %s", [process.pk])
    broken = _only_break(verify_chains())
    assert (broken.process_id, broken.problem) == (process.pk, "events_missing")


def test_the_first_break_of_each_chain_is_named_and_whole_chains_are_not(process, chain):
    other = PlanningProcessFactory()
    chain(4)
    chain(4, process_id=other.pk)
    chain(3, process_id=None)
    ids = _ids(process)
    raw("UPDATE audit_auditevent SET actor_id = 1 WHERE id = %s", [ids[2]])
    raw("UPDATE audit_auditevent SET actor_id = 1 WHERE id = %s", [ids[4]])
    raw("DELETE FROM audit_auditevent WHERE process_id IS NULL AND seq = 2")
    result = verify_chains()
    assert [(b.process_id, b.seq, b.problem) for b in result.breaks] == [
        (process.pk, 2, "hash_mismatch"),
        (None, 3, "seq_gap"),
    ]
    assert verify_chains(process_ids=[other.pk]).ok
    assert not verify_chains(process_ids=[None]).ok


def test_kept_heads_catch_a_consistent_rewrite_and_a_truncation(process, chain):
    chain(5)
    kept = verify_chains().heads
    # A rewrite of event 2 with every later hash and the head recomputed is invisible inside...
    ids = _ids(process)
    raw(
        "UPDATE audit_auditevent SET payload = %s WHERE id = %s",
        ['{"choice": "against"}', ids[2]],
    )
    _rehash_from(process, 2)
    assert verify_chains().ok
    # ... but not to an auditor who kept the head.
    broken = _only_break(verify_chains(expected_heads=kept))
    assert (broken.seq, broken.event_id, broken.problem) == (5, ids[5], "expected_head_mismatch")


def test_kept_heads_catch_a_truncated_end(process, chain):
    chain(5)
    kept = parse_heads(format_heads(verify_chains().heads))
    ids = _ids(process)
    raw("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [ids[4], ids[5]])
    raw(
        "UPDATE audit_auditchain SET last_seq = 3, last_hash = %s WHERE process_id = %s",
        [AuditEvent.objects.get(pk=ids[3]).hash, process.pk],
    )
    assert verify_chains().ok
    broken = _only_break(verify_chains(expected_heads=kept))
    assert (broken.problem, broken.seq) == ("expected_head_missing", None)
    # A chain that has grown since the heads were kept is fine.
    chain(3)


def test_kept_heads_of_a_chain_that_vanished_entirely(process, chain):
    chain(2)
    kept = verify_chains().heads
    raw("DELETE FROM audit_auditevent WHERE process_id = %s", [process.pk])
    raw("DELETE FROM audit_auditchain WHERE process_id = %s", [process.pk])
    assert verify_chains().ok  # nothing left to contradict...
    broken = _only_break(verify_chains(expected_heads=kept))  # ...but the kept head is gone
    assert (broken.process_id, broken.problem) == (process.pk, "expected_head_missing")


def test_a_grown_chain_still_matches_its_kept_head(process, chain):
    chain(3)
    kept = verify_chains().heads
    chain(4)
    assert verify_chains(expected_heads=kept).ok


def test_heads_round_trip_as_text_and_json(process, chain):
    chain(2)
    chain(1, process_id=None)
    heads = verify_chains().heads
    assert parse_heads(format_heads(heads)) == heads
    as_json = json.dumps({"heads": [h.as_dict() for h in heads]})
    assert parse_heads(as_json) == heads
    with pytest.raises(ValueError):
        parse_heads("12 3")
