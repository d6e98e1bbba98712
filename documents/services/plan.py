"""Every write on the structured plan: vision, chapters, priorities, measures, activities, costs
and the project pipeline.

Who may edit (checked by :func:`plan_edit_scope` before every write):

* a user who may not see the process (``workflow.view_planningprocess``) gets ``NotFound``;
* the coordinator and the methodologist (``workflow.edit_draft`` on the process) and superusers
  edit everything;
* a working-group member edits only the priorities owned by a working group on which they hold
  ``stakeholders.edit_target_group_part``, with their measures, activities, costs and the
  pipeline items linked to those measures;
* everyone else gets ``PermissionDenied``.

Every service runs in a transaction, validates (``full_clean``) and records the actor and a
reason in the history. Deletions remove children one by one so that each gets a history row
with its actor. Numbers are hierarchical: renumbering a priority or a measure renumbers its
subtree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from documents.models.plan import (
    Activity,
    ActivityCost,
    Measure,
    PlanSection,
    Priority,
    ProjectPipelineItem,
    Vision,
)
from stakeholders import roles
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Organization, TargetGroup
from stakeholders.permissions import can_edit_target_group_part
from stakeholders.permissions import has_object_permission as _has
from stakeholders.services import Actor, record_save

Process = Any  # workflow.PlanningProcess; documents never imports workflow


# --- permissions ------------------------------------------------------------------------------


def can_view_plan(actor: Actor, process: Process) -> bool:
    return _has(actor, roles.VIEW_PROCESS, process)


def can_edit_whole_plan(actor: Actor, process: Process) -> bool:
    return _has(actor, roles.EDIT_DRAFT, process)


def can_edit_working_group_part(actor: Actor, working_group: Body | None) -> bool:
    return working_group is not None and can_edit_target_group_part(actor, working_group)


def _require_view(actor: Actor, process: Process) -> None:
    if not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))


def _require_whole_plan(actor: Actor, process: Process) -> None:
    _require_view(actor, process)
    if not can_edit_whole_plan(actor, process):
        raise PermissionDenied(_("Only the coordinator or the methodologist may edit this."))


def _require_part(actor: Actor, process: Process, *working_groups: Body | None) -> None:
    """The actor edits the whole plan, or the part of every given working group."""
    _require_view(actor, process)
    if can_edit_whole_plan(actor, process):
        return
    if working_groups and all(can_edit_working_group_part(actor, wg) for wg in working_groups):
        return
    raise PermissionDenied(_("You may edit only your working group's part of the plan."))


def can_edit_priority(actor: Actor, priority: Priority) -> bool:
    return can_edit_whole_plan(actor, priority.process) or can_edit_working_group_part(
        actor, priority.working_group
    )


# --- helpers ----------------------------------------------------------------------------------


def _delete(obj: models.Model, *, actor: Actor, reason: str) -> None:
    obj._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.delete()


def _apply(obj: models.Model, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in fields.items():
        setattr(obj, name, value)


def _check_same_process(process: Process, *objects: Any, field: str) -> None:
    for obj in objects:
        process_id = getattr(obj, "process_id", None)
        if process_id is not None and process_id != process.pk:
            raise ValidationFailed(
                _("The selected item belongs to another planning process."),
                errors={field: [_("The selected item belongs to another planning process.")]},
            )


def _renumber(obj: Measure | Activity, old_prefix: str, new_prefix: str, *, actor: Actor) -> None:
    obj.number = new_prefix + obj.number[len(old_prefix) :]
    record_save(obj, actor=actor, reason=_("Renumbered with its parent"))


# --- vision and text chapters -----------------------------------------------------------------


@transaction.atomic
def plan_vision_set(*, actor: Actor, process: Process, text: str, reason: str = "") -> Vision:
    """Set the vision of the plan. Needs: ``workflow.edit_draft``."""
    _require_whole_plan(actor, process)
    vision = Vision.objects.filter(process=process).first() or Vision(process=process)
    vision.text = text
    return record_save(vision, actor=actor, reason=reason or _("Vision edited"))


@transaction.atomic
def plan_section_set(
    *, actor: Actor, process: Process, kind: str, text: str, reason: str = ""
) -> PlanSection:
    """Set the text of one statutory chapter (§ 3 h) Act 108/2006). Needs: edit_draft."""
    _require_whole_plan(actor, process)
    section = PlanSection.objects.filter(process=process, kind=kind).first()
    section = section or PlanSection(process=process, kind=kind)
    section.text = text
    return record_save(section, actor=actor, reason=reason or _("Plan chapter edited"))


# --- priorities -------------------------------------------------------------------------------

PRIORITY_FIELDS = ("number", "title", "description", "working_group", "order")


@transaction.atomic
def plan_priority_create(
    *,
    actor: Actor,
    process: Process,
    number: str,
    title: str,
    description: str = "",
    working_group: Body | None = None,
    target_groups: Sequence[TargetGroup] = (),
    order: int = 0,
    reason: str = "",
) -> Priority:
    """Add a priority. Needs: edit_draft, or the working group's edit_target_group_part (a
    working-group member may add priorities to their own group's part only)."""
    _require_part(actor, process, working_group)
    priority = record_save(
        Priority(
            process=process,
            number=number,
            title=title,
            description=description,
            working_group=working_group,
            order=order,
        ),
        actor=actor,
        reason=reason or _("Priority added"),
    )
    if target_groups:
        priority.target_groups.set(target_groups)
    return priority


