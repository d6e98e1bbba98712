"""ESF indicators and the exports of the ESF report (XLSX, CSV, DOCX).

* ``indicator_seed_defaults`` writes the indicator codes of DOMAIN.md §5.4 (``DEFAULT_INDICATORS``),
  each marked "to verify against the call"; it is idempotent and never overwrites a definition an
  administrator has edited (a data migration calls it with the historical model).
* ``esf_report_export`` builds the report of a scope and period
  (``workflow.selectors_esf.esf_report``) and returns the file as ``EsfExport``: the bytes, their
  sha256 and the non-personal facts of the export (who, which processes, which period), so that
  the caller can record the export as a business event.

The DOCX is rendered from the built-in Czech template ``templates/docx/zprava_esf.docx``
(written by ``manage.py build_docx_templates``) through the sandboxed
``documents.services.rendering.render_docx`` with plain data only.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from stakeholders.exceptions import PermissionDenied, ValidationFailed
from stakeholders.services import Actor, record_save
from workflow.models import Comment, IndicatorDefinition
from workflow.selectors_esf import (
    STRATEGIC_KINDS,
    EsfReport,
    EsfScope,
    can_view_esf_report,
    esf_report,
)

C = IndicatorDefinition.Computation

# The indicator codes of DOMAIN.md §5.4: reference data in Czech (the language of the progress
# report), none of them confirmed against a call, hence ``to_verify``.
DEFAULT_INDICATORS: Final[tuple[dict[str, Any], ...]] = (
    {
        "code": "6 00 00",
        "name": "Celkový počet účastníků",
        "unit": "osoby",
        "computation": C.UNIQUE_PARTICIPANTS,
        "params": {},
        "order": 10,
        "note": (
            "Každá osoba se počítá jednou. Výzva může vyžadovat monitorovací list podpořené "
            "osoby; ověřit podle textu výzvy."
        ),
    },
    {
        "code": "8 05 00",
        "name": (
            "Počet napsaných a zveřejněných analytických a strategických dokumentů (vč. evaluací)"
        ),
        "unit": "dokumenty",
        "computation": C.DOCUMENTS_PUBLISHED,
        "params": {"kinds": list(STRATEGIC_KINDS)},
        "order": 20,
        "note": "Počítají se dokumenty, jejichž verze byla v období zveřejněna.",
    },
    {
        "code": "6 70 01",
        "name": "Kapacita podpořených služeb",
        "unit": "místa",
        "computation": C.MANUAL,
        "params": {},
        "order": 30,
        "note": "Systém hodnotu nepočítá; doplňuje se ve zprávě o realizaci.",
    },
    {
        "code": "6 70 10",
        "name": "Využívání podpořených služeb",
        "unit": "osoby",
        "computation": C.MANUAL,
        "params": {},
        "order": 40,
        "note": "Systém hodnotu nepočítá; doplňuje se ve zprávě o realizaci.",
    },
    {
        "code": "6 73 10",
        "name": (
            "Počet projektů, které zcela nebo zčásti provádějí sociální partneři nebo nestátní "
            "neziskové organizace"
        ),
        "unit": "projekty",
        "computation": C.MANUAL,
        "params": {},
        "order": 50,
        "note": "Jen je-li příjemcem nestátní nezisková organizace.",
    },
    {
        "code": "5 40 00",
        "name": "Počet podpořených organizací",
        "unit": "organizace",
        "computation": C.UNIQUE_ORGANISATIONS,
        "params": {},
        "order": 60,
        "note": "Název indikátoru není potvrzen; počítají se organizace účastníků jednání.",
    },
    {
        "code": "EECO01",
        "name": "Celkový počet účastníků (společný indikátor ESF+)",
        "unit": "osoby",
        "computation": C.UNIQUE_PARTICIPANTS,
        "params": {},
        "order": 70,
        "note": "Pro projekty OPZ+ (2021–2027).",
    },
)


def indicator_seed_defaults(*, model: Any = None) -> int:
    """Create the installation-wide indicators of ``DEFAULT_INDICATORS`` that do not exist yet.

    Idempotent: a code that already exists installation-wide is left as it is (an administrator
    may have set its target or corrected it). ``model`` is the historical model when a data
    migration calls this (``apps.get_model("workflow", "IndicatorDefinition")``); otherwise the
    rows are saved with a history record. Returns the number of definitions created.
    """
    model = model or IndicatorDefinition
    created = 0
    with transaction.atomic():
        existing = set(
            model.objects.filter(esf_project__isnull=True).values_list("code", flat=True)
        )
        for data in DEFAULT_INDICATORS:
            if data["code"] in existing:
                continue
            fields = {**data, "params": dict(data["params"]), "to_verify": True}
            if model is IndicatorDefinition:
                record_save(
                    IndicatorDefinition(**fields),
                    actor=None,
                    reason="Výchozí indikátor podle DOMAIN.md §5.4",
                )
            else:
                model.objects.create(**fields)
            created += 1
    return created


# --- exports --------------------------------------------------------------------------------------

ESF_REPORT_TEMPLATE: Final = "zprava_esf.docx"
FORMATS: Final[dict[str, tuple[str, str]]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
CSV_DELIMITER: Final = ";"  # what Czech spreadsheet programs expect


@dataclass(frozen=True)
class EsfExport:
    """One generated export and the non-personal facts of its generation."""

    format: str
    filename: str
    content_type: str
    content: bytes
    sha256: str
    size: int
    actor_id: int | None
    process_ids: tuple[int, ...]
    esf_project_id: int | None
    date_from: dt.date
    date_to: dt.date
    generated_at: dt.datetime

    @property
    def facts(self) -> dict[str, Any]:
        """Plain, non-personal facts (ids, dates, checksum) of the export."""
        return {
            "format": self.format,
            "sha256": self.sha256,
            "size": self.size,
            "process_ids": list(self.process_ids),
            "esf_project_id": self.esf_project_id,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
        }


def esf_report_export(
    *, actor: Actor, scope: EsfScope, date_from: dt.date, date_to: dt.date, fmt: str
) -> EsfExport:
    """Generate the ESF report of a scope and period as XLSX, CSV or DOCX.

    Needs: the ESF report permission (``can_view_esf_report``) on every process of the scope;
    a superuser may export any scope. Changes nothing; the returned ``EsfExport`` carries what
    the export record needs.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(_("Unknown export format."), errors={"format": [fmt]})
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("You may not export the ESF report."))
    if not actor.is_superuser and (
        not scope.processes or not all(can_view_esf_report(actor, p) for p in scope.processes)
    ):
        raise PermissionDenied(_("You may not export the ESF report."))
    report = esf_report(scope=scope, date_from=date_from, date_to=date_to)
    render = {"xlsx": report_xlsx, "csv": report_csv, "docx": report_docx}[fmt]
    content = render(report)
    content_type, extension = FORMATS[fmt]
    filename = (
        f"zprava-esf-{scope.slug}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.{extension}"
    )
    export = EsfExport(
        format=fmt,
        filename=filename,
        content_type=content_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        actor_id=actor.pk,
        process_ids=tuple(scope.process_ids),
        esf_project_id=scope.esf_project.pk if scope.esf_project is not None else None,
        date_from=report.date_from,
        date_to=report.date_to,
        generated_at=report.generated_at,
    )
    with transaction.atomic():
        for process_id in export.process_ids:
            audit_record(
                process_id=process_id,
                kind=AuditEvent.Kind.EXPORT_GENERATED,
                actor_id=export.actor_id,
                object_ref=("workflow.planningprocess", str(process_id)),
                payload={"export": "esf_report", **export.facts},
            )
    return export


