"""Appending to the audit trail: the only write this app offers.

Any app may call ``audit_record``; this app imports none of them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from audit.models import AuditChain, AuditEvent, canonical_json, format_time

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_DEPTH = 8

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_OBJECT_TYPE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A key is refused when it contains one of these...
_PERSONAL_KEY_PARTS = (
    "name",
    "mail",
    "phone",
    "address",
    "street",
    "birth",
    "signature",
    "login",
    "password",
)
# ... or when one of its underscore-separated words is one of these.
_PERSONAL_KEY_WORDS = frozenset({"ip", "tel", "mobile", "fax", "dob", "ssn", "rc"})


def is_personal_key(key: str) -> bool:
    """Whether a key or field name looks like it holds personal data (name, e-mail, ...)."""
    lowered = key.lower()
    if any(part in lowered for part in _PERSONAL_KEY_PARTS):
        return True
    return any(word in _PERSONAL_KEY_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def _check_value(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"Audit payload nested too deeply at {path}.")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"Audit payload value {path} contains a NUL character.")
        if _EMAIL_PATTERN.search(value):
            raise ValueError(f"Audit payload value {path} looks like an e-mail address.")
        return
    if isinstance(value, float):
        raise ValueError(
            f"Audit payload value {path} is a float; pass an integer or a decimal string."
        )
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY_PATTERN.match(key):
                raise ValueError(
                    f"Audit payload key {path}.{key!r} must match [a-z][a-z0-9_]* (ASCII)."
                )
            if is_personal_key(key):
                raise ValueError(
                    f"Audit payload key {path}.{key} looks personal; audit events hold "
                    "references and facts, never names, e-mails or contact details."
                )
            _check_value(item, f"{path}.{key}", depth + 1)
        return
    raise ValueError(
        f"Audit payload value {path} of type {type(value).__name__} is not JSON; "
        "pass ids, codes, integers, booleans or strings."
    )


def clean_payload(payload: Any) -> dict[str, Any]:
    """The payload as it will be stored (tuples become lists), or ValueError.

    A programming guard: only JSON objects, arrays, strings, integers, booleans and null; keys
    are lowercase ASCII identifiers and never look personal; no string contains an e-mail.
    """
    if not isinstance(payload, dict):
        raise ValueError("The audit payload must be a dict.")
    _check_value(payload, "payload", 0)
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"The audit payload is larger than {MAX_PAYLOAD_BYTES} bytes.")
    return json.loads(text)


def object_reference(obj: models.Model) -> tuple[str, str]:
    """("app_label.model", "pk") of a saved model instance."""
    if obj.pk is None:
        raise ValueError("An audit event can only name a saved object.")
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


def _reference(obj: models.Model | None, object_ref: tuple[str, str] | None) -> tuple[str, str]:
    if obj is not None and object_ref is not None:
        raise ValueError("Pass either obj or object_ref, not both.")
    if obj is not None:
        return object_reference(obj)
    if object_ref is None:
        return "", ""
    object_type, object_id = object_ref
    object_id = str(object_id)
    if not _OBJECT_TYPE_PATTERN.match(object_type):
        raise ValueError(f"object_ref type {object_type!r} must be 'app_label.model'.")
    if not object_id or len(object_id) > 64:
        raise ValueError("object_ref id must be 1 to 64 characters.")
    return object_type, object_id


def _check_id(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer or None.")
    return value


def audit_record(
    *,
    process_id: int | None,
    kind: str,
    actor_id: int | None,
    obj: models.Model | None = None,
    object_ref: tuple[str, str] | None = None,
    payload: dict[str, Any],
) -> AuditEvent:
    """Append one event to the chain of ``process_id`` (None: the installation-wide chain).

    Call it inside the transaction of the business change it records: it joins that
    transaction (no savepoint), so the event exists if and only if the change commits, and an
    error here rolls the change back. Concurrent calls for one chain queue on the chain's head
    row (``SELECT ... FOR UPDATE``) and get consecutive positions; other chains do not wait.
    Costs one query on PostgreSQL (``_append_in_one_statement``) and three elsewhere (lock the
    head, insert the event, advance the head); the first event of a chain costs up to five
    more (creating its head).

    ``payload`` holds non-personal facts only (ids, states, codes, counts, sha256); keys that
    look personal, floats and non-JSON values raise ``ValueError``. The object is named by
    ``obj`` (a saved instance) or ``object_ref`` ("app_label.model", "id").
    """
    if kind not in AuditEvent.Kind.values:
        raise ValueError(f"Unknown audit event kind {kind!r}.")
    process_id = _check_id(process_id, "process_id")
    actor_id = _check_id(actor_id, "actor_id")
    object_type, object_id = _reference(obj, object_ref)
    facts = clean_payload(payload)
    event = AuditEvent(
        process_id=process_id,
        kind=kind,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        payload=facts,
        occurred_at=timezone.now(),
    )
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor == "postgresql":
            if not _append_in_one_statement(event, connection):
                # The chain's first event: create its head (or, when a concurrent first event
                # created it, wait for and lock it), then append as usual.
                AuditChain.objects.using(using).select_for_update().get_or_create(
                    process_id=process_id
                )
                if not _append_in_one_statement(event, connection):
                    raise RuntimeError(f"The audit chain of process {process_id} has no head.")
            return event
        head, _created = (
            AuditChain.objects.using(using).select_for_update().get_or_create(process_id=process_id)
        )
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.hash = event.compute_hash()
        event.save(using=using)
        AuditChain.objects.using(using).filter(pk=head.pk).update(
            last_seq=event.seq, last_hash=event.hash
        )
    return event


def _hash_document_parts(event: AuditEvent) -> tuple[str, str, str]:
    """The canonical JSON of ``event`` (format 1, see ``audit.models``) cut where its
    ``prev_hash`` (a JSON string) and its ``seq`` (a JSON integer) go.

    The keys come sorted: actor, kind, object_id, object_type, occurred_at, payload, then
    prev_hash, process, seq, v; so the document is ``before`` + prev_hash + ``between`` + seq +
    ``after``.
    """
    first = canonical_json(
        {
            "actor": event.actor_id,
            "kind": event.kind,
            "object_id": event.object_id,
            "object_type": event.object_type,
            "occurred_at": format_time(event.occurred_at),
            "payload": event.payload,
        }
    )
    before = first[:-1] + ',"prev_hash":'
    between = ',"process":' + canonical_json(event.process_id) + ',"seq":'
    after = ',"v":' + canonical_json(event.format_version) + "}"
    return before, between, after


def _append_in_one_statement(event: AuditEvent, connection: BaseDatabaseWrapper) -> bool:
    """PostgreSQL: lock the head, insert the event after it and advance the head, in one
    statement (one round trip instead of three). False when the chain has no head yet.

    The head row is locked with ``FOR UPDATE`` as in the three-query way; the event's hash is
    the SHA-256 of the same canonical document, assembled by the database around the head's
    hash (``to_json``, escaped as Python's ``json.dumps``) and position; the migration 0002
    triggers check the insert and the advance as always. The stored hash is then recomputed
    here, and a difference raises (rolling the transaction back) instead of storing a hash that
    ``verify_audit`` would not reproduce. Fills in the event's id, seq, prev_hash and hash.
    """
    quote = connection.ops.quote_name
    event_table, chain_table = (quote(model._meta.db_table) for model in (AuditEvent, AuditChain))

    def column(model: type[models.Model], name: str) -> str:
        return quote(model._meta.get_field(name).column)

    chain_process, last_seq, last_hash = (
        column(AuditChain, name) for name in ("process", "last_seq", "last_hash")
    )
    inserted = (
        "process",
        "seq",
        "kind",
        "actor_id",
        "object_type",
        "object_id",
        "payload",
        "occurred_at",
        "prev_hash",
        "hash",
        "format_version",
    )
    fields = {name: AuditEvent._meta.get_field(name) for name in inserted}

    def value(name: str) -> Any:
        field = fields[name]
        return field.get_db_prep_save(getattr(event, field.attname), connection)

    before, between, after = _hash_document_parts(event)
    if event.process_id is None:
        which_chain, chain_params = f"{chain_process} IS NULL", []
    else:
        which_chain, chain_params = f"{chain_process} = %s", [event.process_id]
    next_seq = f"(head.{last_seq} + 1)"
    document = f"%s || to_json(head.{last_hash}::text)::text || %s || {next_seq}::text || %s"
    sql = (
        f"WITH head AS (SELECT {quote('id')}, {chain_process}, {last_seq}, {last_hash}"  # noqa: S608 (names from _meta)
        f" FROM {chain_table} WHERE {which_chain} FOR UPDATE),"
        f" event AS (INSERT INTO {event_table}"
        f" ({', '.join(column(AuditEvent, name) for name in inserted)})"
        f" SELECT head.{chain_process}, {next_seq}, %s, %s::bigint, %s, %s, %s::jsonb,"
        f" %s::timestamptz, head.{last_hash},"
        f" encode(sha256(convert_to({document}, 'UTF8')), 'hex'), %s FROM head"
        f" RETURNING {quote('id')}, {column(AuditEvent, 'seq')} AS seq,"
        f" {column(AuditEvent, 'prev_hash')} AS prev_hash, {column(AuditEvent, 'hash')} AS hash)"
        f" UPDATE {chain_table} AS chain SET {last_seq} = event.seq, {last_hash} = event.hash"
        f" FROM head, event WHERE chain.{quote('id')} = head.{quote('id')}"
        f" RETURNING event.{quote('id')}, event.seq, event.prev_hash, event.hash"
    )
    params = [
        *chain_params,
        value("kind"),
        value("actor_id"),
        value("object_type"),
        value("object_id"),
        value("payload"),
        value("occurred_at"),
        before,
        between,
        after,
        value("format_version"),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.seq, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias
    if event.compute_hash() != event.hash:
        raise RuntimeError(
            f"The database computed audit hash {event.hash} for event {event.pk}, "
            f"not {event.compute_hash()}; the event is not stored."
        )
    return True


def actor_id_of(actor: Any) -> int | None:
    """The id an event records for the acting user: None for anonymous or system actions."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk
