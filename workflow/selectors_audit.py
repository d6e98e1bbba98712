"""The audit timeline of a process: its audit events merged with the field history
(django-simple-history) of the process and its objects, newest first.

One UNION ALL query over the audit events and the history tables gives the order and the page;
the page's rows are then completed with one query per table that appears on it (two for a
history table: the rows and the rows they changed from) and one for the actors' names. The
number of queries therefore depends on the number of tables, never on the number of rows.
Exports walk the same order in chunks by keyset (no OFFSET), so they stay linear.

Values of personal fields (names, e-mails, addresses of submitters...) are never shown: the
timeline says that such a field changed, not what it holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import CharField, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from audit.selectors import audit_event_list
from audit.services import is_personal_key
from stakeholders import roles
from stakeholders.exceptions import NotFound, PermissionDenied
from workflow.models import PlanningProcess
from workflow.permissions import ProcessPermissions

PER_PAGE = 50
EXPORT_CHUNK = 500
VALUE_LIMIT = 200

KIND_ALL_CHANGES = "changes"
KIND_CHANGES_PREFIX = "changes:"
EVENT_SOURCE = "audit.auditevent"
EVENT_RANK = 0

# Fields whose values are personal data although their names do not say so.
PERSONAL_FIELDS = frozenset({"submitter_organization", "submitted_by", "prepared_by"})

HISTORY_KINDS = {
    "+": ("created", gettext_lazy("created")),
    "~": ("changed", gettext_lazy("changed")),
    "-": ("deleted", gettext_lazy("deleted")),
}

_COLUMNS = ("t_at", "t_rank", "t_kind", "t_actor", "t_object", "t_pk")


@dataclass(frozen=True)
class HistorySource:
    """A model whose history belongs to a process's timeline, and how to find its rows."""

    rank: int
    model: type[models.Model]
    rows_of_process: Callable[[int], Q]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def history(self) -> type[models.Model]:
        return self.model.history.model  # type: ignore[attr-defined]


@functools.cache
def history_sources() -> tuple[HistorySource, ...]:
    from documents.models import Document, DocumentVersion
    from stakeholders.models import Body
    from workflow.models import (
        Comment,
        ConsultationPeriod,
        Decision,
        Meeting,
        Resolution,
        StageTransition,
    )

    documents = Document.history.model  # type: ignore[attr-defined]
    consultations = ConsultationPeriod.history.model  # type: ignore[attr-defined]

    def of_process(pid: int) -> Q:
        return Q(process_id=pid)

    specs: list[tuple[type[models.Model], Callable[[int], Q]]] = [
        (PlanningProcess, lambda pid: Q(id=pid)),
        (StageTransition, of_process),
        (Decision, of_process),
        (Document, of_process),
        (
            DocumentVersion,
            lambda pid: Q(document_id__in=documents.objects.filter(process_id=pid).values("id")),
        ),
        (ConsultationPeriod, of_process),
        (
            Comment,
            lambda pid: Q(
                consultation_id__in=consultations.objects.filter(process_id=pid).values("id")
            ),
        ),
        (
            Meeting,
            lambda pid: (
                Q(process_id=pid) | Q(body_id__in=Body.objects.filter(process_id=pid).values("pk"))
            ),
        ),
        (Resolution, of_process),
    ]
    return tuple(
        HistorySource(rank, model, rows)
        for rank, (model, rows) in enumerate(specs, start=1)
        if hasattr(model, "history")
    )


def _source_of_rank(rank: int) -> HistorySource:
    return history_sources()[rank - 1]


def kind_choices() -> list[tuple[str, str]]:
    """The values of the kind filter: every field change, those of one model, or an event kind."""
    choices = [("", _("everything")), (KIND_ALL_CHANGES, _("field changes (all)"))]
    choices += [
        (
            f"{KIND_CHANGES_PREFIX}{source.label}",
            _("field changes: %(objects)s") % {"objects": source.model._meta.verbose_name_plural},
        )
        for source in history_sources()
    ]
    choices += [(value, str(label)) for value, label in AuditEvent.Kind.choices]
    return choices


