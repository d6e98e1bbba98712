"""Recompute the audit chains and name the first broken link of each.

Events are streamed in chain order (``iterator(chunk_size=...)``, a server-side cursor on
PostgreSQL), so memory does not grow with the number of events; only one head per chain is
kept. On PostgreSQL, when not already inside a transaction, the whole check reads one
REPEATABLE READ snapshot, so appends made meanwhile cannot look like breaks.

What each problem code means:

- ``hash_mismatch``: the event's content does not give its stored hash (edited).
- ``seq_gap``: positions are missing before this event (deleted).
- ``seq_repeated``: this position was already seen (inserted or reordered).
- ``prev_hash_mismatch``: the event does not point at the previous event's hash (an event
  before it was deleted, inserted, replaced or moved).
- ``id_order``: the event was stored before the event preceding it in the chain (reordered).
- ``head_missing`` / ``head_mismatch`` / ``events_missing`` / ``events_after_head``: the chain
  does not end where its ``AuditChain`` head says (truncated at the end, or appended to
  without the service).
- ``expected_head_mismatch`` / ``expected_head_missing``: the chain does not contain a head an
  auditor kept earlier (``--expect-heads``): rewritten or truncated since.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from audit.models import GENESIS_HASH, AuditChain, AuditEvent, event_hash

CHUNK_SIZE = 2000
GLOBAL = "global"

ChainKey = int | None


@dataclass(frozen=True)
class Break:
    """The first broken link of one chain."""

    process_id: int | None
    seq: int | None
    event_id: int | None
    problem: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        values = {
            "chain": _chain_label(self.process_id),
            "seq": self.seq,
            "event": self.event_id,
            "problem": self.problem,
            "detail": self.detail,
        }
        if self.seq is None:
            return _("chain %(chain)s, end of chain: %(problem)s: %(detail)s") % values
        return (
            _("chain %(chain)s, seq %(seq)s, event id %(event)s: %(problem)s: %(detail)s") % values
        )


@dataclass(frozen=True)
class ChainHead:
    """The last event of a chain as found: what an auditor keeps to compare later."""

    process_id: int | None
    last_seq: int
    last_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"process": self.process_id, "last_seq": self.last_seq, "last_hash": self.last_hash}


@dataclass
class VerifyResult:
    chains: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: list[ChainHead] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "breaks": [b.as_dict() for b in self.breaks],
            "heads": [h.as_dict() for h in self.heads],
        }


def _chain_label(process_id: int | None) -> str:
    return GLOBAL if process_id is None else str(process_id)


def _sort_key(process_id: ChainKey) -> tuple[bool, int]:
    """Python order equal to the database's ``process_id ASC NULLS LAST``."""
    return (process_id is None, process_id or 0)


class _Chain:
    """The running check of one chain, fed its events in order."""

    def __init__(self, process_id: int | None, expected: tuple[int, str] | None):
        self.process_id = process_id
        self.expected = expected
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.last_id: int | None = None
        self.first_break: Break | None = None

    def _break(self, seq: int | None, event_id: int | None, problem: str, detail: str) -> None:
        if self.first_break is None:
            self.first_break = Break(self.process_id, seq, event_id, problem, detail)

    def feed(self, row: tuple[Any, ...]) -> None:
        (event_id, process_id, seq, kind, actor_id, object_type, object_id, payload,
         occurred_at, prev_hash, stored_hash, format_version) = row  # fmt: skip
        self.count += 1
        if self.first_break is None:
            expected_seq = self.last_seq + 1
            if seq > expected_seq:
                missing = (
                    f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
                )
                self._break(
                    seq, event_id, "seq_gap", _("position %(seq)s is missing") % {"seq": missing}
                )
            elif seq < expected_seq:
                self._break(
                    seq,
                    event_id,
                    "seq_repeated",
                    _("position %(seq)s appears again") % {"seq": seq},
                )
            else:
                try:
                    recomputed = event_hash(
                        process_id=process_id,
                        seq=seq,
                        kind=kind,
                        actor_id=actor_id,
                        object_type=object_type,
                        object_id=object_id,
                        payload=payload,
                        occurred_at=occurred_at,
                        prev_hash=prev_hash,
                        format_version=format_version,
                    )
                except (TypeError, ValueError) as exc:
                    recomputed = f"unhashable: {exc}"
                if recomputed != stored_hash:
                    self._break(
                        seq,
                        event_id,
                        "hash_mismatch",
                        _("the content gives %(computed)s…, the stored hash is %(stored)s…")
                        % {"computed": recomputed[:16], "stored": stored_hash[:16]},
                    )
                elif prev_hash != self.last_hash:
                    self._break(
                        seq,
                        event_id,
                        "prev_hash_mismatch",
                        _("it points at %(prev)s…, the previous event's hash is %(last)s…")
                        % {"prev": prev_hash[:16], "last": self.last_hash[:16]},
                    )
                elif self.last_id is not None and event_id <= self.last_id:
                    self._break(
                        seq,
                        event_id,
                        "id_order",
                        _("stored before the preceding event (id %(id)s)") % {"id": self.last_id},
                    )
            if (
                self.first_break is None
                and self.expected is not None
                and seq == self.expected[0]
                and stored_hash != self.expected[1]
            ):
                self._break(
                    seq,
                    event_id,
                    "expected_head_mismatch",
                    _("the kept head says %(kept)s…, the chain has %(stored)s…")
                    % {"kept": self.expected[1][:16], "stored": stored_hash[:16]},
                )
        self.last_seq = seq
        self.last_hash = stored_hash
        self.last_id = event_id

    def finish(self, head: tuple[int, str] | None) -> None:
        if head is None:
            if self.count:
                self._break(
                    None, None, "head_missing", _("the chain has events but no head record")
                )
        else:
            head_seq, head_hash = head
            if head_seq > self.last_seq:
                self._break(
                    None,
                    None,
                    "events_missing",
                    _("the head records position %(head)s, the chain ends at %(last)s")
                    % {"head": head_seq, "last": self.last_seq},
                )
            elif head_seq < self.last_seq:
                self._break(
                    None,
                    None,
                    "events_after_head",
                    _("the head records position %(head)s, the chain continues to %(last)s")
                    % {"head": head_seq, "last": self.last_seq},
                )
            elif head_hash != self.last_hash:
                self._break(
                    None,
                    None,
                    "head_mismatch",
                    _("the head records hash %(head)s…, the last event has %(last)s…")
                    % {"head": head_hash[:16], "last": self.last_hash[:16]},
                )
        if self.expected is not None and self.expected[0] > self.last_seq:
            self._break(
                None,
                None,
                "expected_head_missing",
                _("the kept head is at position %(kept)s, the chain ends at %(last)s")
                % {"kept": self.expected[0], "last": self.last_seq},
            )


_ROW_FIELDS = (
    "id",
    "process_id",
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


def _events(only: list[ChainKey] | None, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    events = AuditEvent.objects.order_by(F("process").asc(nulls_last=True), "seq", "id")
    if only is not None:
        events = _restrict(events, only)
    return events.values_list(*_ROW_FIELDS).iterator(chunk_size=chunk_size)


def _restrict(queryset: Any, only: list[ChainKey]) -> Any:
    ids = [key for key in only if key is not None]
    condition = None
    if ids:
        condition = Q(process_id__in=ids)
    if None in only:
        condition = (condition | Q(process__isnull=True)) if condition else Q(process__isnull=True)
    return queryset.filter(condition) if condition is not None else queryset.none()


def _heads(only: list[ChainKey] | None) -> dict[ChainKey, tuple[int, str]]:
    heads = AuditChain.objects.all()
    if only is not None:
        heads = _restrict(heads, only)
    return {
        pid: (seq, h) for pid, seq, h in heads.values_list("process_id", "last_seq", "last_hash")
    }


def _run(
    only: list[ChainKey] | None,
    expected: dict[ChainKey, tuple[int, str]],
    chunk_size: int,
) -> VerifyResult:
    result = VerifyResult()
    heads = _heads(only)
    pending_heads = dict(heads)
    current: _Chain | None = None

    def close(chain: _Chain) -> None:
        chain.finish(pending_heads.pop(chain.process_id, None))
        result.chains += 1
        result.events += chain.count
        result.heads.append(ChainHead(chain.process_id, chain.last_seq, chain.last_hash))
        if chain.first_break is not None:
            result.breaks.append(chain.first_break)

    for row in _events(only, chunk_size):
        process_id = row[1]
        if current is None or process_id != current.process_id:
            if current is not None:
                close(current)
            current = _Chain(process_id, expected.get(process_id))
        current.feed(row)
    if current is not None:
        close(current)
    # Heads without any event left, and kept heads of chains that vanished entirely.
    leftovers = set(pending_heads)
    wanted = set(expected) if only is None else {k for k in expected if k in only}
    for key in sorted(leftovers | (wanted - {h.process_id for h in result.heads}), key=_sort_key):
        chain = _Chain(key, expected.get(key))
        close(chain)
    result.heads.sort(key=lambda h: _sort_key(h.process_id))
    result.breaks.sort(key=lambda b: _sort_key(b.process_id))
    return result


def verify_chains(
    *,
    process_ids: Iterable[ChainKey] | None = None,
    expected_heads: Iterable[ChainHead] = (),
    chunk_size: int = CHUNK_SIZE,
) -> VerifyResult:
    """Check every chain (or those of ``process_ids``; None in it is the global chain)."""
    only = None if process_ids is None else list(process_ids)
    expected = {h.process_id: (h.last_seq, h.last_hash) for h in expected_heads}
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _run(only, expected, chunk_size)
    with transaction.atomic():
        return _run(only, expected, chunk_size)


def parse_heads(text: str) -> list[ChainHead]:
    """Heads kept earlier: the JSON of ``verify_audit --heads --json`` (or its ``heads``
    list), or the text of ``verify_audit --heads`` (``<process|global> <seq> <hash>`` lines)."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        data = json.loads(stripped)
        items = data.get("heads", []) if isinstance(data, dict) else data
        heads = []
        for item in items:
            process = item.get("process")
            heads.append(
                ChainHead(
                    None if process in (None, GLOBAL) else int(process),
                    int(item["last_seq"]),
                    str(item["last_hash"]),
                )
            )
        return heads
    heads = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise ValueError(f"line {number}: expected '<process> <seq> <hash>'")
        process, seq, digest = parts
        heads.append(ChainHead(None if process == GLOBAL else int(process), int(seq), digest))
    return heads


def format_heads(heads: Iterable[ChainHead]) -> str:
    lines = ["# process last_seq last_hash"]
    lines += [f"{_chain_label(h.process_id)} {h.last_seq} {h.last_hash}" for h in heads]
    return "\n".join(lines)
