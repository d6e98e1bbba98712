"""Planning processes over HTTP: list and detail (what the caller may see), the transitions
available with what blocks them, the stage change itself, deadlines, the next cycle, and what
is created inside a process (its bodies, documents, generation requests, consultations).

Thin: ``workflow.selectors`` filter, ``workflow.services`` (and the documents and stakeholders
services) decide.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from audit.selectors import audit_event_list
from config.api import ApiViewSet, one_of, parse_id, query_params, validated
from documents import selectors as document_selectors
from documents import services as document_services
from documents.api import digest_headers
from documents.plan_selectors import generation_job_list
from documents.serializers import DocumentSerializer, GenerationJobSerializer
from documents.services.generation import generation_request
from stakeholders import services as stakeholder_services
from stakeholders.exceptions import PermissionDenied
from stakeholders.models import EsfProject, TargetGroup
from stakeholders.selectors import body_list, organization_list, territory_list
from stakeholders.serializers import BodyRulesSerializer, BodySerializer
from workflow import selectors, selectors_consultation, selectors_esf, services
from workflow.api import serializers as s
from workflow.models import PlanningProcess
from workflow.permissions import can_view_process_history
from workflow.services import esf as esf_services


def process_for(request: Request, pk: Any) -> PlanningProcess:
    return selectors.process_get(actor=request.user, pk=parse_id(pk))


class ProcessViewSet(ApiViewSet):
    """Planning processes you may see (your memberships decide; superusers see all)."""

    queryset = PlanningProcess.objects.none()
    serializer_class = s.ProcessSerializer
    not_found_message = gettext_lazy("Planning process not found.")

    def get_queryset(self) -> QuerySet[PlanningProcess]:
        return selectors.process_list(actor=self.request.user).order_by(
            "-period_start_year", "title", "pk"
        )

    def get_object(self) -> PlanningProcess:
        return process_for(self.request, self.kwargs["pk"])

    @extend_schema(parameters=[s.ProcessFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.ProcessFilterSerializer, request)
        processes = self.get_queryset()
        if "stage" in filters:
            processes = processes.filter(stage=filters["stage"])
        if "territory" in filters:
            processes = processes.filter(territory_id=filters["territory"])
        return self.paginated(processes, s.ProcessSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.ProcessSerializer, self.get_object())

    @extend_schema(request=s.ProcessCreateSerializer, responses={201: s.ProcessSerializer})
    def create(self, request: Request) -> Response:
        """Open a planning process in preparation (superusers: the administrators)."""
        data = validated(s.ProcessCreateSerializer, request)
        process = services.process_create(
            actor=request.user,
            territory=one_of(
                territory_list(actor=request.user), data["territory"], _("Territory not found.")
            ),
            title=data["title"],
            period_start_year=data["period_start_year"],
            period_end_year=data["period_end_year"],
            esf_project=one_of(
                EsfProject.objects.all(), data["esf_project"], _("ESF project not found.")
            ),
            coordinator_organization=one_of(
                organization_list(actor=request.user),
                data["coordinator_organization"],
                _("Organisation not found."),
            ),
            reason=data["reason"],
        )
        return self.output(s.ProcessSerializer, process, status=201)

    # --- the stage machine ----------------------------------------------------------------

    @extend_schema(responses=s.AvailableTransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def transitions(self, request: Request, pk: str) -> Response:
        """The steps from the current stage: whether you may take each, and every condition
        that still blocks it (the same list a refused step reports)."""
        process = self.get_object()
        available = selectors.process_available_transitions(actor=request.user, process=process)
        return Response(s.AvailableTransitionSerializer(available, many=True).data)

    @extend_schema(
        request=s.TransitionRequestSerializer, responses={201: s.StageTransitionSerializer}
    )
    @transitions.mapping.post
    def transition(self, request: Request, pk: str) -> Response:
        """Take a step: 422 ``unmet_conditions`` lists every reason at once; 409 ``conflict``
        when someone else moved the process first."""
        process = self.get_object()
        data = validated(s.TransitionRequestSerializer, request)
        record = services.process_transition(
            actor=request.user,
            process_id=process.pk,
            transition=data["transition"],
            reason=data["reason"],
            decision_id=data["decision"],
            resolution_id=data["resolution"],
            expected_stage=data["expected_stage"],
        )
        return self.output(s.StageTransitionSerializer, record, status=201)

    @extend_schema(responses=s.StageTransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        """The stage timeline, oldest first."""
        process = self.get_object()
        records = selectors.process_transition_list(actor=request.user, process=process)
        return Response(s.StageTransitionSerializer(records, many=True).data)

    @extend_schema(responses=s.StageDeadlineSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def deadlines(self, request: Request, pk: str) -> Response:
        process = self.get_object()
        deadlines = selectors.stage_deadline_list(actor=request.user, process=process)
        return Response(s.StageDeadlineSerializer(deadlines, many=True).data)

    @extend_schema(request=s.DeadlineSetSerializer, responses={200: s.StageDeadlineSerializer})
    @deadlines.mapping.post
    def deadline_set(self, request: Request, pk: str) -> Response:
        """Plan (or re-plan) the end of a stage (the coordinator)."""
        process = self.get_object()
        data = validated(s.DeadlineSetSerializer, request)
        deadline = services.stage_deadline_set(actor=request.user, process=process, **data)
        return self.output(s.StageDeadlineSerializer, deadline)

    @extend_schema(request=s.NextCycleSerializer, responses={201: s.ProcessSerializer})
    @action(detail=True, methods=["post"], url_path="next-cycle")
    def next_cycle(self, request: Request, pk: str) -> Response:
        """Open the next cycle from a process in implementation or closed (the coordinator)."""
        process = self.get_object()
        data = validated(s.NextCycleSerializer, request)
        new = services.process_start_next_cycle(actor=request.user, process_id=process.pk, **data)
        return self.output(s.ProcessSerializer, new, status=201)

    # --- what lives inside a process ------------------------------------------------------

    @extend_schema(request=s.ProcessBodyCreateSerializer, responses={201: BodySerializer})
    @action(detail=True, methods=["post"])
    def bodies(self, request: Request, pk: str) -> Response:
        """Create a steering group, working group or audit body of the process (the
        coordinator); list them with ``/bodies/?process={id}``."""
        process = self.get_object()
        data = validated(s.ProcessBodyCreateSerializer, request)
        target_group = one_of(
            TargetGroup.objects.all(), data["target_group"], _("Target group not found.")
        )
        body = stakeholder_services.body_create(
            actor=request.user,
            kind=data["kind"],
            name=data["name"],
            process=process,
            target_group=target_group,
            reason=data["reason"],
            **BodyRulesSerializer().rules(data),
        )
        return self.output(BodySerializer, body, status=201)

    @extend_schema(responses=DocumentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def documents(self, request: Request, pk: str) -> Response:
        process = self.get_object()
        documents = document_selectors.document_list(actor=request.user, process=process)
        return self.paginated(documents.order_by("kind", "pk"), DocumentSerializer)

    @extend_schema(request=s.DocumentCreateSerializer, responses={201: DocumentSerializer})
    @documents.mapping.post
    def document_create(self, request: Request, pk: str) -> Response:
        """Register a document of the process (editors: coordinator, methodologist); upload its
        versions with ``POST /documents/{id}/versions/``."""
        process = self.get_object()
        data = validated(s.DocumentCreateSerializer, request)
        working_group = one_of(
            body_list(actor=request.user), data["working_group"], _("Body not found.")
        )
        document = document_services.document_create(
            actor=request.user,
            process=process,
            kind=data["kind"],
            title=data["title"],
            working_group=working_group,
            reason=data["reason"],
        )
        return self.output(DocumentSerializer, document, status=201)

    @extend_schema(responses=GenerationJobSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="generation-jobs")
    def generation_jobs(self, request: Request, pk: str) -> Response:
        process = self.get_object()
        jobs = generation_job_list(actor=request.user, process=process)
        return self.paginated(jobs.order_by("-requested_at", "-pk"), GenerationJobSerializer)

    @extend_schema(request=s.GenerationRequestSerializer, responses={202: GenerationJobSerializer})
    @generation_jobs.mapping.post
    def generation_request(self, request: Request, pk: str) -> Response:
        """Ask for a document to be generated from its template; poll
        ``/generation-jobs/{id}/`` for the progress and the resulting draft version."""
        process = self.get_object()
        data = validated(s.GenerationRequestSerializer, request)
        job = generation_request(
            actor=request.user, process=process, kind=data["kind"], data=data["data"]
        )
        return self.output(GenerationJobSerializer, job, status=202)

    @extend_schema(responses=s.ConsultationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def consultations(self, request: Request, pk: str) -> Response:
        process = self.get_object()
        consultations = selectors_consultation.consultation_list(
            actor=request.user, process=process
        ).order_by("-opens_at", "-pk")
        return Response(s.ConsultationSerializer(consultations, many=True).data)

    @extend_schema(
        request=s.ConsultationScheduleSerializer, responses={201: s.ConsultationSerializer}
    )
    @consultations.mapping.post
    def consultation_schedule(self, request: Request, pk: str) -> Response:
        """Schedule a public consultation on a published version (the coordinator)."""
        process = self.get_object()
        data = validated(s.ConsultationScheduleSerializer, request)
        version = one_of(
            document_selectors.version_list(actor=request.user),
            data.pop("document_version"),
            _("Document version not found."),
        )
        consultation = services.consultation_schedule(
            actor=request.user, process=process, document_version=version, **data
        )
        return self.output(s.ConsultationSerializer, consultation, status=201)

    # --- audit and reports ----------------------------------------------------------------

    @extend_schema(
        parameters=[s.AuditFilterSerializer], responses=s.AuditEventSerializer(many=True)
    )
    @action(detail=True, methods=["get"], url_path="audit-events")
    def audit_events(self, request: Request, pk: str) -> Response:
        """The process's hash-chained audit events in chain order, read-only (those who may
        read the process's history: auditors, the coordinator, the methodologist)."""
        process = self.get_object()
        if not can_view_process_history(request.user, process):
            raise PermissionDenied(_("You may not read the audit trail of this process."))
        filters = query_params(s.AuditFilterSerializer, request)
        events = audit_event_list(
            process_id=process.pk,
            kind=filters.get("kind"),
            actor_id=filters.get("actor"),
            occurred_from=filters.get("occurred_from"),
            occurred_before=filters.get("occurred_before"),
        )
        return self.paginated(events, s.AuditEventSerializer)

    @extend_schema(
        parameters=[s.EsfReportQuerySerializer],
        responses={
            (200, media_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The ESF report of the period; its sha256 in Repr-Digest, Digest "
                "and X-Content-SHA256.",
            )
            for media_type, _extension in esf_services.FORMATS.values()
        },
    )
    @action(detail=True, methods=["get"], url_path="esf-report")
    def esf_report(self, request: Request, pk: str) -> HttpResponse:
        """The ESF report (podklad pro zprávu o realizaci) of the process for a period, as
        XLSX, CSV or DOCX (the coordinator, the methodologist, the steering group's voters,
        the auditors)."""
        process = self.get_object()
        query = query_params(s.EsfReportQuerySerializer, request)
        scope = selectors_esf.esf_scope_for_process(actor=request.user, pk=process.pk)
        if "date_from" in query:
            date_from, date_to = query["date_from"], query["date_to"]
        else:
            date_from, date_to = selectors_esf.esf_default_period(scope)
        export = esf_services.esf_report_export(
            actor=request.user,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            fmt=query["file_format"],
        )
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        for header, value in digest_headers(export.sha256).items():
            response[header] = value
        return response