@dataclass(frozen=True)
class TimelineFilters:
    kind: str = ""
    actor_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start, end) in aware datetimes: whole days in the installation's time zone."""
        zone = timezone.get_default_timezone()
        start = end = None
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=zone)
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end

    def as_payload(self) -> dict[str, Any]:
        """The filters as non-personal audit facts."""
        return {
            "kind": self.kind,
            "actor_id": self.actor_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    at: dt.datetime
    source: str  # "audit.auditevent" or the label of the model whose history this is
    kind: str  # an event kind, or created / changed / deleted
    kind_label: str
    object_type: str
    object_label: str
    object_id: str
    actor_id: int | None
    actor_name: str = ""
    seq: int | None = None
    hash: str = ""
    reason: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.source == EVENT_SOURCE

    def details_text(self) -> str:
        """The facts or field changes in one line (for the exports)."""
        if self.is_event:
            return "; ".join(f"{key}={value}" for key, value in self.facts)
        if self.kind == "changed":
            return "; ".join(f"{c.field}: {c.old} → {c.new}" for c in self.changes)
        return "; ".join(f"{c.field}={c.new}" for c in self.changes)


def _display(model_field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "–"
    name = model_field.name
    if name in PERSONAL_FIELDS or is_personal_key(name):
        return _("(personal data, not shown)")
    if model_field.is_relation:
        return f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _field_changes(
    source: HistorySource, row: models.Model, previous: models.Model | None
) -> list[FieldChange]:
    changes = []
    for model_field in source.history.tracked_fields:  # type: ignore[attr-defined]
        new = getattr(row, model_field.attname)
        if previous is not None:
            old = getattr(previous, model_field.attname)
            if old == new:
                continue
            old_text = _display(model_field, old)
        elif new is None or new == "":
            continue
        else:
            old_text = ""
        changes.append(
            FieldChange(
                field=model_field.name,
                label=str(model_field.verbose_name),
                old=old_text,
                new=_display(model_field, new),
            )
        )
    return changes


class Timeline:
    """The filtered timeline of one process; build it with ``timeline()``."""

    def __init__(self, *, process: PlanningProcess, filters: TimelineFilters, viewer: Any):
        self.process = process
        self.filters = filters
        self.viewer = viewer
        self.show_names = bool(getattr(viewer, "is_staff", False) or viewer.is_superuser)

    def filtered(
        self,
        *,
        kind: str = "",
        actor_id: int | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> Timeline:
        """The same timeline with other filters (the permission was checked already)."""
        filters = TimelineFilters(
            kind=kind, actor_id=actor_id, date_from=date_from, date_to=date_to
        )
        return Timeline(process=self.process, filters=filters, viewer=self.viewer)

    # --- the merged order ---------------------------------------------------------------------

    def _wants_events(self) -> bool:
        kind = self.filters.kind
        return not kind or kind in AuditEvent.Kind.values

    def _wanted_sources(self) -> list[HistorySource]:
        kind = self.filters.kind
        if not kind or kind == KIND_ALL_CHANGES:
            return list(history_sources())
        if kind.startswith(KIND_CHANGES_PREFIX):
            label = kind.removeprefix(KIND_CHANGES_PREFIX)
            return [s for s in history_sources() if s.label == label]
        return []

    def _event_part(self, after: tuple[Any, ...] | None) -> models.QuerySet:
        start, end = self.filters.bounds()
        events = audit_event_list(
            process_id=self.process.pk,
            kind=self.filters.kind or None,
            actor_id=self.filters.actor_id,
            occurred_from=start,
            occurred_before=end,
        ).order_by()
        if after is not None:
            events = events.filter(_after(after, EVENT_RANK, "occurred_at", "id"))
        return events.annotate(
            t_at=F("occurred_at"),
            t_rank=Value(EVENT_RANK, output_field=IntegerField()),
            t_kind=F("kind"),
            t_actor=F("actor_id"),
            t_object=F("object_id"),
            t_pk=F("id"),
        ).values(*_COLUMNS)

    def _history_part(
        self, source: HistorySource, after: tuple[Any, ...] | None
    ) -> models.QuerySet:
        start, end = self.filters.bounds()
        rows = source.history.objects.filter(  # type: ignore[attr-defined]
            source.rows_of_process(self.process.pk)
        ).order_by()
        if self.filters.actor_id is not None:
            rows = rows.filter(history_user_id=self.filters.actor_id)
        if start is not None:
            rows = rows.filter(history_date__gte=start)
        if end is not None:
            rows = rows.filter(history_date__lt=end)
        if after is not None:
            rows = rows.filter(_after(after, source.rank, "history_date", "history_id"))
        return rows.annotate(
            t_at=F("history_date"),
            t_rank=Value(source.rank, output_field=IntegerField()),
            t_kind=F("history_type"),
            t_actor=F("history_user_id"),
            t_object=Cast("id", CharField(max_length=64)),
            t_pk=F("history_id"),
        ).values(*_COLUMNS)

    def _parts(self, after: tuple[Any, ...] | None) -> list[models.QuerySet]:
        parts = []
        if self._wants_events():
            parts.append(self._event_part(after))
        parts += [self._history_part(source, after) for source in self._wanted_sources()]
        return parts

    def rows(self, after: tuple[Any, ...] | None = None) -> models.QuerySet:
        """The merged rows (dicts of ``t_at``, ``t_rank``, ...), newest first."""
        parts = self._parts(after)
        if not parts:
            return AuditEvent.objects.none().values(*_COLUMNS)
        merged = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return merged.order_by("-t_at", "-t_rank", "-t_pk")

    # --- pages and exports ------------------------------------------------------------------

    def page(self, number: Any, per_page: int = PER_PAGE) -> Page:
        """One page; its ``object_list`` is a list of ``TimelineEntry``."""
        paginator = Paginator(self.rows(), per_page)
        page = paginator.get_page(number)
        page.object_list = self.entries(list(page.object_list))
        return page

    def iter_entries(self, chunk_size: int = EXPORT_CHUNK) -> Iterator[TimelineEntry]:
        """Every entry, newest first, fetched in chunks (constant queries per chunk)."""
        after = None
        while True:
            rows = list(self.rows(after)[:chunk_size])
            if not rows:
                return
            yield from self.entries(rows)
            if len(rows) < chunk_size:
                return
            last = rows[-1]
            after = (last["t_at"], last["t_rank"], last["t_pk"])

    def entries(self, rows: list[dict[str, Any]]) -> list[TimelineEntry]:
        """Complete merged rows: one query per table on the page, one for the actors."""
        by_rank: dict[int, list[int]] = {}
        for row in rows:
            by_rank.setdefault(row["t_rank"], []).append(row["t_pk"])
        events = AuditEvent.objects.in_bulk(by_rank[EVENT_RANK]) if EVENT_RANK in by_rank else {}
        history: dict[int, dict[int, tuple[Any, Any]]] = {}
        for rank, ids in by_rank.items():
            if rank != EVENT_RANK:
                history[rank] = _history_rows(_source_of_rank(rank), ids)
        names = self._actor_names({row["t_actor"] for row in rows if row["t_actor"]})
        result = []
        for row in rows:
            rank, pk = row["t_rank"], row["t_pk"]
            if rank == EVENT_RANK:
                entry = _event_entry(events[pk])
            else:
                entry = _history_entry(_source_of_rank(rank), *history[rank][pk])
            entry.actor_name = names.get(entry.actor_id, "") if entry.actor_id else ""
            result.append(entry)
        return result

    def _actor_names(self, ids: set[int]) -> dict[int, str]:
        if not ids or not self.show_names:
            return {}
        users = get_user_model().objects.filter(pk__in=ids)
        return {user.pk: user.get_full_name() or user.get_username() for user in users}

    def actor_choices(self) -> list[tuple[int, str]]:
        """(id, label) of everyone who appears in the process's timeline: two queries."""
        parts = [part.values("t_actor") for part in self.filtered()._parts(None)]
        ids = {row["t_actor"] for row in parts[0].union(*parts[1:]) if row["t_actor"] is not None}
        names = self._actor_names(ids)
        return [(pk, names.get(pk) or f"#{pk}") for pk in sorted(ids)]


def _after(after: tuple[Any, ...], rank: int, at_field: str, pk_field: str) -> Q:
    """Rows that come after ``after`` = (at, rank, pk) in the order (-at, -rank, -pk)."""
    at, last_rank, last_pk = after
    if rank < last_rank:
        return Q(**{f"{at_field}__lte": at})
    if rank > last_rank:
        return Q(**{f"{at_field}__lt": at})
    return Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, f"{pk_field}__lt": last_pk})


def _history_rows(source: HistorySource, ids: list[int]) -> dict[int, tuple[Any, Any]]:
    """history_id → (row, the row of the same object before it, or None): two queries."""
    model = source.history
    previous = (
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))  # type: ignore[attr-defined]
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    rows = list(
        model.objects.filter(history_id__in=ids).annotate(  # type: ignore[attr-defined]
            previous_history_id=Subquery(previous)
        )
    )
    previous_ids = [r.previous_history_id for r in rows if r.previous_history_id is not None]
    before = model.objects.in_bulk(previous_ids) if previous_ids else {}  # type: ignore[attr-defined]
    return {r.history_id: (r, before.get(r.previous_history_id)) for r in rows}


