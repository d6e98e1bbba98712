"""Every write on the structured plan: vision, chapters, priorities, measures, activities, costs
and the project pipeline.

Who may edit (checked by :func:`plan_edit_scope` before every write):

* a user who may not see the process (``workflow.view_planningprocess``) gets ``NotFound``;
* the coordinator and the methodologist (``workflow.edit_draft`` on the process), the voting
  members of the steering group (``workflow.approve_stage``) and superusers edit everything;
* a working-group member edits only the priorities owned by a working group on which they hold
  ``stakeholders.edit_target_group_part``, with their measures, activities, costs and the
  pipeline items linked to those measures;
* everyone else gets ``PermissionDenied``.

Every service runs in a transaction, validates (``full_clean``) and records the actor and a
reason in the history. Deletions remove children one by one so that each gets a history row
with its actor.

Numbers are hierarchical ("1", "1.2", "1.2.3") and follow the position of a node among its
siblings: a node created without a number gets the next one under its parent, deleting a node
closes the gap behind it, and moving a node (up, down, or under another parent) renumbers its
old and new siblings. Renumbering a priority or a measure renumbers its subtree. Sibling rows are
locked (parent first, then siblings by id) while they are renumbered. A working-group member may
renumber only nodes of their own part: deleting or moving a priority that would shift another
group's numbers is left to the coordinator.
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
from documents.services.plan_numbering import (
    lock,
    locked_siblings,
    moved,
    next_number,
    numbers_in_use,
    pick,
    place,
    renumber,
    renumbered,
    set_number,
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


# The coordinator and the methodologist draft the plan; the steering group's voting members
# steer it and settle comments into it. Either edits the whole plan.
WHOLE_PLAN_PERMISSIONS = (roles.EDIT_DRAFT, roles.APPROVE_STAGE)


def can_edit_whole_plan(actor: Actor, process: Process) -> bool:
    return any(_has(actor, perm, process) for perm in WHOLE_PLAN_PERMISSIONS)


def can_edit_working_group_part(actor: Actor, working_group: Body | None) -> bool:
    return working_group is not None and can_edit_target_group_part(actor, working_group)


def _require_view(actor: Actor, process: Process) -> None:
    if not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))


def _require_whole_plan(actor: Actor, process: Process) -> None:
    _require_view(actor, process)
    if not can_edit_whole_plan(actor, process):
        raise PermissionDenied(
            _("Only the coordinator, the methodologist or the steering group may edit this.")
        )


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
    # The plan tree is the working draft of the plan, not an ESF record: the record is each
    # submitted version of the plan with its generation snapshot (workflow.services.retention).
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


def _require_renumbering(actor: Actor, process: Process, priorities: Sequence[Priority]) -> None:
    """Renumbering priorities changes the numbers of their parts: the actor must edit each."""
    if not priorities or can_edit_whole_plan(actor, process):
        return
    if all(can_edit_working_group_part(actor, p.working_group) for p in priorities):
        return
    raise PermissionDenied(
        _(
            "This would renumber the priorities of other working groups; ask the coordinator "
            "to make the change."
        )
    )


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


def _priority_siblings(process_id: int) -> list[Priority]:
    return locked_siblings(
        Priority.objects.filter(process_id=process_id).select_related("working_group")
    )


@transaction.atomic
def plan_priority_create(
    *,
    actor: Actor,
    process: Process,
    title: str,
    number: str | None = None,
    description: str = "",
    working_group: Body | None = None,
    target_groups: Sequence[TargetGroup] = (),
    order: int = 0,
    reason: str = "",
) -> Priority:
    """Add a priority; without ``number`` it gets the next free one. Needs: edit the whole plan,
    or the working group's edit_target_group_part (a working-group member may add priorities to
    their own group's part only)."""
    _require_part(actor, process, working_group)
    if number is None:
        lock(type(process), process.pk)
        number = next_number("", numbers_in_use(Priority, process.pk, ""))
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
            renumber(measure, old_prefix, new_prefix, actor=actor)
        for activity in Activity.objects.filter(measure__priority=priority):
            renumber(activity, old_prefix, new_prefix, actor=actor)
    return priority


@transaction.atomic
def plan_priority_move(
    *, actor: Actor, priority: Priority, position: int, reason: str = ""
) -> Priority:
    """Move a priority to ``position`` (1-based) among the priorities of its process and
    renumber them (with their subtrees). Needs: edit the priority's part and the part of every
    priority whose number changes."""
    lock(type(priority.process), priority.process_id)
    siblings = _priority_siblings(priority.process_id)
    priority = pick(siblings, priority.pk)
    process = priority.process
    _require_part(actor, process, priority.working_group)
    ordered = moved(siblings, priority, position)
    _require_renumbering(actor, process, renumbered(ordered, ""))
    place(
        ordered,
        prefix="",
        in_use={p.number for p in siblings},
        actor=actor,
        reason=reason or _("Priority moved"),
    )
    return priority


