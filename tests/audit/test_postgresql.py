"""PostgreSQL: the triggers refuse raw-SQL edits; with them switched off the verifier names the
link; twenty threads appending to one chain at once give one linear chain."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditChain, AuditEvent
from audit.services import audit_record
from audit.verify import verify_chains
from tests.audit.conftest import raw
from tests.factories import PlanningProcessFactory

THREADS = 20


def _refused(sql: str, params: list | tuple = ()) -> str:
    """Run SQL that the triggers must refuse; return the database's message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic():  # noqa: SIM117
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(caught.value)


@pytest.mark.django_db
def test_the_triggers_are_installed(postgresql):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "('audit_auditevent'::regclass, 'audit_auditchain'::regclass) ORDER BY tgname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == [
        "audit_chain_advance_only",
        "audit_chain_no_delete",
        "audit_event_append_only",
        "audit_event_continue_chain",
    ]


@pytest.mark.django_db
def test_the_database_refuses_raw_edits_and_deletions(postgresql, process, chain):
    events = chain(3)
    target = events[1].pk
    message = _refused("UPDATE audit_auditevent SET actor_id = 1 WHERE id = %s", [target])
    assert "append-only" in message and "UPDATE" in message
    assert "append-only" in _refused("DELETE FROM audit_auditevent WHERE id = %s", [target])
    assert "append-only" in _refused("UPDATE audit_auditevent SET kind = kind WHERE false")
    assert "append-only" in _refused("DELETE FROM audit_auditchain")
    # Out-of-chain inserts and heads that jump or go back are refused too.
    insert = (
        "INSERT INTO audit_auditevent (process_id, seq, kind, actor_id, object_type, object_id,"
        " payload, occurred_at, prev_hash, hash, format_version)"
        " VALUES (%s, %s, 'vote_cast', 1, '', '', '{}', now(), %s, %s, 1)"
    )
    assert "continue its chain" in _refused(insert, [process.pk, 2, events[0].hash, "a" * 64])
    assert "continue its chain" in _refused(insert, [process.pk, 4, "b" * 64, "a" * 64])
    for last_seq in (2, 5):
        assert "advances by one" in _refused(
            "UPDATE audit_auditchain SET last_seq = %s WHERE process_id = %s",
            [last_seq, process.pk],
        )
    assert "existing event" in _refused(
        "UPDATE audit_auditchain SET last_seq = 4, last_hash = %s WHERE process_id = %s",
        ["c" * 64, process.pk],
    )
    assert "starts at position 0" in _refused(
        "INSERT INTO audit_auditchain (process_id, last_seq, last_hash) VALUES (NULL, 7, %s)",
        ["d" * 64],
    )
    # Nothing changed, and appending still works.
    assert verify_chains().ok
    audit_record(process_id=process.pk, kind="vote_cast", actor_id=1, payload={})
    assert AuditChain.objects.get(process=process).last_seq == 4
    assert verify_chains().ok


@pytest.mark.django_db
def test_with_the_triggers_off_an_edit_is_named(postgresql, process, chain):
    events = chain(4)
    raw("UPDATE audit_auditevent SET payload = '{\"choice\": \"against\"}' WHERE id = %s",
        [events[2].pk])  # fmt: skip
    result = verify_chains()
    assert [(b.process_id, b.seq, b.event_id, b.problem) for b in result.breaks] == [
        (process.pk, 3, events[2].pk, "hash_mismatch")
    ]


@pytest.mark.django_db
def test_the_database_quotes_the_previous_hash_as_the_canonical_json_does(
    postgresql, process, chain
):
    """The one-statement append has PostgreSQL complete the hashed document around the head's
    hash: even a head forged to hold characters that JSON escapes yields the hash Python
    computes (and the verifier reproduces)."""
    chain(1)
    forged = 'x"\\\b\t\n\x01\x1f\u010c\u2028/' + "0" * 53
    raw("UPDATE audit_auditchain SET last_hash = %s WHERE process_id = %s", [forged, process.pk])
    event = audit_record(process_id=process.pk, kind="vote_cast", actor_id=1, payload={"n": 1})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash) == (2, forged)
    assert stored.hash == event.hash == stored.compute_hash()
    assert AuditChain.objects.get(process=process).last_hash == event.hash
    # The forgery itself is what the verifier names, not the event appended after it.
    assert [(b.seq, b.problem) for b in verify_chains().breaks] == [(2, "prev_hash_mismatch")]


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_appending_to_one_chain_give_one_linear_chain(postgresql):
    process = PlanningProcessFactory()
    other = PlanningProcessFactory()
    for round_number in range(3):
        barrier = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def append(
            index: int,
            round_number: int = round_number,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait(timeout=30)
                with transaction.atomic():
                    # Half the threads also write to a second chain: chains never wait on
                    # each other, and a transaction may append to two chains.
                    audit_record(
                        process_id=process.pk,
                        kind="vote_cast",
                        actor_id=index + 1,
                        payload={"round": round_number, "thread": index},
                    )
                    if index % 2:
                        audit_record(
                            process_id=other.pk,
                            kind="vote_cast",
                            actor_id=index + 1,
                            payload={"thread": index},
                        )
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=append, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        expected = THREADS * (round_number + 1)
        seqs = list(
            AuditEvent.objects.filter(process=process).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, expected + 1))
        assert AuditEvent.objects.filter(process=other).count() == (THREADS // 2) * (
            round_number + 1
        )
        assert AuditChain.objects.filter(process=process).get().last_seq == expected
    result = verify_chains()
    assert result.ok, result.breaks
    assert result.events == 3 * THREADS + 3 * (THREADS // 2)
    # Each thread's event is exactly once in the chain: no fork, no lost append.
    threads_seen = sorted(
        (e["round"], e["thread"])
        for e in AuditEvent.objects.filter(process=process).values_list("payload", flat=True)
    )
    assert threads_seen == [(r, t) for r in range(3) for t in range(THREADS)]


@pytest.mark.django_db(transaction=True)
def test_the_first_events_of_a_new_chain_race_for_its_head(postgresql):
    """No head yet: twenty threads create it at once; one wins, the others queue behind it."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                audit_record(
                    process_id=None, kind="permission_granted", actor_id=1, payload={"i": index}
                )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert AuditChain.objects.filter(process__isnull=True).count() == 1
    assert sorted(
        AuditEvent.objects.filter(process__isnull=True).values_list("seq", flat=True)
    ) == list(range(1, THREADS + 1))
    assert verify_chains().ok