def _event_entry(event: AuditEvent) -> TimelineEntry:
    try:
        label = str(AuditEvent.Kind(event.kind).label)
    except ValueError:
        label = event.kind
    facts = [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(event.payload.items())
    ]
    return TimelineEntry(
        at=event.occurred_at,
        source=EVENT_SOURCE,
        kind=event.kind,
        kind_label=label,
        object_type=event.object_type,
        object_label=_object_label(event.object_type),
        object_id=event.object_id,
        actor_id=event.actor_id,
        seq=event.seq,
        hash=event.hash,
        facts=facts,
    )


def _history_entry(source: HistorySource, row: Any, previous: Any) -> TimelineEntry:
    kind, label = HISTORY_KINDS.get(row.history_type, ("changed", gettext_lazy("changed")))
    changes = [] if kind == "deleted" else _field_changes(source, row, previous)
    return TimelineEntry(
        at=row.history_date,
        source=source.label,
        kind=kind,
        kind_label=str(label),
        object_type=source.label,
        object_label=str(source.model._meta.verbose_name),
        object_id=str(row.id),
        actor_id=row.history_user_id,
        reason=row.history_change_reason or "",
        changes=changes,
    )


def _object_label(object_type: str) -> str:
    if not object_type:
        return ""
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def timeline(
    *,
    actor: Any,
    process: PlanningProcess,
    kind: str = "",
    actor_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Timeline:
    """The audit timeline of a process for a user who may read its history.

    NotFound when the user may not see the process; PermissionDenied when they see it but may
    not read its history (``workflow.view_process_history``: coordinators, methodologists and
    auditors, i.e. members of the process's audit body).
    """
    permissions = ProcessPermissions(actor, process)
    if not permissions.allows(roles.VIEW_PROCESS):
        raise NotFound(_("Planning process not found."))
    if not permissions.allows(roles.VIEW_HISTORY):
        raise PermissionDenied(_("You may not read the audit trail of this process."))
    filters = TimelineFilters(kind=kind, actor_id=actor_id, date_from=date_from, date_to=date_to)
    return Timeline(process=process, filters=filters, viewer=actor)
