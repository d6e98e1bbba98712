"""Reads of the structured plan and of generation jobs, filtered to what the actor may see.

:func:`plan_tree_get` fetches a whole plan in a constant number of queries, whatever its size
(one per table, prefetched), and returns it sorted by hierarchical number ("1.10" after "1.9").
:attr:`PlanTree.outline` is the same tree as display rows (with the actor's edit rights and cost
totals worked out), so that templates only loop over it. The ``*_get`` functions load one node of
a given process or raise ``NotFound``; the ``*_choices`` querysets feed the edit forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from documents.models.plan import (
    Activity,
    ActivityCost,
    GenerationJob,
    Measure,
    PlanSection,
    Priority,
    ProjectPipelineItem,
    Vision,
    number_sort_key,
)
from documents.services.plan import (
    can_edit_priority,
    can_edit_whole_plan,
    can_edit_working_group_part,
    can_view_plan,
)
from stakeholders import roles
from stakeholders.exceptions import NotFound
from stakeholders.models import Body, Organization, TargetGroup

Process = Any


@dataclass
class ActivityRow:
    activity: Activity
    costs: list[ActivityCost]
    total: Decimal
    is_first: bool
    is_last: bool


@dataclass
class MeasureRow:
    measure: Measure
    activities: list[ActivityRow]
    is_first: bool
    is_last: bool


@dataclass
class PriorityRow:
    priority: Priority
    is_editable: bool
    measures: list[MeasureRow]
    is_first: bool
    is_last: bool


@dataclass
class PipelineRow:
    item: ProjectPipelineItem
    is_editable: bool


@dataclass
class PlanTree:
    """A plan as loaded: priorities → measures → activities (each with costs), sorted."""

    process: Process
    vision: Vision | None
    sections: dict[str, PlanSection]
    priorities: list[Priority]
    pipeline: list[ProjectPipelineItem]
    editable_priority_ids: set[int] = field(default_factory=set)
    can_edit_all: bool = False

    def measures(self, priority: Priority) -> list[Measure]:
        return sorted(priority.measures.all(), key=lambda m: number_sort_key(m.number))

    def activities(self, measure: Measure) -> list[Activity]:
        return sorted(measure.activities.all(), key=lambda a: number_sort_key(a.number))

    def all_activities(self) -> list[Activity]:
        return [a for p in self.priorities for m in self.measures(p) for a in self.activities(m)]

    @cached_property
    def outline(self) -> list[PriorityRow]:
        """Display rows: priorities → measures → activities with their costs and totals."""
        rows = []
        for p_index, priority in enumerate(self.priorities):
            measures = self.measures(priority)
            measure_rows = []
            for m_index, measure in enumerate(measures):
                activities = self.activities(measure)
                activity_rows = []
                for a_index, activity in enumerate(activities):
                    costs = list(activity.costs.all())
                    activity_rows.append(
                        ActivityRow(
                            activity=activity,
                            costs=costs,
                            total=sum((c.amount for c in costs), Decimal(0)),
                            is_first=a_index == 0,
                            is_last=a_index == len(activities) - 1,
                        )
                    )
                measure_rows.append(
                    MeasureRow(
                        measure=measure,
                        activities=activity_rows,
                        is_first=m_index == 0,
                        is_last=m_index == len(measures) - 1,
                    )
                )
            rows.append(
                PriorityRow(
                    priority=priority,
                    is_editable=priority.pk in self.editable_priority_ids,
                    measures=measure_rows,
                    is_first=p_index == 0,
                    is_last=p_index == len(self.priorities) - 1,
                )
            )
        return rows

    @cached_property
    def pipeline_rows(self) -> list[PipelineRow]:
        """Pipeline items; one linked to a measure is editable with that measure's part."""
        editable_measures = {
            measure.pk
            for priority in self.priorities
            if priority.pk in self.editable_priority_ids
            for measure in priority.measures.all()
        }
        return [
            PipelineRow(
                item=item,
                is_editable=self.can_edit_all or item.measure_id in editable_measures,
            )
            for item in self.pipeline
        ]

    @property
    def can_edit_anything(self) -> bool:
        return self.can_edit_all or bool(self.editable_priority_ids)

    @property
    def sections_in_order(self) -> list[tuple[str, str, PlanSection | None]]:
        """The five text chapters (kind, label, the chapter if written) in statutory order."""
        return [(kind, label, self.sections.get(kind)) for kind, label in PlanSection.Kind.choices]

    @property
    def missing_sections(self) -> list[str]:
        """Statutory text chapters not written yet (the strategy needs at least one priority)."""
        missing = [
            kind
            for kind in PlanSection.Kind.values
            if not (kind in self.sections and self.sections[kind].text.strip())
        ]
        if not self.priorities:
            missing.append("strategy")
        return missing