@transaction.atomic
def plan_priority_update(
    *,
    actor: Actor,
    priority: Priority,
    target_groups: Sequence[TargetGroup] | None = None,
    reason: str = "",
    **fields: Any,
) -> Priority:
    """Change a priority; a new number renumbers its measures and activities. Moving it to
    another working group needs the right to edit both parts."""
    priority = Priority.objects.select_for_update().get(pk=priority.pk)
    new_group = fields.get("working_group", priority.working_group)
    _require_part(actor, priority.process, priority.working_group, new_group)
    old_number = priority.number
    _apply(priority, fields, PRIORITY_FIELDS)
    record_save(priority, actor=actor, reason=reason or _("Priority edited"))
    if target_groups is not None:
        priority.target_groups.set(target_groups)
    if priority.number != old_number:
        old_prefix, new_prefix = f"{old_number}.", f"{priority.number}."
        for measure in priority.measures.all():
            _renumber(measure, old_prefix, new_prefix, actor=actor)
        for activity in Activity.objects.filter(measure__priority=priority):
            _renumber(activity, old_prefix, new_prefix, actor=actor)
    return priority


@transaction.atomic
def plan_priority_delete(*, actor: Actor, priority: Priority, reason: str = "") -> None:
    """Delete a priority with its measures, activities and costs (each recorded)."""
    _require_part(actor, priority.process, priority.working_group)
    reason = reason or _("Priority deleted")
    for measure in priority.measures.all():
        _measure_delete(measure, actor=actor, reason=reason)
    _delete(priority, actor=actor, reason=reason)


# --- measures ---------------------------------------------------------------------------------

MEASURE_FIELDS = ("number", "title", "goal", "indicators", "order")


@transaction.atomic
def plan_measure_create(
    *,
    actor: Actor,
    priority: Priority,
    number: str,
    title: str,
    goal: str = "",
    indicators: str = "",
    order: int = 0,
    reason: str = "",
) -> Measure:
    """Add a measure under a priority (number "<priority>.<n>")."""
    _require_part(actor, priority.process, priority.working_group)
    return record_save(
        Measure(
            priority=priority,
            process_id=priority.process_id,
            number=number,
            title=title,
            goal=goal,
            indicators=indicators,
            order=order,
        ),
        actor=actor,
        reason=reason or _("Measure added"),
    )


@transaction.atomic
def plan_measure_update(
    *, actor: Actor, measure: Measure, reason: str = "", **fields: Any
) -> Measure:
    """Change a measure; a new number renumbers its activities."""
    measure = Measure.objects.select_for_update().select_related("priority").get(pk=measure.pk)
    _require_part(actor, measure.priority.process, measure.priority.working_group)
    old_number = measure.number
    _apply(measure, fields, MEASURE_FIELDS)
    record_save(measure, actor=actor, reason=reason or _("Measure edited"))
    if measure.number != old_number:
        for activity in measure.activities.all():
            _renumber(activity, f"{old_number}.", f"{measure.number}.", actor=actor)
    return measure


def _measure_delete(measure: Measure, *, actor: Actor, reason: str) -> None:
    for activity in measure.activities.all():
        _activity_delete(activity, actor=actor, reason=reason)
    _delete(measure, actor=actor, reason=reason)


@transaction.atomic
def plan_measure_delete(*, actor: Actor, measure: Measure, reason: str = "") -> None:
    _require_part(actor, measure.priority.process, measure.priority.working_group)
    _measure_delete(measure, actor=actor, reason=reason or _("Measure deleted"))