@transaction.atomic
def plan_priority_delete(*, actor: Actor, priority: Priority, reason: str = "") -> None:
    """Delete a priority with its measures, activities and costs (each recorded), and close the
    gap in the numbers of the priorities after it."""
    lock(type(priority.process), priority.process_id)
    siblings = _priority_siblings(priority.process_id)
    priority = pick(siblings, priority.pk)
    process = priority.process
    _require_part(actor, process, priority.working_group)
    remaining = [p for p in siblings if p.pk != priority.pk]
    _require_renumbering(actor, process, renumbered(remaining, ""))
    reason = reason or _("Priority deleted")
    for measure in priority.measures.all():
        _measure_delete(measure, actor=actor, reason=reason)
    _delete(priority, actor=actor, reason=reason)
    in_use = {p.number for p in remaining}
    place(remaining, prefix="", in_use=in_use, actor=actor, reason=reason)


# --- measures ---------------------------------------------------------------------------------

MEASURE_FIELDS = ("number", "title", "goal", "indicators", "order")


def _measure_siblings(priority_id: int) -> list[Measure]:
    return locked_siblings(Measure.objects.filter(priority_id=priority_id))


@transaction.atomic
def plan_measure_create(
    *,
    actor: Actor,
    priority: Priority,
    title: str,
    number: str | None = None,
    goal: str = "",
    indicators: str = "",
    order: int = 0,
    reason: str = "",
) -> Measure:
    """Add a measure under a priority (number "<priority>.<n>"; without ``number`` the next
    one). Needs: edit the priority's part."""
    _require_part(actor, priority.process, priority.working_group)
    if number is None:
        lock(Priority, priority.pk)
        prefix = f"{priority.number}."
        number = next_number(prefix, numbers_in_use(Measure, priority.process_id, prefix))
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
    *,
    actor: Actor,
    measure: Measure,
    priority: Priority | None = None,
    reason: str = "",
    **fields: Any,
) -> Measure:
    """Change a measure; a new number renumbers its activities. A different ``priority`` moves
    the measure there, as the last one (:func:`plan_measure_move`)."""
    measure = Measure.objects.select_for_update().select_related("priority").get(pk=measure.pk)
    _require_part(actor, measure.priority.process, measure.priority.working_group)
    old_number = measure.number
    _apply(measure, fields, MEASURE_FIELDS)
    record_save(measure, actor=actor, reason=reason or _("Measure edited"))
    if measure.number != old_number:
        for activity in measure.activities.all():
            renumber(activity, f"{old_number}.", f"{measure.number}.", actor=actor)
    if priority is not None and priority.pk != measure.priority_id:
        measure = plan_measure_move(actor=actor, measure=measure, priority=priority, reason=reason)
    return measure


@transaction.atomic
def plan_measure_move(
    *,
    actor: Actor,
    measure: Measure,
    priority: Priority | None = None,
    position: int | None = None,
    reason: str = "",
) -> Measure:
    """Move a measure to ``position`` (1-based; None: last) under ``priority`` (None: its own)
    and renumber the measures (with their activities) of the old and the new priority.
    Needs: edit the part of both priorities."""
    source_id = Measure.objects.values_list("priority_id", flat=True).get(pk=measure.pk)
    target_id = priority.pk if priority is not None else source_id
    lock(Priority, source_id, target_id)
    source = Priority.objects.select_related("working_group").get(pk=source_id)
    target = Priority.objects.select_related("working_group").get(pk=target_id)
    _check_same_process(source.process, target, field="priority")
    _require_part(actor, source.process, source.working_group, target.working_group)
    reason = reason or _("Measure moved")
    siblings = _measure_siblings(source.pk)
    measure = pick(siblings, measure.pk)
    source_prefix = f"{source.number}."
    if target.pk == source.pk:
        in_use = {m.number for m in siblings}
        ordered = moved(siblings, measure, position)
        place(ordered, prefix=source_prefix, in_use=in_use, actor=actor, reason=reason)
        return measure
    target_siblings = _measure_siblings(target.pk)
    target_prefix = f"{target.number}."
    target_in_use = numbers_in_use(Measure, target.process_id, target_prefix)
    measure.priority = target
    spare = next_number(target_prefix, target_in_use)
    set_number(measure, spare, actor=actor, reason=reason)
    target_in_use.add(spare)
    remaining = [m for m in siblings if m.pk != measure.pk]
    in_use = {m.number for m in remaining}
    place(remaining, prefix=source_prefix, in_use=in_use, actor=actor, reason=reason)
    ordered = moved([*target_siblings, measure], measure, position)
    place(ordered, prefix=target_prefix, in_use=target_in_use, actor=actor, reason=reason)
    return measure


def _measure_delete(measure: Measure, *, actor: Actor, reason: str) -> None:
    for activity in measure.activities.all():
        _activity_delete(activity, actor=actor, reason=reason)
    _delete(measure, actor=actor, reason=reason)