def _date_cs(day: dt.date | None) -> str:
    return f"{day.day}. {day.month}. {day.year}" if day else ""


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text.replace(".", ",")
    return str(value)


# --- tables shared by the exports --------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of the report: columns as (metric code, heading), rows as metric → value.

    Every row has a stable ``key`` and a ``label``; the CSV writes one line per figure
    (section, key, label, metric, value), the workbook one sheet per table.
    """

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


def summary_rows(report: EsfReport) -> list[tuple[str, str, Any]]:
    """(key, label, value) of the summary."""
    project = report.scope.esf_project
    people = report.participants
    comments = report.comments
    generated = timezone.localtime(report.generated_at).replace(tzinfo=None, microsecond=0)
    return [
        ("scope", _("Report for"), report.scope.label),
        (
            "registration_number",
            _("Registration number"),
            getattr(project, "registration_number", ""),
        ),
        ("processes", _("Planning processes"), "; ".join(str(p) for p in report.scope.processes)),
        ("date_from", _("Period from"), report.date_from),
        ("date_to", _("Period to"), report.date_to),
        ("generated_at", _("Generated at"), generated),
        ("meetings_held", _("Meetings held"), report.meetings_held),
        ("hearings_held", _("Public hearings held"), report.hearings_held),
        ("participants", _("Unique participants"), people.total),
        ("participants_persons", _("of which registered persons"), people.persons),
        ("participants_guests", _("of which guests"), people.guests),
        ("organisations", _("Organisations of the participants"), people.organisations),
        ("comments_received", _("Comments received"), comments["received"]),
        ("comments_settled", _("Comments settled"), comments["settled"]),
        ("comments_late", _("Comments received late"), comments["late"]),
        ("resolutions_adopted", _("Resolutions adopted"), report.resolutions_adopted),
    ]


def report_tables(report: EsfReport) -> list[Table]:
    """Every table of the report after the summary, in the order of the exports."""
    key_label = [("key", _("Key")), ("label", _("Label"))]
    attendance = report.attendance
    meetings = [
        {
            "key": g.key,
            "label": g.label,
            "meetings": g.meetings,
            "present": g.present,
            "excused": g.excused,
            "absent": g.absent,
            "guests": g.guests,
        }
        for g in report.meetings
    ]
    meetings.append(
        {"key": "total", "label": _("Total"), "meetings": report.meetings_held, **attendance}
    )
    participants: list[dict[str, Any]] = [
        {"key": "total", "label": _("Unique participants"), "count": report.participants.total}
    ]
    participants += [
        {"key": f"triad_side/{r.key}", "label": r.label, "count": r.count}
        for r in report.participants_by_triad
    ]
    participants += [
        {"key": f"target_group/{r.key}", "label": r.label, "count": r.count}
        for r in report.participants_by_target_group
    ]
    decisions = list(zip(Comment.Decision.values, Comment.Decision.labels, strict=True))
    return [
        Table(
            "meetings",
            _("Meetings"),
            [
                *key_label,
                ("meetings", _("Meetings held")),
                ("present", _("Present")),
                ("excused", _("Excused")),
                ("absent", _("Absent")),
                ("guests", _("Guests present")),
            ],
            meetings,
        ),
        Table(
            "participants",
            _("Participants"),
            [*key_label, ("count", _("Unique participants"))],
            participants,
        ),
        Table(
            "documents",
            _("Documents"),
            [
                *key_label,
                ("versions_created", _("Versions created")),
                ("versions_approved", _("Versions approved")),
                ("versions_published", _("Versions published")),
                ("documents_approved", _("Documents approved")),
                ("documents_published", _("Documents published")),
            ],
            [
                {
                    "key": d.kind,
                    "label": d.label,
                    "versions_created": d.versions_created,
                    "versions_approved": d.versions_approved,
                    "versions_published": d.versions_published,
                    "documents_approved": d.documents_approved,
                    "documents_published": d.documents_published,
                }
                for d in report.documents
            ],
        ),
        Table(
            "consultations",
            _("Consultations"),
            [
                *key_label,
                ("process", _("Planning process")),
                ("opens_on", _("Opens")),
                ("closes_on", _("Closes")),
                ("received", _("Comments received")),
                ("late", _("Received late")),
                ("settled", _("Settled")),
                ("unsettled", _("Unsettled")),
                *[(f"decision_{value}", str(label)) for value, label in decisions],
            ],
            [
                {
                    "key": c.id,
                    "label": c.title,
                    "process": c.process,
                    "opens_on": c.opens_on,
                    "closes_on": c.closes_on,
                    "received": c.received,
                    "late": c.late,
                    "settled": c.settled,
                    "unsettled": c.unsettled,
                    **{f"decision_{v}": c.by_decision.get(v, 0) for v, _label in decisions},
                }
                for c in report.consultations
            ],
        ),
        Table(
            "resolutions",
            _("Resolutions"),
            [
                ("key", _("Number")),
                ("label", _("Title")),
                ("adopted_on", _("Adopted on")),
                ("body", _("Body")),
                ("document_action", _("Effect on the document")),
                ("document", _("Document")),
                ("version", _("Version")),
                ("sha256", _("SHA-256")),
            ],
            [
                {
                    "key": r.number,
                    "label": r.title,
                    "adopted_on": r.adopted_on,
                    "body": r.body,
                    "document_action": r.document_action_label,
                    "document": r.document,
                    "version": r.version_number,
                    "sha256": r.sha256,
                }
                for r in report.resolutions
            ],
        ),
        Table(
            "indicators",
            _("Indicators"),
            [
                ("key", _("Code")),
                ("label", _("Name")),
                ("unit", _("Unit")),
                ("computation", _("How it is computed")),
                ("value", _("Value")),
                ("target", _("Target value")),
                ("percent", _("Percent of target")),
                ("to_verify", _("To verify against the call")),
                ("note", _("Note")),
            ],
            [
                {
                    "key": i.code,
                    "label": i.name,
                    "unit": i.unit,
                    "computation": i.computation_label,
                    "value": i.value,
                    "target": i.target,
                    "percent": i.percent,
                    "to_verify": _("yes") if i.to_verify else _("no"),
                    "note": i.note,
                }
                for i in report.indicators
            ],
        ),
        Table(
            "annex",
            _("Annex"),
            [
                ("key", _("Record")),
                ("label", _("Meeting")),
                ("body", _("Body")),
                ("date", _("Date")),
                ("record", _("Kind of record")),
                ("document", _("Document")),
                ("version", _("Version")),
                ("sha256", _("SHA-256")),
            ],
            [
                {
                    "key": f"{a.meeting_id}/{a.kind}",
                    "label": a.meeting,
                    "body": a.body,
                    "date": a.date,
                    "record": a.kind_label,
                    "document": a.document or _("missing"),
                    "version": a.version_number,
                    "sha256": a.sha256,
                }
                for a in report.annex
            ],
        ),
    ]


# --- XLSX ----------------------------------------------------------------------------------------


def report_xlsx(report: EsfReport) -> bytes:
    """A workbook: the summary, then one sheet per table; the first columns are stable keys."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(_("Summary"))
    sheet.append([_("Key"), _("Item"), _("Value")])
    for key, label, value in summary_rows(report):
        sheet.append([key, str(label), _cell(value)])
    sheets = [sheet]
    for table in report_tables(report):
        sheet = workbook.create_sheet(_sheet_title(table.title))
        sheet.append([str(heading) for _metric, heading in table.columns])
        for row in table.rows:
            sheet.append([_cell(row.get(metric)) for metric, _heading in table.columns])
        sheets.append(sheet)
    for sheet in sheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
            width = max((len(str(v)) for v in column if v is not None), default=8)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "d. m. yyyy h:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "d. m. yyyy"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _sheet_title(title: Any) -> str:
    return "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31]


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, bool | int | float | dt.date | str):
        return value
    return str(value)