# --- activities -------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "number",
    "title",
    "description",
    "responsible_organization",
    "starts_year",
    "starts_month",
    "ends_year",
    "ends_month",
    "indicators",
    "status",
    "order",
)


@dataclass(frozen=True)
class CostInput:
    """One estimated cost of an activity: source (ActivityCost.Source), CZK, optional year."""

    source: str
    amount: Decimal
    year: int | None = None


@transaction.atomic
def plan_activity_create(
    *,
    actor: Actor,
    measure: Measure,
    number: str,
    title: str,
    target_groups: Sequence[TargetGroup] = (),
    partners: Sequence[Organization] = (),
    costs: Sequence[CostInput] = (),
    reason: str = "",
    **fields: Any,
) -> Activity:
    """Add an activity under a measure (number "<measure>.<n>") with its estimated costs."""
    priority = measure.priority
    _require_part(actor, priority.process, priority.working_group)
    activity = Activity(measure=measure, process_id=measure.process_id, number=number, title=title)
    _apply(activity, fields, ACTIVITY_FIELDS)
    record_save(activity, actor=actor, reason=reason or _("Activity added"))
    if target_groups:
        activity.target_groups.set(target_groups)
    if partners:
        activity.partners.set(partners)
    _costs_replace(activity, costs, actor=actor, reason=reason or _("Activity added"))
    return activity


@transaction.atomic
def plan_activity_update(
    *,
    actor: Actor,
    activity: Activity,
    target_groups: Sequence[TargetGroup] | None = None,
    partners: Sequence[Organization] | None = None,
    costs: Sequence[CostInput] | None = None,
    reason: str = "",
    **fields: Any,
) -> Activity:
    """Change an activity; ``costs`` (when given) replace all its estimated costs."""
    activity = (
        Activity.objects.select_for_update().select_related("measure__priority").get(pk=activity.pk)
    )
    priority = activity.measure.priority
    _require_part(actor, priority.process, priority.working_group)
    reason = reason or _("Activity edited")
    _apply(activity, fields, ACTIVITY_FIELDS)
    record_save(activity, actor=actor, reason=reason)
    if target_groups is not None:
        activity.target_groups.set(target_groups)
    if partners is not None:
        activity.partners.set(partners)
    if costs is not None:
        _costs_replace(activity, costs, actor=actor, reason=reason)
    return activity


def _costs_replace(
    activity: Activity, costs: Sequence[CostInput], *, actor: Actor, reason: str
) -> None:
    keys = [(cost.source, cost.year) for cost in costs]
    if len(keys) != len(set(keys)):
        raise ValidationFailed(
            _("Each funding source may appear once per year."),
            errors={"costs": [_("Each funding source may appear once per year.")]},
        )
    existing = {(cost.source, cost.year): cost for cost in activity.costs.all()}
    for key, cost in existing.items():
        if key not in keys:
            _delete(cost, actor=actor, reason=reason)
    for item in costs:
        row = existing.get((item.source, item.year)) or ActivityCost(
            activity=activity, source=item.source, year=item.year
        )
        if row.pk and row.amount == Decimal(item.amount):
            continue
        row.amount = Decimal(item.amount)
        record_save(row, actor=actor, reason=reason)


def _activity_delete(activity: Activity, *, actor: Actor, reason: str) -> None:
    for cost in activity.costs.all():
        _delete(cost, actor=actor, reason=reason)
    _delete(activity, actor=actor, reason=reason)


@transaction.atomic
def plan_activity_delete(*, actor: Actor, activity: Activity, reason: str = "") -> None:
    priority = activity.measure.priority
    _require_part(actor, priority.process, priority.working_group)
    _activity_delete(activity, actor=actor, reason=reason or _("Activity deleted"))


# --- project pipeline -------------------------------------------------------------------------

PIPELINE_FIELDS = (
    "title",
    "description",
    "measure",
    "implementer_organization",
    "implementer_name",
    "budget",
    "support_promised",
    "support_note",
    "status",
    "order",
)


def _pipeline_group(measure: Measure | None) -> Body | None:
    return measure.priority.working_group if measure is not None else None


