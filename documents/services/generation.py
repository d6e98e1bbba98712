"""Generating documents from DOCX templates: templates per territory, context builders, jobs.

* :func:`docx_template_upload` stores a territory's (or the installation's) template after
  :func:`documents.services.rendering.validate_template` found no problem.
* :func:`community_plan_context` turns the structured plan into plain data (the contract
  ``CommunityPlanContext``). Minutes, attendance lists, settlements and resolution extracts are
  built by the workflow app, which owns meetings, comments and resolutions, and passed in as
  plain data (the other contracts in ``rendering``).
* :func:`generation_request` records a ``GenerationJob`` and queues the task after commit;
  :func:`generation_run` (called by the task) renders with progress and stores the result as a
  new draft ``DocumentVersion`` with its provenance. Running a job twice stores one version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from documents.models.plan import (
    Activity,
    ActivityCost,
    DocumentKind,
    DocxTemplate,
    GenerationJob,
    PlanSection,
    Priority,
)
from documents.plan_selectors import PlanTree, plan_tree_load
from documents.services import rendering
from documents.services.plan import can_view_plan
from stakeholders import roles
from stakeholders.exceptions import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Territory
from stakeholders.permissions import has_object_permission
from stakeholders.services import Actor, record_save

logger = logging.getLogger(__name__)

Process = Any

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024

# The contract each kind's plain data must satisfy (top-level keys are checked on request).
CONTRACTS: dict[str, type] = {
    DocumentKind.COMMUNITY_PLAN: rendering.CommunityPlanContext,
    DocumentKind.MINUTES: rendering.MinutesContext,
    DocumentKind.ATTENDANCE_LIST: rendering.AttendanceListContext,
    DocumentKind.SETTLEMENT: rendering.SettlementContext,
    DocumentKind.RESOLUTION_EXTRACT: rendering.ResolutionExtractContext,
}

# Czech file names of generated documents (the version's original filename).
FILENAMES: dict[str, str] = {
    DocumentKind.COMMUNITY_PLAN: "komunitni-plan",
    DocumentKind.MINUTES: "zapis",
    DocumentKind.ATTENDANCE_LIST: "prezencni-listina",
    DocumentKind.SETTLEMENT: "vyporadani-pripominek",
    DocumentKind.RESOLUTION_EXTRACT: "vypis-z-usneseni",
}

STATUS_LABELS_CS: dict[str, str] = {
    Activity.Status.PLANNED: "plánováno",
    Activity.Status.IN_PROGRESS: "probíhá",
    Activity.Status.DONE: "splněno",
    Activity.Status.PARTLY_DONE: "částečně splněno",
    Activity.Status.NOT_DONE: "nesplněno",
    Activity.Status.MOVED: "přesunuto",
}
SOURCE_LABELS_CS: dict[str, str] = {
    ActivityCost.Source.MUNICIPALITY: "Obec",
    ActivityCost.Source.REGION: "Kraj",
    ActivityCost.Source.STATE_SUBSIDY: "Dotace MPSV",
    ActivityCost.Source.ESF: "ESF",
    ActivityCost.Source.HEALTH_INSURANCE: "Zdravotní pojišťovny",
    ActivityCost.Source.USER_PAYMENTS: "Úhrady uživatelů",
    ActivityCost.Source.OTHER: "Ostatní",
}
PIPELINE_STATUS_CS: dict[str, str] = {
    "proposed": "navrženo",
    "supported": "podpořeno",
    "in_preparation": "v přípravě",
    "in_implementation": "v realizaci",
    "completed": "dokončeno",
    "withdrawn": "staženo",
}


# --- formatting -------------------------------------------------------------------------------


def format_czk(amount: Decimal | None) -> str:
    """Czech money format: thousands separated by a no-break space, haléře only when present."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def format_date_cs(day: dt.date) -> str:
    return f"{day.day}. {day.month}. {day.year}"


# --- the community plan's context -------------------------------------------------------------