# --- CSV -----------------------------------------------------------------------------------------


def report_csv(report: EsfReport) -> bytes:
    """One long table, a line per figure: section; key; label; metric; value.

    UTF-8 with a byte-order mark and semicolons, as Czech spreadsheet programs expect.
    ``section``, ``key`` and ``metric`` are stable codes; dates are ISO 8601.
    """
    output = io.StringIO()
    writer = csv.writer(output, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(["section", "key", "label", "metric", "value"])
    for key, label, value in summary_rows(report):
        writer.writerow(["summary", key, label, "value", _csv_value(value)])
    for table in report_tables(report):
        for row in table.rows:
            for metric, _heading in table.columns:
                if metric in ("key", "label"):
                    continue
                writer.writerow(
                    [table.key, row["key"], row["label"], metric, _csv_value(row.get(metric))]
                )
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


# --- DOCX ----------------------------------------------------------------------------------------


def report_docx_context(report: EsfReport) -> dict[str, Any]:
    """Plain data for ``templates/docx/zprava_esf.docx`` (Czech numbers and dates)."""
    project = report.scope.esf_project
    people = report.participants
    attendance = report.attendance
    comments = report.comments
    return {
        "esf": (
            {
                "programme": project.get_programme_display(),
                "registration_number": project.registration_number,
                "name": project.name,
            }
            if project is not None
            else None
        ),
        "report": {
            "scope": report.scope.label,
            "processes": [str(p) for p in report.scope.processes],
            "period": f"{_date_cs(report.date_from)} – {_date_cs(report.date_to)}",
            "generated_on": _date_cs(timezone.localdate(report.generated_at)),
        },
        "meetings": [
            {
                "label": g.label,
                "meetings": g.meetings,
                "present": g.present,
                "excused": g.excused,
                "absent": g.absent,
                "guests": g.guests,
            }
            for g in report.meetings
        ],
        "meetings_total": {
            "meetings": report.meetings_held,
            "hearings": report.hearings_held,
            **attendance,
        },
        "participants": {
            "total": people.total,
            "persons": people.persons,
            "guests": people.guests,
            "organisations": people.organisations,
        },
        "triad": [{"label": r.label, "count": r.count} for r in report.participants_by_triad],
        "target_groups": [
            {"label": r.label, "count": r.count} for r in report.participants_by_target_group
        ],
        "documents": [
            {
                "label": d.label,
                "created": d.versions_created,
                "approved": d.documents_approved,
                "published": d.documents_published,
            }
            for d in report.documents
        ],
        "consultations": [
            {
                "title": c.title,
                "period": f"{_date_cs(c.opens_on)} – {_date_cs(c.closes_on)}",
                "received": c.received,
                "late": c.late,
                "settled": c.settled,
                "unsettled": c.unsettled,
                "decisions": ", ".join(
                    f"{label} {c.by_decision.get(value, 0)}"
                    for value, label in Comment.Decision.choices
                ),
            }
            for c in report.consultations
        ],
        "comments": comments,
        "resolutions": [
            {
                "number": r.number,
                "date": _date_cs(r.adopted_on),
                "body": r.body,
                "title": r.title,
                "document": (
                    f"{r.document_action_label}: {r.document}, verze {r.version_number}"
                    if r.document
                    else ""
                ),
            }
            for r in report.resolutions
        ],
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "value": "" if i.value is None else str(i.value),
                "target": _number(i.target),
                "percent": f"{_number(i.percent)} %" if i.percent is not None else "",
                "to_verify": i.to_verify,
                "note": i.note,
            }
            for i in report.indicators
        ],
        "annex": [
            {
                "meeting": a.meeting,
                "body": a.body,
                "date": _date_cs(a.date),
                "kind": a.kind_label,
                "document": a.document,
                "version": "" if a.version_number is None else str(a.version_number),
                "sha256": a.sha256,
                "is_missing": a.is_missing,
            }
            for a in report.annex
        ],
    }


def esf_report_template_path() -> Path:
    from documents.services.rendering import BUILTIN_TEMPLATE_DIR

    return BUILTIN_TEMPLATE_DIR / ESF_REPORT_TEMPLATE


def report_docx(report: EsfReport) -> bytes:
    from documents.services.rendering import render_docx

    return render_docx(esf_report_template_path(), report_docx_context(report))
