"""The audit timeline of a process (/procesy/<id>/audit/) and its CSV and XLSX exports.

Thin views: the selector checks who may read the trail (404 for a process the user may not
see, 403 without ``workflow.view_process_history``); every export is itself recorded in the
audit trail (``export_generated``) before a byte is sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from audit.models import AuditEvent
from audit.selectors import audit_chain_head
from audit.services import audit_record
from workflow import selectors, selectors_audit
from workflow.selectors_audit import Timeline, TimelineEntry

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet would run cells starting with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    actor = forms.TypedChoiceField(
        label=gettext_lazy("Who"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actors: Iterable[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = selectors_audit.kind_choices()
        self.fields["actor"].choices = [("", _("anyone")), *actors]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the range must not precede its start."))
        return data

    def criteria(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "actor_id": data.get("actor"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


def _timeline(request: HttpRequest, pk: int) -> tuple[Any, Timeline, TimelineFilterForm]:
    process = selectors.process_get(actor=request.user, pk=pk)
    everything = selectors_audit.timeline(actor=request.user, process=process)
    form = TimelineFilterForm(request.GET or None, actors=everything.actor_choices())
    return process, everything.filtered(**form.criteria()), form


@login_required
@require_http_methods(["GET", "HEAD"])
def process_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Audit events and field changes of the process, newest first, filtered and paginated."""
    process, timeline, form = _timeline(request, pk)
    page = timeline.page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflow/audit_timeline.html",
        {
            "process": process,
            "filters": form,
            "page": page,
            "query": query.urlencode(),
            "head": audit_chain_head(process_id=process.pk),
            "show_names": timeline.show_names,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _columns() -> list[str]:
    return [
        _("Time"),
        _("Position in the chain"),
        _("Source"),
        _("Kind"),
        _("Kind (label)"),
        _("Object type"),
        _("Object id"),
        _("Actor (user id)"),
        _("Actor"),
        _("Details"),
        _("Reason"),
        _("Hash"),
    ]


def _cells(entry: TimelineEntry) -> list[Any]:
    return [
        timezone.localtime(entry.at).isoformat(timespec="microseconds"),
        entry.seq if entry.seq is not None else "",
        entry.source,
        entry.kind,
        entry.kind_label,
        entry.object_type,
        entry.object_id,
        entry.actor_id if entry.actor_id is not None else "",
        entry.actor_name,
        entry.details_text(),
        entry.reason,
        entry.hash,
    ]


def _safe(value: Any) -> Any:
    """A text cell that no spreadsheet will take for a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Iterator[TimelineEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(_columns())
    for entry in entries:
        yield writer.writerow([_safe(cell) for cell in _cells(entry)])


def _xlsx(entries: Iterator[TimelineEntry]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    sheet.append(_columns())
    for entry in entries:
        sheet.append([_safe(cell) for cell in _cells(entry)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
@require_http_methods(["GET"])
def process_audit_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The filtered timeline as CSV (streamed) or XLSX; the export is recorded in the trail."""
    process, timeline, form = _timeline(request, pk)
    if fmt not in EXPORT_FORMATS or (form.is_bound and not form.is_valid()):
        return HttpResponse(_("Invalid export request."), status=400, content_type="text/plain")
    with transaction.atomic():
        audit_record(
            process_id=process.pk,
            kind=AuditEvent.Kind.EXPORT_GENERATED,
            actor_id=request.user.pk,
            obj=process,
            payload={
                "export": "audit_timeline",
                "format": fmt,
                "filters": timeline.filters.as_payload(),
            },
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"audit-{process.pk}-{stamp}.{fmt}"
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            _csv_lines(timeline.iter_entries()), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(_xlsx(timeline.iter_entries()), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