def _activities() -> QuerySet[Activity]:
    return Activity.objects.select_related("responsible_organization").prefetch_related(
        "target_groups", "partners", "costs"
    )


def priority_queryset(process: Process) -> QuerySet[Priority]:
    return (
        Priority.objects.filter(process=process)
        .select_related("working_group")
        .prefetch_related(
            "target_groups",
            Prefetch(
                "measures",
                queryset=Measure.objects.prefetch_related(
                    Prefetch("activities", queryset=_activities())
                ),
            ),
        )
    )


def plan_tree_load(process: Process) -> PlanTree:
    """The whole plan of a process, unfiltered: for services and tasks that checked access."""
    priorities = sorted(priority_queryset(process), key=lambda p: number_sort_key(p.number))
    pipeline = list(
        ProjectPipelineItem.objects.filter(process=process)
        .select_related("measure", "implementer_organization")
        .order_by("order", "title")
    )
    return PlanTree(
        process=process,
        vision=Vision.objects.filter(process=process).first(),
        sections={s.kind: s for s in PlanSection.objects.filter(process=process)},
        priorities=priorities,
        pipeline=pipeline,
    )


def plan_tree_get(*, actor: Any, process: Process) -> PlanTree:
    """The plan of a process the actor may see, with what the actor may edit marked."""
    if not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))
    tree = plan_tree_load(process)
    tree.can_edit_all = can_edit_whole_plan(actor, process)
    if tree.can_edit_all:
        tree.editable_priority_ids = {p.pk for p in tree.priorities}
    else:
        groups = {p.working_group_id: p.working_group for p in tree.priorities if p.working_group}
        editable_groups = {
            pk for pk, body in groups.items() if can_edit_working_group_part(actor, body)
        }
        tree.editable_priority_ids = {
            p.pk for p in tree.priorities if p.working_group_id in editable_groups
        }
    return tree


def priority_get(*, actor: Any, pk: int, process: Process | None = None) -> Priority:
    """One priority the actor may see (of ``process`` when given), else ``NotFound``."""
    rows = Priority.objects.select_related("process", "working_group").filter(pk=pk)
    if process is not None:
        rows = rows.filter(process=process)
    priority = rows.first()
    if priority is None or not can_view_plan(actor, priority.process):
        raise NotFound(_("Priority not found."))
    return priority


def priority_is_editable(*, actor: Any, priority: Priority) -> bool:
    return can_edit_priority(actor, priority)


# --- one process and its nodes, for the edit pages --------------------------------------------


def _process_model() -> Any:
    # Reached through the relation: documents does not import workflow.
    return Priority._meta.get_field("process").related_model


def plan_process_get(*, actor: Any, pk: Any) -> Process:
    """A planning process whose plan the actor may see; ``NotFound`` otherwise (also for the
    processes of other territories)."""
    try:
        process = _process_model().objects.select_related("territory").filter(pk=pk).first()
    except (ValueError, TypeError):
        process = None
    if process is None or not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))
    return process


def measure_get(*, actor: Any, process: Process, pk: int) -> Measure:
    measure = (
        Measure.objects.select_related("priority__working_group", "priority__process")
        .filter(pk=pk, process=process)
        .first()
    )
    if measure is None or not can_view_plan(actor, process):
        raise NotFound(_("Measure not found."))
    return measure


def activity_get(*, actor: Any, process: Process, pk: int) -> Activity:
    activity = (
        Activity.objects.select_related(
            "measure__priority__working_group", "measure__priority__process"
        )
        .prefetch_related("target_groups", "partners", "costs")
        .filter(pk=pk, process=process)
        .first()
    )
    if activity is None or not can_view_plan(actor, process):
        raise NotFound(_("Activity not found."))
    return activity