@transaction.atomic
def plan_pipeline_item_create(
    *, actor: Actor, process: Process, title: str, reason: str = "", **fields: Any
) -> ProjectPipelineItem:
    """Add a project intention. A working-group member may add one linked to a measure of their
    own part; items without a measure are the coordinator's."""
    measure = fields.get("measure")
    _check_same_process(process, *([measure] if measure else []), field="measure")
    _require_part(actor, process, _pipeline_group(measure))
    item = ProjectPipelineItem(process=process, title=title)
    _apply(item, fields, PIPELINE_FIELDS)
    return record_save(item, actor=actor, reason=reason or _("Project intention added"))


@transaction.atomic
def plan_pipeline_item_update(
    *, actor: Actor, item: ProjectPipelineItem, reason: str = "", **fields: Any
) -> ProjectPipelineItem:
    item = ProjectPipelineItem.objects.select_for_update().get(pk=item.pk)
    new_measure = fields.get("measure", item.measure)
    _check_same_process(item.process, *([new_measure] if new_measure else []), field="measure")
    _require_part(actor, item.process, _pipeline_group(item.measure), _pipeline_group(new_measure))
    _apply(item, fields, PIPELINE_FIELDS)
    return record_save(item, actor=actor, reason=reason or _("Project intention edited"))


@transaction.atomic
def plan_pipeline_item_delete(*, actor: Actor, item: ProjectPipelineItem, reason: str = "") -> None:
    _require_part(actor, item.process, _pipeline_group(item.measure))
    _delete(item, actor=actor, reason=reason or _("Project intention deleted"))


# --- the next cycle ---------------------------------------------------------------------------


def _copy(obj: models.Model, *, actor: Actor, reason: str, **overrides: Any) -> models.Model:
    """A new row with the same field values as ``obj``, saved with its history."""
    fields = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }
    fields.update(overrides)
    return record_save(type(obj)(**fields), actor=actor, reason=reason)


@transaction.atomic
def plan_tree_copy(
    *,
    actor: Actor,
    source: Process,
    target: Process,
    body_map: dict[int, Body],
    reason: str,
) -> int:
    """Carry a cycle's plan into the next cycle as its starting draft; returns the rows copied.

    Copies the vision, the chapters, the priorities (each with the working group that takes its
    place in the new process, ``body_map``: old body id → new body), measures, activities with
    their target groups, partners and costs (implementation status back to planned: the new
    cycle has not started them) and the project pipeline. Needs: ``workflow.edit_draft`` on the
    target process. Keeps: the target process has no plan yet.
    """
    _require_whole_plan(actor, target)
    if Priority.objects.filter(process=target).exists():
        raise ValidationFailed(_("The new process already has a plan."))
    copied = 0
    vision = Vision.objects.filter(process=source).first()
    if vision is not None:
        _copy(vision, actor=actor, reason=reason, process_id=target.pk)
        copied += 1
    for section in PlanSection.objects.filter(process=source):
        _copy(section, actor=actor, reason=reason, process_id=target.pk)
        copied += 1
    measure_map: dict[int, int] = {}
    priorities = Priority.objects.filter(process=source).prefetch_related("target_groups")
    for priority in priorities:
        group = body_map.get(priority.working_group_id) if priority.working_group_id else None
        new_priority = _copy(
            priority,
            actor=actor,
            reason=reason,
            process_id=target.pk,
            working_group_id=group.pk if group else None,
        )
        new_priority.target_groups.set(priority.target_groups.all())
        copied += 1
        for measure in Measure.objects.filter(priority=priority):
            new_measure = _copy(
                measure,
                actor=actor,
                reason=reason,
                process_id=target.pk,
                priority_id=new_priority.pk,
            )
            measure_map[measure.pk] = new_measure.pk
            copied += 1
            activities = Activity.objects.filter(measure=measure).prefetch_related(
                "target_groups", "partners", "costs"
            )
            for activity in activities:
                new_activity = _copy(
                    activity,
                    actor=actor,
                    reason=reason,
                    process_id=target.pk,
                    measure_id=new_measure.pk,
                    status=Activity.Status.PLANNED,
                )
                new_activity.target_groups.set(activity.target_groups.all())
                new_activity.partners.set(activity.partners.all())
                copied += 1
                for cost in activity.costs.all():
                    _copy(cost, actor=actor, reason=reason, activity_id=new_activity.pk)
                    copied += 1
    for item in ProjectPipelineItem.objects.filter(process=source):
        _copy(
            item,
            actor=actor,
            reason=reason,
            process_id=target.pk,
            measure_id=measure_map.get(item.measure_id),
        )
        copied += 1
    return copied
