"""The structured plan of a process over HTTP: the tree to read; the vision, priorities,
measures, activities and project intentions to edit (``/processes/{id}/plan/...``).

Every write calls ``documents.services.plan``, which decides who edits what: the coordinator,
the methodologist and the steering group's voting members edit the whole plan; a working-group
member only their own group's priorities with what hangs under them (403 ``forbidden`` for the
rest). A node of another process (or territory) is 404 ``not_found``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, one_of, parse_id, query_params, validated
from documents import plan_selectors
from documents.models.plan import Priority
from documents.services import plan as plan_services
from stakeholders.models import Body, Organization
from workflow.api import serializers as s
from workflow.api.processes import process_for
from workflow.models import PlanningProcess


def _node(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=what)


PRIORITY = _node("priority_pk", "The priority.")
MEASURE = _node("measure_pk", "The measure.")
ACTIVITY = _node("activity_pk", "The activity.")
PIPELINE = _node("pipeline_pk", "The project intention.")
NODE = r"(?P<{}>[^/.]+)"


def _parsed(
    serializer_class: type[serializers.Serializer], request: Request, *, partial: bool
) -> dict[str, Any]:
    """A request body; on PATCH only what is given (400 ``validation_error`` when invalid)."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PlanViewSet(ApiViewSet):
    """The plan of a process you may see."""

    queryset = Priority.objects.none()
    pagination_class = None

    @property
    def process(self) -> PlanningProcess:
        if not hasattr(self, "_process"):
            self._process = process_for(self.request, self.kwargs["process_pk"])
        return self._process

    # --- lookups within the process (another process's node is not found) -------------------

    def _priority(self, pk: Any) -> Priority:
        return plan_selectors.priority_get(
            actor=self.request.user, pk=parse_id(pk), process=self.process
        )

    def _working_group(self, pk: int | None) -> Body | None:
        groups = Body.objects.filter(process=self.process, kind=Body.Kind.WORKING_GROUP)
        return one_of(groups, pk, _("Working group not found."))

    def _organization(self, pk: int | None) -> Organization | None:
        return one_of(Organization.objects.all(), pk, _("Organisation not found."))

    def _measure(self, pk: Any) -> Any:
        return plan_selectors.measure_get(
            actor=self.request.user, process=self.process, pk=parse_id(pk)
        )

    def _activity(self, pk: Any) -> Any:
        return plan_selectors.activity_get(
            actor=self.request.user, process=self.process, pk=parse_id(pk)
        )

    def _pipeline_item(self, pk: Any) -> Any:
        return plan_selectors.pipeline_item_get(
            actor=self.request.user, process=self.process, pk=parse_id(pk)
        )

    # --- the tree and the vision -----------------------------------------------------------

    @extend_schema(responses=s.PlanTreeSerializer)
    def list(self, request: Request, process_pk: str) -> Response:
        """The whole plan: the vision, priorities → measures → activities, the project
        pipeline, and what you may edit."""
        tree = plan_selectors.plan_tree_get(actor=request.user, process=self.process)
        data = {
            "vision": tree.vision.text if tree.vision else "",
            "priorities": tree.priorities,
            "pipeline": tree.pipeline,
            "can_edit_all": tree.can_edit_all,
            "editable_priorities": sorted(tree.editable_priority_ids),
        }
        return Response(s.PlanTreeSerializer(data).data)

    @extend_schema(request=s.VisionSerializer, responses=s.VisionSerializer)
    @action(detail=False, methods=["put"])
    def vision(self, request: Request, process_pk: str) -> Response:
        """Set the vision (the coordinator, the methodologist, the steering group)."""
        data = validated(s.VisionSerializer, request)
        vision = plan_services.plan_vision_set(
            actor=request.user, process=self.process, text=data["text"], reason=data["reason"]
        )
        return Response(s.VisionSerializer({"text": vision.text, "reason": data["reason"]}).data)

    # --- priorities --------------------------------------------------------------------------

    def _priority_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if "working_group" in data:
            data["working_group"] = self._working_group(data["working_group"])
        return data

    @extend_schema(request=s.PriorityInputSerializer, responses={201: s.PriorityOutputSerializer})
    @action(detail=False, methods=["post"])
    def priorities(self, request: Request, process_pk: str) -> Response:
        """Add a priority (a working-group member: to their own group's part only)."""
        process = self.process
        data = self._priority_fields(_parsed(s.PriorityInputSerializer, request, partial=False))
        priority = plan_services.plan_priority_create(actor=request.user, process=process, **data)
        return self.output(s.PriorityOutputSerializer, priority, status=201)

    @extend_schema(
        parameters=[PRIORITY],
        request=s.PriorityInputSerializer,
        responses=s.PriorityOutputSerializer,
    )
    @action(detail=False, methods=["patch"], url_path=f"priorities/{NODE.format('priority_pk')}")
    def priority(self, request: Request, process_pk: str, priority_pk: str) -> Response:
        """Change a priority; a new number renumbers its measures and activities."""
        priority = self._priority(priority_pk)
        data = self._priority_fields(_parsed(s.PriorityInputSerializer, request, partial=True))
        priority = plan_services.plan_priority_update(actor=request.user, priority=priority, **data)
        return self.output(s.PriorityOutputSerializer, priority)

    @extend_schema(
        parameters=[PRIORITY, s.ReasonQuerySerializer], request=None, responses={204: None}
    )
    @priority.mapping.delete
    def priority_delete(self, request: Request, process_pk: str, priority_pk: str) -> Response:
        """Delete a priority with everything under it; the numbers after it close up."""
        priority = self._priority(priority_pk)
        query = query_params(s.ReasonQuerySerializer, request)
        plan_services.plan_priority_delete(
            actor=request.user, priority=priority, reason=query["reason"]
        )
        return Response(status=204)

    @extend_schema(
        parameters=[PRIORITY], request=s.NodeMoveSerializer, responses=s.PriorityOutputSerializer
    )
    @action(
        detail=False,
        methods=["post"],
        url_path=f"priorities/{NODE.format('priority_pk')}/move",
    )
    def priority_move(self, request: Request, process_pk: str, priority_pk: str) -> Response:
        """Move a priority to another place; the priorities are renumbered."""
        priority = self._priority(priority_pk)
        data = validated(s.NodeMoveSerializer, request)
        priority = plan_services.plan_priority_move(actor=request.user, priority=priority, **data)
        return self.output(s.PriorityOutputSerializer, self._priority(priority.pk))

    # --- measures ----------------------------------------------------------------------------

    def _measure_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if "priority" in data:
            data["priority"] = self._priority(data["priority"])
        return data

    @extend_schema(request=s.MeasureInputSerializer, responses={201: s.MeasureOutputSerializer})
    @action(detail=False, methods=["post"])
    def measures(self, request: Request, process_pk: str) -> Response:
        """Add a measure under a priority whose part you edit."""
        data = self._measure_fields(_parsed(s.MeasureInputSerializer, request, partial=False))
        measure = plan_services.plan_measure_create(actor=request.user, **data)
        return self.output(s.MeasureOutputSerializer, measure, status=201)

    @extend_schema(
        parameters=[MEASURE], request=s.MeasureInputSerializer, responses=s.MeasureOutputSerializer
    )
    @action(detail=False, methods=["patch"], url_path=f"measures/{NODE.format('measure_pk')}")
    def measure(self, request: Request, process_pk: str, measure_pk: str) -> Response:
        """Change a measure; another ``priority`` moves it there."""
        measure = self._measure(measure_pk)
        data = self._measure_fields(_parsed(s.MeasureInputSerializer, request, partial=True))
        measure = plan_services.plan_measure_update(actor=request.user, measure=measure, **data)
        return self.output(s.MeasureOutputSerializer, self._measure(measure.pk))

    @extend_schema(
        parameters=[MEASURE, s.ReasonQuerySerializer], request=None, responses={204: None}
    )
    @measure.mapping.delete
    def measure_delete(self, request: Request, process_pk: str, measure_pk: str) -> Response:
        """Delete a measure with its activities; the numbers after it close up."""
        measure = self._measure(measure_pk)
        query = query_params(s.ReasonQuerySerializer, request)
        plan_services.plan_measure_delete(
            actor=request.user, measure=measure, reason=query["reason"]
        )
        return Response(status=204)

    @extend_schema(
        parameters=[MEASURE], request=s.ChildMoveSerializer, responses=s.MeasureOutputSerializer
    )
    @action(detail=False, methods=["post"], url_path=f"measures/{NODE.format('measure_pk')}/move")
    def measure_move(self, request: Request, process_pk: str, measure_pk: str) -> Response:
        """Move a measure to another place, under its priority or another one."""
        measure = self._measure(measure_pk)
        data = validated(s.ChildMoveSerializer, request)
        parent = data.pop("parent")
        priority = self._priority(parent) if parent is not None else None
        measure = plan_services.plan_measure_move(
            actor=request.user, measure=measure, priority=priority, **data
        )
        return self.output(s.MeasureOutputSerializer, self._measure(measure.pk))

    # --- activities --------------------------------------------------------------------------

    def _activity_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if "measure" in data:
            data["measure"] = self._measure(data["measure"])
        if "responsible_organization" in data:
            data["responsible_organization"] = self._organization(data["responsible_organization"])
        return data

    @extend_schema(request=s.ActivityInputSerializer, responses={201: s.ActivityOutputSerializer})
    @action(detail=False, methods=["post"])
    def activities(self, request: Request, process_pk: str) -> Response:
        """Add an activity under a measure whose part you edit."""
        data = self._activity_fields(_parsed(s.ActivityInputSerializer, request, partial=False))
        activity = plan_services.plan_activity_create(actor=request.user, **data)
        return self.output(s.ActivityOutputSerializer, activity, status=201)

    @extend_schema(
        parameters=[ACTIVITY],
        request=s.ActivityInputSerializer,
        responses=s.ActivityOutputSerializer,
    )
    @action(detail=False, methods=["patch"], url_path=f"activities/{NODE.format('activity_pk')}")
    def activity(self, request: Request, process_pk: str, activity_pk: str) -> Response:
        """Change an activity; another ``measure`` moves it there."""
        activity = self._activity(activity_pk)
        data = self._activity_fields(_parsed(s.ActivityInputSerializer, request, partial=True))
        activity = plan_services.plan_activity_update(actor=request.user, activity=activity, **data)
        return self.output(s.ActivityOutputSerializer, self._activity(activity.pk))

    @extend_schema(
        parameters=[ACTIVITY, s.ReasonQuerySerializer], request=None, responses={204: None}
    )
    @activity.mapping.delete
    def activity_delete(self, request: Request, process_pk: str, activity_pk: str) -> Response:
        """Delete an activity with its costs; the numbers after it close up."""
        activity = self._activity(activity_pk)
        query = query_params(s.ReasonQuerySerializer, request)
        plan_services.plan_activity_delete(
            actor=request.user, activity=activity, reason=query["reason"]
        )
        return Response(status=204)

    @extend_schema(
        parameters=[ACTIVITY], request=s.ChildMoveSerializer, responses=s.ActivityOutputSerializer
    )
    @action(
        detail=False, methods=["post"], url_path=f"activities/{NODE.format('activity_pk')}/move"
    )
    def activity_move(self, request: Request, process_pk: str, activity_pk: str) -> Response:
        """Move an activity to another place, under its measure or another one."""
        activity = self._activity(activity_pk)
        data = validated(s.ChildMoveSerializer, request)
        parent = data.pop("parent")
        measure = self._measure(parent) if parent is not None else None
        activity = plan_services.plan_activity_move(
            actor=request.user, activity=activity, measure=measure, **data
        )
        return self.output(s.ActivityOutputSerializer, self._activity(activity.pk))

    # --- the project pipeline ------------------------------------------------------------------

    def _pipeline_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if "measure" in data:
            data["measure"] = (
                self._measure(data["measure"]) if data["measure"] is not None else None
            )
        if "implementer_organization" in data:
            data["implementer_organization"] = self._organization(data["implementer_organization"])
        return data

    @extend_schema(
        request=s.PipelineItemInputSerializer, responses={201: s.PipelineItemOutputSerializer}
    )
    @action(detail=False, methods=["post"], url_path="pipeline-items")
    def pipeline_items(self, request: Request, process_pk: str) -> Response:
        """Add a project intention (a working-group member: linked to a measure of their
        part)."""
        process = self.process
        data = self._pipeline_fields(_parsed(s.PipelineItemInputSerializer, request, partial=False))
        item = plan_services.plan_pipeline_item_create(actor=request.user, process=process, **data)
        return self.output(s.PipelineItemOutputSerializer, item, status=201)

    @extend_schema(
        parameters=[PIPELINE],
        request=s.PipelineItemInputSerializer,
        responses=s.PipelineItemOutputSerializer,
    )
    @action(
        detail=False, methods=["patch"], url_path=f"pipeline-items/{NODE.format('pipeline_pk')}"
    )
    def pipeline_item(self, request: Request, process_pk: str, pipeline_pk: str) -> Response:
        """Change a project intention."""
        item = self._pipeline_item(pipeline_pk)
        data = self._pipeline_fields(_parsed(s.PipelineItemInputSerializer, request, partial=True))
        item = plan_services.plan_pipeline_item_update(actor=request.user, item=item, **data)
        return self.output(s.PipelineItemOutputSerializer, item)

    @extend_schema(
        parameters=[PIPELINE, s.ReasonQuerySerializer], request=None, responses={204: None}
    )
    @pipeline_item.mapping.delete
    def pipeline_item_delete(self, request: Request, process_pk: str, pipeline_pk: str) -> Response:
        """Delete a project intention."""
        item = self._pipeline_item(pipeline_pk)
        query = query_params(s.ReasonQuerySerializer, request)
        plan_services.plan_pipeline_item_delete(
            actor=request.user, item=item, reason=query["reason"]
        )
        return Response(status=204)
