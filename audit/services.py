"""Appending to the audit trail: the only write this app offers.

Any app may call ``audit_record``; this app imports none of them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from audit.models import AuditChain, AuditEvent

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
    Costs three queries (lock the head, insert the event, advance the head), three more the
    first time a chain is used.

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
    with transaction.atomic(savepoint=False):
        head, _created = AuditChain.objects.select_for_update().get_or_create(process_id=process_id)
        event = AuditEvent(
            process_id=process_id,
            seq=head.last_seq + 1,
            kind=kind,
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            payload=facts,
            occurred_at=timezone.now(),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditChain.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


def actor_id_of(actor: Any) -> int | None:
    """The id an event records for the acting user: None for anonymous or system actions."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk
