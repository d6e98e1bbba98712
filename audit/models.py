"""The append-only, hash-chained audit trail.

One chain per planning process (``AuditEvent.process``), plus one installation-wide chain for
events that belong to no process (``process`` is NULL), e.g. a permission on a council body of a
territory. Events are appended only by ``audit.services.audit_record``, which locks the chain's
head row (``AuditChain``), so that concurrent appends to one chain queue on that row and never
fork it, while different chains never contend.

Nothing here may be changed or deleted: ``save()`` of a stored event, ``delete()`` and the
queryset's ``update()``, ``delete()``, ``bulk_update()`` and ``bulk_create()`` raise
``AuditTrailAppendOnly``; on PostgreSQL a trigger refuses UPDATE and DELETE of the table (see
migration 0002). ``manage.py verify_audit`` recomputes every hash.

Hash format (``HASH_FORMAT`` = 1), to recompute independently
-------------------------------------------------------------------
``hash`` is the lowercase hexadecimal SHA-256 of the UTF-8 bytes of this JSON object::

    {"actor": <actor_id or null>,
     "kind": "<kind code>",
     "object_id": "<object id, or "" when the event names no object>",
     "object_type": "<app_label.model, or "">",
     "occurred_at": "<UTC time, YYYY-MM-DDTHH:MM:SS.ffffffZ>",
     "payload": {<payload>},
     "prev_hash": "<hash of the previous event of the chain; 64 zeros for the first>",
     "process": <process id, or null for the installation-wide chain>,
     "seq": <position in the chain, 1, 2, 3, ...>,
     "v": 1}

serialised canonically: keys of every object sorted by code point (they are ASCII), no
whitespace at all (separators ``,`` and ``:``), strings as raw UTF-8 (not \\u-escaped) except
that ``"`` and ``\\`` are backslash-escaped, the control characters U+0008, U+0009, U+000A,
U+000C, U+000D as ``\\b \\t \\n \\f \\r`` and the other characters below U+0020 as ``\\u00xx``
(lowercase hex); integers in decimal without sign for positives or leading zeros; ``true``,
``false``, ``null``. The time always has six fractional digits. Payloads hold only JSON objects
with keys matching ``[a-z][a-z0-9_]*``, arrays, strings, integers, booleans and null (no
floats), so this is exactly Python's
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.

Chain rules the verifier checks: within a chain, ``seq`` runs 1, 2, 3, ... without gaps; each
event's ``prev_hash`` equals the previous event's ``hash``; each ``hash`` matches its content;
event ids grow with ``seq``; the ``AuditChain`` head holds the last event's ``seq`` and ``hash``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

HASH_FORMAT = 1
GENESIS_HASH = "0" * 64


class AuditTrailAppendOnly(Exception):
    """An attempt to change or delete a stored audit record."""


def canonical_json(value: Any) -> str:
    """The canonical serialisation described in the module docstring."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def format_time(moment: dt.datetime) -> str:
    """An aware datetime as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if moment.tzinfo is None:
        raise ValueError("Audit times must be timezone-aware.")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    process_id: int | None,
    seq: int,
    kind: str,
    actor_id: int | None,
    object_type: str,
    object_id: str,
    payload: Any,
    occurred_at: dt.datetime,
    prev_hash: str,
    format_version: int = HASH_FORMAT,
) -> str:
    """SHA-256 (hex) of an event's canonical JSON."""
    if format_version != HASH_FORMAT:
        raise ValueError(f"Unknown audit hash format {format_version}.")
    document = {
        "actor": actor_id,
        "kind": kind,
        "object_id": object_id,
        "object_type": object_type,
        "occurred_at": format_time(occurred_at),
        "payload": payload,
        "prev_hash": prev_hash,
        "process": process_id,
        "seq": seq,
        "v": format_version,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads only: every bulk write path raises."""

    def _refuse(self, what: str) -> AuditTrailAppendOnly:
        return AuditTrailAppendOnly(
            f"The audit trail is append-only: {what} is refused; use audit.services.audit_record."
        )

    def update(self, **kwargs: Any) -> int:
        raise self._refuse("update()")

    def _update(self, values: Any) -> Any:
        raise self._refuse("an update")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise self._refuse("delete()")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def _raw_delete(self, using: Any) -> int:
        raise self._refuse("a delete")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise self._refuse("bulk_update()")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        raise self._refuse("bulk_create()")


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(models.Model):
    """One business event of a planning process (or of the installation), hash-chained."""

    class Kind(models.TextChoices):
        PROCESS_CREATED = "process_created", _("process created")
        STAGE_TRANSITION = "stage_transition", _("stage transition")
        DECISION_RECORDED = "decision_recorded", _("decision recorded")
        DECISION_CLOSED = "decision_closed", _("decision closed")
        VOTE_CAST = "vote_cast", _("vote cast")
        VERSION_SUBMITTED = "version_submitted", _("document version submitted")
        VERSION_APPROVED = "version_approved", _("document version approved")
        VERSION_RETURNED = "version_returned", _("document version returned")
        VERSION_PUBLISHED = "version_published", _("document version published")
        VERSION_SUPERSEDED = "version_superseded", _("document version superseded")
        CONSULTATION_SCHEDULED = "consultation_scheduled", _("consultation scheduled")
        CONSULTATION_OPENED = "consultation_opened", _("consultation opened")
        CONSULTATION_CLOSED = "consultation_closed", _("consultation closed")
        COMMENT_RECEIVED = "comment_received", _("comment received")
        COMMENT_SETTLED = "comment_settled", _("comment settled")
        CONSULTATION_SETTLED = "consultation_settled", _("consultation settled")
        SETTLEMENT_PUBLISHED = "settlement_published", _("settlement published")
        MEETING_HELD = "meeting_held", _("meeting held")
        ATTENDANCE_RECORDED = "attendance_recorded", _("attendance recorded")
        MINUTES_APPROVED = "minutes_approved", _("minutes approved")
        RESOLUTION_RECORDED = "resolution_recorded", _("resolution recorded")
        PERMISSION_GRANTED = "permission_granted", _("permission granted")
        PERMISSION_REVOKED = "permission_revoked", _("permission revoked")
        EXPORT_GENERATED = "export_generated", _("export generated")
        PERSON_PSEUDONYMISED = "person_pseudonymised", _("personal data pseudonymised")

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,  # the unique (process, seq) index serves lookups by process
        verbose_name=_("planning process"),
        help_text=_("The chain the event belongs to; empty for the installation-wide chain."),
    )
    seq = models.PositiveBigIntegerField(_("position in the chain"))
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    actor_id = models.BigIntegerField(
        _("actor (user id)"),
        null=True,
        blank=True,
        help_text=_("Kept even if the user account is deleted; empty for system events."),
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    payload = models.JSONField(_("facts"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    prev_hash = models.CharField(_("hash of the previous event"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    format_version = models.PositiveSmallIntegerField(_("hash format"), default=HASH_FORMAT)

    objects = AuditEventManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        base_manager_name = "objects"
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["process", "seq"], name="audit_event_seq_unique_per_process"
            ),
            models.UniqueConstraint(
                fields=["seq"],
                condition=Q(process__isnull=True),
                name="audit_event_seq_unique_global",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_event_seq_positive"),
            models.CheckConstraint(condition=~Q(kind=""), name="audit_event_has_kind"),
        ]
        indexes = [
            models.Index(fields=["process", "occurred_at"], name="audit_event_process_time"),
            models.Index(fields=["actor_id"], name="audit_event_actor"),
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
        ]

    def __str__(self) -> str:
        chain = self.process_id if self.process_id is not None else "global"
        return f"{chain}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.pk is not None:
            raise AuditTrailAppendOnly("A stored audit event cannot be changed.")
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditTrailAppendOnly("An audit event cannot be deleted.")

    def compute_hash(self) -> str:
        return event_hash(
            process_id=self.process_id,
            seq=self.seq,
            kind=self.kind,
            actor_id=self.actor_id,
            object_type=self.object_type,
            object_id=self.object_id,
            payload=self.payload,
            occurred_at=self.occurred_at,
            prev_hash=self.prev_hash,
            format_version=self.format_version,
        )


class AuditChainQuerySet(models.QuerySet["AuditChain"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailAppendOnly("The head of an audit chain cannot be deleted.")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def _raw_delete(self, using: Any) -> int:
        raise AuditTrailAppendOnly("The head of an audit chain cannot be deleted.")


AuditChainManager = models.Manager.from_queryset(AuditChainQuerySet)


class AuditChain(models.Model):
    """The head of one chain: its last position and hash. Locked while appending.

    Written only by ``audit.services.audit_record``; on PostgreSQL a trigger lets ``last_seq``
    only advance by one and refuses deletion.
    """

    process = models.ForeignKey(
        "workflow.PlanningProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planning process"),
    )
    last_seq = models.PositiveBigIntegerField(_("last position"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    objects = AuditChainManager()

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")
        base_manager_name = "objects"
        default_permissions = ("view",)
        constraints = [
            # One head per process and one for the installation-wide chain (NULL process).
            models.UniqueConstraint(
                Coalesce("process", Value(0)), name="audit_chain_one_head_per_chain"
            ),
        ]

    def __str__(self) -> str:
        chain = self.process_id if self.process_id is not None else "global"
        return f"{chain}: {self.last_seq}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditTrailAppendOnly("The head of an audit chain cannot be deleted.")