def _activity_context(activity: Activity) -> dict[str, Any]:
    by_source: dict[str, Decimal] = {}
    for cost in activity.costs.all():
        by_source[cost.source] = by_source.get(cost.source, Decimal(0)) + cost.amount
    total = sum(by_source.values(), Decimal(0))
    return {
        "number": activity.number,
        "title": activity.title,
        "description": activity.description,
        "target_groups": [group.name for group in activity.target_groups.all()],
        "responsible": (
            activity.responsible_organization.name if activity.responsible_organization else ""
        ),
        "partners": sorted(partner.name for partner in activity.partners.all()),
        "period": activity.period_label,
        "indicators": activity.indicators,
        "status": STATUS_LABELS_CS.get(activity.status, activity.status),
        "costs": [
            {"source": source, "label": SOURCE_LABELS_CS[source], "amount": format_czk(amount)}
            for source, amount in sorted(
                by_source.items(), key=lambda item: rendering.COST_SOURCES.index(item[0])
            )
        ],
        "cost_by_source": {
            source: format_czk(by_source[source]) if source in by_source else ""
            for source in rendering.COST_SOURCES
        },
        "total": format_czk(total),
        "_amounts": by_source,  # removed before rendering; used for the totals
    }


def community_plan_context(tree: PlanTree, *, on: dt.date | None = None) -> dict[str, Any]:
    """Plain data (``CommunityPlanContext``) from a loaded plan tree."""
    process = tree.process
    esf = process.esf_project
    priorities: list[dict[str, Any]] = []
    flat: list[dict[str, Any]] = []
    totals: dict[str, Decimal] = dict.fromkeys(rendering.COST_SOURCES, Decimal(0))
    for priority in tree.priorities:
        measures = []
        for measure in tree.measures(priority):
            activities = []
            for activity in tree.activities(measure):
                item = _activity_context(activity)
                for source, amount in item.pop("_amounts").items():
                    totals[source] += amount
                activities.append(item)
            flat.extend(activities)
            measures.append(
                {
                    "number": measure.number,
                    "title": measure.title,
                    "goal": measure.goal,
                    "indicators": measure.indicators,
                    "activities": activities,
                }
            )
        priorities.append(_priority_context(priority, measures))
    grand_total = sum(totals.values(), Decimal(0))
    return {
        "plan": {
            "title": process.title,
            "period": f"{process.period_start_year}–{process.period_end_year}",
            "territory": process.territory.name,
            "generated_on": format_date_cs(on or timezone.localdate()),
        },
        "esf": (
            {
                "programme": esf.get_programme_display(),
                "registration_number": esf.registration_number,
                "name": esf.name,
            }
            if esf is not None
            else None
        ),
        "sections": {
            kind: tree.sections[kind].text if kind in tree.sections else ""
            for kind in PlanSection.Kind.values
        },
        "vision": tree.vision.text if tree.vision else "",
        "priorities": priorities,
        "activities": flat,
        "cost_sources": [
            {"value": source, "label": SOURCE_LABELS_CS[source]}
            for source in rendering.COST_SOURCES
        ],
        "totals": {
            **{source: format_czk(amount) if amount else "" for source, amount in totals.items()},
            "total": format_czk(grand_total),
        },
        "pipeline": [
            {
                "title": item.title,
                "description": item.description,
                "measure": item.measure.number if item.measure else "",
                "implementer": item.implementer_label,
                "budget": format_czk(item.budget),
                "support_promised": item.support_promised,
                "support_note": item.support_note,
                "status": PIPELINE_STATUS_CS.get(item.status, item.status),
            }
            for item in tree.pipeline
        ],
    }


def _priority_context(priority: Priority, measures: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "number": priority.number,
        "title": priority.title,
        "description": priority.description,
        "working_group": priority.working_group.name if priority.working_group else "",
        "target_groups": [group.name for group in priority.target_groups.all()],
        "measures": measures,
    }


# --- templates --------------------------------------------------------------------------------


def _can_manage_territory_templates(actor: Actor, territory: Territory | None) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if territory is None:
        return False
    managed = get_objects_for_user(actor, roles.MANAGE_PROCESS, accept_global_perms=False)
    return managed.filter(territory=territory).exists()


