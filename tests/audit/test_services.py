"""Appending to the trail: positions, links, hashes, the payload guard, and no way to edit."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError

from audit.models import (
    GENESIS_HASH,
    AuditChain,
    AuditEvent,
    AuditTrailAppendOnly,
    event_hash,
)
from audit.services import (
    _hash_document_parts,
    audit_record,
    clean_payload,
    is_personal_key,
)
from tests.factories import PlanningProcessFactory

pytestmark = pytest.mark.django_db


def test_events_are_numbered_and_linked_per_chain(process, chain):
    events = chain(4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    stored = list(AuditEvent.objects.filter(process=process).order_by("seq"))
    assert [e.hash for e in stored] == [e.hash for e in events]
    assert all(e.compute_hash() == e.hash for e in stored)
    head = AuditChain.objects.get(process=process)
    assert (head.last_seq, head.last_hash) == (4, events[-1].hash)


def test_chains_of_processes_and_the_global_chain_are_separate(process, chain):
    other = PlanningProcessFactory()
    chain(2)
    chain(3, process_id=None)
    chain(1, process_id=other.pk)
    chain(1)
    assert list(
        AuditEvent.objects.filter(process=process).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2, 3]
    assert list(AuditEvent.objects.filter(process__isnull=True).values_list("seq", flat=True)) == [
        1,
        2,
        3,
    ]
    assert AuditEvent.objects.get(process=other).seq == 1
    assert AuditChain.objects.count() == 3
    assert AuditChain.objects.get(process__isnull=True).last_seq == 3


def test_an_auditor_recomputes_the_hash_from_the_documented_format(process):
    event = audit_record(
        process_id=process.pk,
        kind="version_approved",
        actor_id=42,
        object_ref=("documents.documentversion", "17"),
        payload={"sha256": "ab" * 32, "decision_id": 5, "status": "approved", "note": 'Č\n"'},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    when = stored.occurred_at.astimezone(dt.UTC)
    # Written out by hand, as an auditor with another tool would, from the module docstring.
    text = (
        '{"actor":42,"kind":"version_approved","object_id":"17",'
        '"object_type":"documents.documentversion",'
        f'"occurred_at":"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond:06d}Z",'
        '"payload":{"decision_id":5,"note":"Č\\n\\"","sha256":"' + "ab" * 32 + '",'
        '"status":"approved"},'
        f'"prev_hash":"{GENESIS_HASH}","process":{process.pk},"seq":1,"v":1}}'
    )
    assert stored.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_hash_covers_every_field(process):
    event = audit_record(
        process_id=process.pk, kind="vote_cast", actor_id=1, obj=process, payload={"a": 1}
    )
    base = {
        "process_id": event.process_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
        "prev_hash": event.prev_hash,
    }
    assert event_hash(**base) == event.hash
    changes = {
        "process_id": event.process_id + 1,
        "seq": 2,
        "kind": "vote_recorded",
        "actor_id": 2,
        "object_type": "workflow.decision",
        "object_id": "999",
        "payload": {"a": 2},
        "occurred_at": event.occurred_at + dt.timedelta(microseconds=1),
        "prev_hash": "1" * 64,
    }
    for field, value in changes.items():
        assert event_hash(**{**base, field: value}) != event.hash, field


def test_object_reference_from_an_instance_or_a_pair(process):
    by_obj = audit_record(
        process_id=process.pk, kind="process_created", actor_id=None, obj=process, payload={}
    )
    assert (by_obj.object_type, by_obj.object_id) == ("workflow.planningprocess", str(process.pk))
    assert by_obj.actor_id is None
    by_ref = audit_record(
        process_id=process.pk,
        kind="export_generated",
        actor_id=3,
        object_ref=("workflow.planningprocess", process.pk),
        payload={},
    )
    assert by_ref.object_id == str(process.pk)
    none = audit_record(process_id=None, kind="export_generated", actor_id=3, payload={})
    assert (none.object_type, none.object_id) == ("", "")


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Jana"},
        {"first_name": "Jana"},
        {"submitter_name": "x"},
        {"email": "x"},
        {"e_mail": "x"},
        {"phone": "123"},
        {"address": "Nám. 1"},
        {"ip": "1.2.3.4"},
        {"nested": {"person": {"last_name": "Nováková"}}},
        {"items": [{"email": "x"}]},
        {"reason": "poslal jana@example.cz"},
        {"ratio": 0.5},
        {"when": dt.date(2025, 1, 1)},
        {"ids": {1, 2}},
        {"Key": 1},
        {"ключ": 1},
        {1: "x"},
        {"text": "a\x00b"},
        {"big": "x" * 20_000},
        ["not", "a", "dict"],
    ],
)
def test_the_payload_guard_refuses_personal_or_non_json_facts(process, payload):
    with pytest.raises(ValueError):
        audit_record(process_id=process.pk, kind="vote_cast", actor_id=1, payload=payload)
    assert not AuditEvent.objects.exists()


def test_the_payload_guard_accepts_facts():
    facts = {
        "decision_id": 3,
        "status": "adopted",
        "votes": {"for": 4, "against": 0},
        "sha256": "f" * 64,
        "late": False,
        "ids": (1, 2),
        "none": None,
        "note": "Řídící skupina",
    }
    assert clean_payload(facts)["ids"] == [1, 2]
    assert not is_personal_key("decision_id")
    assert is_personal_key("submitter_email")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "no_such_kind"}, "Unknown audit event kind"),
        ({"actor_id": "7"}, "actor_id"),
        ({"actor_id": True}, "actor_id"),
        ({"process_id": 0}, "process_id"),
        ({"object_ref": ("Workflow Vote", "1")}, "app_label.model"),
        ({"object_ref": ("workflow.vote", "")}, "1 to 64"),
    ],
)
def test_bad_arguments_are_refused(process, kwargs, message):
    arguments = {"process_id": process.pk, "kind": "vote_cast", "actor_id": 1, "payload": {}}
    with pytest.raises(ValueError, match=message):
        audit_record(**{**arguments, **kwargs})


def test_obj_and_object_ref_together_or_an_unsaved_obj_are_refused(process):
    with pytest.raises(ValueError, match="either"):
        audit_record(
            process_id=process.pk,
            kind="vote_cast",
            actor_id=1,
            obj=process,
            object_ref=("workflow.planningprocess", "1"),
            payload={},
        )
    with pytest.raises(ValueError, match="saved"):
        audit_record(
            process_id=process.pk,
            kind="vote_cast",
            actor_id=1,
            obj=PlanningProcessFactory.build(),
            payload={},
        )


def test_the_event_exists_only_if_the_business_change_commits(process, chain):
    chain(1)

    class BusinessRuleFailed(Exception):
        pass

    with pytest.raises(BusinessRuleFailed), transaction.atomic():
        audit_record(process_id=process.pk, kind="vote_cast", actor_id=1, payload={})
        raise BusinessRuleFailed
    assert AuditEvent.objects.filter(process=process).count() == 1
    assert AuditChain.objects.get(process=process).last_seq == 1
    chain(1)
    assert AuditChain.objects.get(process=process).last_seq == 2


def test_an_append_costs_one_query_on_postgresql_and_three_elsewhere(
    process, chain, django_assert_num_queries
):
    chain(1)
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), django_assert_num_queries(1 if postgresql else 3) as captured:
        event = audit_record(process_id=process.pk, kind="vote_cast", actor_id=1, payload={"a": 1})
    sql = [q["sql"].upper() for q in captured.captured_queries]
    if postgresql:
        # Lock the head, insert the event, advance the head: one statement.
        assert sql[0].startswith("WITH HEAD AS (SELECT") and "FOR UPDATE" in sql[0]
        assert "INSERT INTO" in sql[0] and "UPDATE " in sql[0]
    else:
        assert sql[0].startswith("SELECT") and sql[1].startswith("INSERT")
        assert sql[2].startswith("UPDATE")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (2, event.prev_hash, event.hash)
    assert stored.compute_hash() == event.hash
    assert event.prev_hash == AuditEvent.objects.get(process=process, seq=1).hash
    head = AuditChain.objects.get(process=process)
    assert (head.last_seq, head.last_hash) == (2, event.hash)


@pytest.mark.parametrize(
    "prev_hash",
    [GENESIS_HASH, "ab" * 32, 'x"\\\b\t\n\x01\x1fČ\u2028/' + "0" * 50],
)
def test_the_hash_document_cut_around_prev_hash_and_seq_is_the_documented_one(prev_hash):
    """What PostgreSQL completes (``_append_in_one_statement``) is the canonical document."""
    event = AuditEvent(
        process_id=None,
        kind="version_approved",
        actor_id=42,
        object_type="documents.documentversion",
        object_id="17",
        payload={"note": 'Č\n"', "sha256": "ab" * 32, "votes": {"for": 4}},
        occurred_at=dt.datetime(2025, 3, 1, 8, 30, 0, 12, tzinfo=dt.UTC),
        prev_hash=prev_hash,
        seq=123,
    )
    for process_id in (None, 7):
        event.process_id = process_id
        before, between, after = _hash_document_parts(event)
        # The database quotes prev_hash with to_json(), which escapes as json.dumps does.
        document = before + json.dumps(prev_hash, ensure_ascii=False) + between + "123" + after
        assert hashlib.sha256(document.encode("utf-8")).hexdigest() == event.compute_hash()


def test_the_first_event_of_a_chain_creates_its_head(process, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        audit_record(process_id=process.pk, kind="process_created", actor_id=1, payload={})
    assert AuditChain.objects.get(process=process).last_seq == 1


def test_the_orm_refuses_every_change_and_deletion(process, chain):
    event = chain(2)[0]
    stored = AuditEvent.objects.get(pk=event.pk)
    stored.payload = {"choice": "against"}
    refusals = [
        lambda: stored.save(),
        lambda: stored.save(update_fields=["payload"]),
        lambda: stored.delete(),
        lambda: AuditEvent.objects.filter(pk=event.pk).update(kind="vote_cast"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([stored], ["payload"]),
        lambda: AuditEvent.objects.bulk_create([AuditEvent(seq=9, kind="vote_cast")]),
        lambda: AuditEvent.objects.update_or_create(pk=event.pk, defaults={"kind": "x"}),
        lambda: AuditChain.objects.get(process=process).delete(),
        lambda: AuditChain.objects.all().delete(),
    ]
    for index, refuse in enumerate(refusals):
        with pytest.raises(AuditTrailAppendOnly), transaction.atomic():
            refuse()
        assert AuditEvent.objects.get(pk=event.pk).payload == event.payload, index
    assert AuditEvent.objects.count() == 2


def test_a_process_with_audit_events_cannot_be_deleted(process, chain):
    chain(1)
    with pytest.raises(ProtectedError):
        process.delete()