@transaction.atomic
def plan_measure_delete(*, actor: Actor, measure: Measure, reason: str = "") -> None:
    """Delete a measure with its activities and costs (each recorded) and close the gap in the
    numbers of the measures after it. Needs: edit the priority's part."""
    priority = Priority.objects.select_related("working_group").get(pk=measure.priority_id)
    _require_part(actor, priority.process, priority.working_group)
    lock(Priority, priority.pk)
    siblings = _measure_siblings(priority.pk)
    measure = pick(siblings, measure.pk)
    reason = reason or _("Measure deleted")
    _measure_delete(measure, actor=actor, reason=reason)
    remaining = [m for m in siblings if m.pk != measure.pk]
    in_use = {m.number for m in remaining}
    place(remaining, prefix=f"{priority.number}.", in_use=in_use, actor=actor, reason=reason)


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


def _activity_siblings(measure_id: int) -> list[Activity]:
    return locked_siblings(Activity.objects.filter(measure_id=measure_id))


@transaction.atomic
def plan_activity_create(
    *,
    actor: Actor,
    measure: Measure,
    title: str,
    number: str | None = None,
    target_groups: Sequence[TargetGroup] = (),
    partners: Sequence[Organization] = (),
    costs: Sequence[CostInput] = (),
    reason: str = "",
    **fields: Any,
) -> Activity:
    """Add an activity under a measure (number "<measure>.<n>"; without ``number`` the next
    one) with its estimated costs. Needs: edit the measure's part."""
    priority = measure.priority
    _require_part(actor, priority.process, priority.working_group)
    if number is None:
        lock(Measure, measure.pk)
        prefix = f"{measure.number}."
        number = next_number(prefix, numbers_in_use(Activity, measure.process_id, prefix))
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
    measure: Measure | None = None,
    target_groups: Sequence[TargetGroup] | None = None,
    partners: Sequence[Organization] | None = None,
    costs: Sequence[CostInput] | None = None,
    reason: str = "",
    **fields: Any,
) -> Activity:
    """Change an activity; ``costs`` (when given) replace all its estimated costs. A different
    ``measure`` moves the activity there, as the last one (:func:`plan_activity_move`)."""
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
    if measure is not None and measure.pk != activity.measure_id:
        activity = plan_activity_move(
            actor=actor, activity=activity, measure=measure, reason=reason
        )
    return activity


@transaction.atomic
def plan_activity_move(
    *,
    actor: Actor,
    activity: Activity,
    measure: Measure | None = None,
    position: int | None = None,
    reason: str = "",
) -> Activity:
    """Move an activity to ``position`` (1-based; None: last) under ``measure`` (None: its own)
    and renumber the activities of the old and the new measure. Needs: edit both parts."""
    source_id = Activity.objects.values_list("measure_id", flat=True).get(pk=activity.pk)
    target_id = measure.pk if measure is not None else source_id
    lock(Measure, source_id, target_id)
    source = Measure.objects.select_related("priority__working_group").get(pk=source_id)
    target = Measure.objects.select_related("priority__working_group").get(pk=target_id)
    process = source.priority.process
    _check_same_process(process, target, field="measure")
    _require_part(actor, process, source.priority.working_group, target.priority.working_group)
    reason = reason or _("Activity moved")
    siblings = _activity_siblings(source.pk)
    activity = pick(siblings, activity.pk)
    source_prefix = f"{source.number}."
    if target.pk == source.pk:
        in_use = {a.number for a in siblings}
        ordered = moved(siblings, activity, position)
        place(ordered, prefix=source_prefix, in_use=in_use, actor=actor, reason=reason)
        return activity
    target_siblings = _activity_siblings(target.pk)
    target_prefix = f"{target.number}."
    target_in_use = numbers_in_use(Activity, target.process_id, target_prefix)
    activity.measure = target
    spare = next_number(target_prefix, target_in_use)
    set_number(activity, spare, actor=actor, reason=reason)
    target_in_use.add(spare)
    remaining = [a for a in siblings if a.pk != activity.pk]
    in_use = {a.number for a in remaining}
    place(remaining, prefix=source_prefix, in_use=in_use, actor=actor, reason=reason)
    ordered = moved([*target_siblings, activity], activity, position)
    place(ordered, prefix=target_prefix, in_use=target_in_use, actor=actor, reason=reason)
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
    """Delete an activity with its costs (each recorded) and close the gap in the numbers of
    the activities after it. Needs: edit the measure's part."""
    measure = Measure.objects.select_related("priority__working_group").get(pk=activity.measure_id)
    _require_part(actor, measure.priority.process, measure.priority.working_group)
    lock(Measure, measure.pk)
    siblings = _activity_siblings(measure.pk)
    activity = pick(siblings, activity.pk)
    reason = reason or _("Activity deleted")
    _activity_delete(activity, actor=actor, reason=reason)
    remaining = [a for a in siblings if a.pk != activity.pk]
    in_use = {a.number for a in remaining}
    place(remaining, prefix=f"{measure.number}.", in_use=in_use, actor=actor, reason=reason)


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