@transaction.atomic
def docx_template_upload(
    *,
    actor: Actor,
    kind: str,
    territory: Territory | None,
    name: str,
    content: bytes,
    filename: str = "",
    reason: str = "",
) -> DocxTemplate:
    """Store a DOCX template for a territory (None: the installation's default) and make it the
    active one of its kind there.

    Needs: superuser, or for a territory ``workflow.manage_process`` on one of its processes.
    The template is parsed and rendered against the kind's sample context in the sandbox first;
    any problem raises ``TemplateRenderError`` listing them all, and nothing is stored.
    """
    if not _can_manage_territory_templates(actor, territory):
        raise PermissionDenied(_("You may not manage document templates of this territory."))
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Unknown kind of document."), errors={"kind": [kind]})
    if not content or len(content) > MAX_TEMPLATE_BYTES:
        raise ValidationFailed(
            _("A template must be a non-empty DOCX file of at most 10 MB."),
            errors={"file": [_("A template must be a non-empty DOCX file of at most 10 MB.")]},
        )
    problems = rendering.validate_template(content, kind)
    if problems:
        raise rendering.TemplateRenderError(
            _("The template cannot be used: %(problems)s") % {"problems": " ".join(problems)},
            problems=problems,
        )
    for previous in (
        DocxTemplate.objects.select_for_update()
        .filter(kind=kind, territory=territory, is_active=True)
        .order_by("pk")  # the default ordering joins the territory, which cannot be locked
    ):
        previous.is_active = False
        record_save(previous, actor=actor, reason=_("Replaced by a new template"))
    template = DocxTemplate(
        kind=kind,
        territory=territory,
        name=name,
        original_filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        is_active=True,
    )
    template.file.save("template.docx", ContentFile(content), save=False)
    try:
        return record_save(template, actor=actor, reason=reason or _("Template uploaded"))
    except BaseException:
        template.file.delete(save=False)  # a refused row leaves no file behind
        raise


def docx_template_for(
    process: Process, kind: str, template: DocxTemplate | None = None
) -> tuple[bytes, str]:
    """The template bytes and their provenance label: the given one, else the territory's active
    template, else the installation's, else the built-in one. A stored template whose bytes no
    longer match its sha256 is refused."""
    if template is None:
        template = (
            DocxTemplate.objects.filter(kind=kind, territory=process.territory, is_active=True)
            .order_by("-pk")
            .first()
            or DocxTemplate.objects.filter(kind=kind, territory__isnull=True, is_active=True)
            .order_by("-pk")
            .first()
        )
    if template is None:
        path = rendering.builtin_template_path(kind)
        return path.read_bytes(), f"builtin:{path.name}"
    with template.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != template.sha256:
        raise ApplicationError(
            _("The stored template “%(name)s” has been altered; upload it again.")
            % {"name": template.name},
            code="template_tampered",
        )
    return content, template.label


# --- generation jobs --------------------------------------------------------------------------


def _check_input(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    if kind == DocumentKind.COMMUNITY_PLAN:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("This document needs its data."), errors={"data": [_("Missing data.")]}
        )
    missing = sorted(CONTRACTS[kind].__required_keys__ - set(data))  # type: ignore[attr-defined]
    if missing:
        raise ValidationFailed(
            _("The data for the document are incomplete: %(fields)s")
            % {"fields": ", ".join(missing)},
            errors={"data": missing},
        )
    try:
        return rendering.plain(data)
    except TypeError as exc:
        raise ValidationFailed(_("The data for the document are not plain data.")) from exc


@transaction.atomic
def generation_request(
    *,
    actor: Actor,
    process: Process,
    kind: str,
    template: DocxTemplate | None = None,
    data: dict[str, Any] | None = None,
) -> GenerationJob:
    """Ask for a document to be generated; returns the queued job (the UI polls its percent).

    Needs: ``workflow.edit_draft`` on the process (coordinator, methodologist); a process the
    actor may not see is NotFound. The community plan is built from the structured content when
    the task runs; other kinds take ``data`` (their contract in ``rendering``). Side effect:
    ``documents.generation_tasks.generate_document`` is queued after commit.
    """
    if not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))
    # Generating adds a document version: the right of uploading (not merely of editing the plan).
    if not has_object_permission(actor, roles.EDIT_DRAFT, process):
        raise PermissionDenied(_("You may not generate documents of this process."))
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Unknown kind of document."), errors={"kind": [kind]})
    if template is not None and (
        template.kind != kind
        or not template.is_active
        or (template.territory_id not in (None, process.territory_id))
    ):
        raise ValidationFailed(
            _("The template cannot be used for this document."),
            errors={"template": [_("The template cannot be used for this document.")]},
        )
    job = record_save(
        GenerationJob(
            process=process,
            kind=kind,
            template=template,
            input_data=_check_input(kind, data),
            requested_by=actor if actor is not None and actor.is_authenticated else None,
        ),
        actor=actor,
        reason=_("Generation requested"),
    )
    from documents import generation_tasks

    job_id = job.pk
    transaction.on_commit(lambda: generation_tasks.generate_document.delay(job_id))
    return job


