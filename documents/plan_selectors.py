"""Reads of the structured plan and of generation jobs, filtered to what the actor may see.

:func:`plan_tree_get` fetches a whole plan in a constant number of queries, whatever its size
(one per table, prefetched), and returns it sorted by hierarchical number ("1.10" after "1.9").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from documents.models.plan import (
    Activity,
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
from stakeholders.exceptions import NotFound

Process = Any


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


def priority_get(*, actor: Any, pk: int) -> Priority:
    priority = Priority.objects.select_related("process", "working_group").filter(pk=pk).first()
    if priority is None or not can_view_plan(actor, priority.process):
        raise NotFound(_("Priority not found."))
    return priority


def priority_is_editable(*, actor: Any, priority: Priority) -> bool:
    return can_edit_priority(actor, priority)


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