def pipeline_item_get(*, actor: Any, process: Process, pk: int) -> ProjectPipelineItem:
    item = (
        ProjectPipelineItem.objects.select_related("measure__priority__working_group", "process")
        .filter(pk=pk, process=process)
        .first()
    )
    if item is None or not can_view_plan(actor, process):
        raise NotFound(_("Project intention not found."))
    return item


def pipeline_item_is_editable(*, actor: Any, item: ProjectPipelineItem) -> bool:
    if can_edit_whole_plan(actor, item.process):
        return True
    return item.measure is not None and can_edit_working_group_part(
        actor, item.measure.priority.working_group
    )


def vision_text(process: Process) -> str:
    return Vision.objects.filter(process=process).values_list("text", flat=True).first() or ""


def section_text(process: Process, kind: str) -> str:
    rows = PlanSection.objects.filter(process=process, kind=kind)
    return rows.values_list("text", flat=True).first() or ""


# --- choices for the edit forms ---------------------------------------------------------------


def working_group_choices(*, actor: Any, process: Process) -> QuerySet[Body]:
    """Working groups of the process to which the actor may assign a priority."""
    groups = Body.objects.filter(process=process, kind=Body.Kind.WORKING_GROUP).order_by("name")
    if can_edit_whole_plan(actor, process):
        return groups
    own = get_objects_for_user(
        actor, roles.EDIT_TARGET_GROUP_PART, klass=Body, accept_global_perms=False
    )
    return groups.filter(pk__in=own.values("pk"))


def editable_priority_choices(*, actor: Any, process: Process) -> QuerySet[Priority]:
    """Priorities of the process under which the actor may place measures."""
    priorities = Priority.objects.filter(process=process).order_by("order", "number")
    if can_edit_whole_plan(actor, process):
        return priorities
    groups = working_group_choices(actor=actor, process=process)
    return priorities.filter(working_group__in=groups.values("pk"))


def editable_measure_choices(*, actor: Any, process: Process) -> QuerySet[Measure]:
    """Measures of the process under which the actor may place activities or project intentions."""
    priorities = editable_priority_choices(actor=actor, process=process)
    return (
        Measure.objects.filter(priority__in=priorities.values("pk"))
        .select_related("priority")
        .order_by("priority__order", "priority__number", "order", "number")
    )


def target_group_choices() -> QuerySet[TargetGroup]:
    return TargetGroup.objects.filter(is_active=True)


def organization_choices(*, process: Process, keep: Any = ()) -> QuerySet[Organization]:
    """Organisations working in the process's territory (or its municipalities), organisations
    without a territory, and those already chosen (``keep``: their ids)."""
    territory_id = process.territory_id
    return Organization.objects.filter(
        Q(territory_id=territory_id)
        | Q(territory__territory_links__territory_id=territory_id)
        | Q(territory__isnull=True)
        | Q(pk__in=list(keep))
    ).distinct()


# --- generation jobs --------------------------------------------------------------------------


def generation_job_list(*, actor: Any, process: Process) -> QuerySet[GenerationJob]:
    """Generation jobs of a process, newest first (for the progress display)."""
    if not can_view_plan(actor, process):
        raise NotFound(_("Planning process not found."))
    return GenerationJob.objects.filter(process=process).select_related("template")


def generation_job_get(*, actor: Any, pk: int) -> GenerationJob:
    """One job with its state and percent, or NotFound when the actor may not see its process."""
    job = GenerationJob.objects.select_related("process", "template").filter(pk=pk).first()
    if job is None or not can_view_plan(actor, job.process):
        raise NotFound(_("Generation job not found."))
    return job


def sibling_position(node: Priority | Measure | Activity) -> int:
    """The 1-based position of a priority, measure or activity among its siblings."""
    if isinstance(node, Priority):
        rows = Priority.objects.filter(process_id=node.process_id)
    elif isinstance(node, Measure):
        rows = Measure.objects.filter(priority_id=node.priority_id)
    else:
        rows = Activity.objects.filter(measure_id=node.measure_id)
    numbers = sorted(rows.values_list("number", flat=True), key=number_sort_key)
    return numbers.index(node.number) + 1 if node.number in numbers else len(numbers)