def _progress(job_id: int, percent: int, message: str = "") -> None:
    """Record progress in its own committed transaction, so that the UI sees it at once."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().get(pk=job_id)
        if job.state == GenerationJob.State.DONE:
            return
        job.state = GenerationJob.State.RUNNING
        job.percent = max(job.percent, min(percent, 99))
        job.message = message
        if job.started_at is None:
            job.started_at = timezone.now()
        record_save(job, actor=None, reason=f"{percent} %")


def _fail(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().get(pk=job_id)
        if job.state == GenerationJob.State.DONE:
            return
        job.state = GenerationJob.State.FAILED
        job.message = message
        job.finished_at = timezone.now()
        record_save(job, actor=None, reason=_("Generation failed"))


def generation_context(job: GenerationJob) -> dict[str, Any]:
    if job.kind == DocumentKind.COMMUNITY_PLAN:
        return community_plan_context(plan_tree_load(job.process))
    return dict(job.input_data)


def _snapshot(job: GenerationJob, context: dict[str, Any], template_label: str) -> dict[str, Any]:
    canonical = json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {
        "job_id": job.pk,
        "kind": job.kind,
        "process_id": job.process_id,
        "template": template_label,
        "context_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "context": context,
        "generated_at": timezone.now().isoformat(),
    }


def store_generated_version(
    job: GenerationJob,
    *,
    content: bytes,
    filename: str,
    template_label: str,
    snapshot: dict[str, Any],
) -> int:
    """Store the result as a new draft version of the process's document of that kind.

    The document is the process's first one of the kind, registered through
    ``documents.services.versions.document_create`` when there is none yet. The bytes go through
    the versions service, which checks them like an upload. Returns the version's id.
    """
    from documents.services import versions

    document_model = apps.get_model("documents", "Document")
    document = (
        document_model.objects.filter(process_id=job.process_id, kind=job.kind)
        .order_by("pk")
        .first()
    )
    if document is None:
        document = versions.document_create(
            actor=job.requested_by,
            process=job.process,
            kind=job.kind,
            title=(
                f"{DocumentKind(job.kind).label} "
                f"{job.process.period_start_year}–{job.process.period_end_year}"
            ),
            reason=_("Registered for a generated document"),
        )
    summary = _("Generated from the template %(template)s") % {"template": template_label}
    if hasattr(versions, "version_create_from_bytes"):
        version = versions.version_create_from_bytes(
            actor=job.requested_by,
            document=document,
            content=content,
            filename=filename,
            change_summary=summary,
            provenance="generated",
            generated_from_template=template_label,
            generation_data=snapshot,
        )
    else:
        version = versions.version_create_generated(
            actor=job.requested_by,
            document=document,
            data=content,
            filename=filename,
            template=template_label,
            generation_data=snapshot,
            change_summary=summary,
        )
    return int(version.pk)


def generation_run(job_id: int) -> GenerationJob:
    """Run a generation job: idempotent and safe to retry.

    A done job is left alone. Rendering may run twice if a worker dies and the task is retried,
    but the version is stored in the same transaction that marks the job done, under the job's
    row lock, so a job never gets two versions.
    """
    job = GenerationJob.objects.select_related("process__territory", "template").get(pk=job_id)
    if job.state in (GenerationJob.State.DONE, GenerationJob.State.FAILED):
        return job
    try:
        _progress(job_id, 5, _("Loading the template"))
        template_bytes, template_label = docx_template_for(job.process, job.kind, job.template)
        _progress(job_id, 20, _("Collecting the data"))
        context = generation_context(job)
        _progress(job_id, 50, _("Rendering the document"))
        content = rendering.render_docx(template_bytes, context)
        _progress(job_id, 85, _("Storing the document"))
        filename = (
            f"{FILENAMES[job.kind]}-{job.process.period_start_year}-"
            f"{job.process.period_end_year}.docx"
        )
        with transaction.atomic():
            locked = GenerationJob.objects.select_for_update().get(pk=job_id)
            if locked.state == GenerationJob.State.DONE:
                return locked
            version_id = store_generated_version(
                locked,
                content=content,
                filename=filename,
                template_label=template_label,
                snapshot=_snapshot(locked, context, template_label),
            )
            locked.result_version_id = version_id
            locked.state = GenerationJob.State.DONE
            locked.percent = 100
            locked.message = _("Done")
            locked.finished_at = timezone.now()
            record_save(locked, actor=None, reason=_("Generation finished"))
            return locked
    except ApplicationError as exc:
        _fail(job_id, exc.message)
        return GenerationJob.objects.get(pk=job_id)
    except Exception:
        logger.exception("Generation job %s failed", job_id)
        _fail(job_id, _("The document could not be generated because of an internal error."))
        raise
