"""Reads of the audit trail. Callers decide who may read which chain (this app knows no
permissions); ``workflow.selectors_audit`` merges these events with the history of a process."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from audit.models import AuditChain, AuditEvent


def audit_event_list(
    *,
    process_id: int | None,
    kind: str | None = None,
    actor_id: int | None = None,
    occurred_from: dt.datetime | None = None,
    occurred_before: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events of one chain (None: the installation-wide chain), in chain order.

    ``occurred_from`` is inclusive, ``occurred_before`` exclusive (aware datetimes).
    """
    events = AuditEvent.objects.all()
    if process_id is None:
        events = events.filter(process__isnull=True)
    else:
        events = events.filter(process_id=process_id)
    if kind:
        events = events.filter(kind=kind)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if occurred_from is not None:
        events = events.filter(occurred_at__gte=occurred_from)
    if occurred_before is not None:
        events = events.filter(occurred_at__lt=occurred_before)
    return events.order_by("seq")


def audit_chain_head(*, process_id: int | None) -> AuditChain | None:
    """The head of a chain (its last position and hash), or None before its first event."""
    heads = AuditChain.objects.all()
    if process_id is None:
        return heads.filter(process__isnull=True).first()
    return heads.filter(process_id=process_id).first()
