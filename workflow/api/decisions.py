"""Decisions of a process's bodies and their votes, and the approval or return of a document
version on the strength of a steering-group decision."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, one_of, validated
from documents import selectors as document_selectors
from documents.models import DocumentVersion
from documents.serializers import VersionSerializer
from stakeholders.exceptions import NotFound
from stakeholders.selectors import body_list, membership_list
from workflow import selectors, services
from workflow.api import serializers as s
from workflow.api.processes import process_for
from workflow.models import Decision, PlanningProcess
from workflow.services.documents import (
    document_version_approve,
    document_version_decision_create,
    document_version_return,
)

PROCESS_PARAMETER = OpenApiParameter(
    "process_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The planning process."
)


@extend_schema(parameters=[PROCESS_PARAMETER])
class DecisionViewSet(ApiViewSet):
    """Decisions of the process's bodies, newest first, with presence and votes."""

    queryset = Decision.objects.none()
    serializer_class = s.DecisionSerializer
    not_found_message = gettext_lazy("Decision not found.")

    @property
    def process(self) -> PlanningProcess:
        if not hasattr(self, "_process"):
            self._process = process_for(self.request, self.kwargs["process_pk"])
        return self._process

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.decision_list(actor=self.request.user, process=self.process)

    def list(self, request: Request, process_pk: str) -> Response:
        return self.paginated(self.get_queryset().prefetch_related("present"), s.DecisionSerializer)

    def retrieve(self, request: Request, process_pk: str, pk: str) -> Response:
        return self.output(s.DecisionSerializer, self.get_object())

    @extend_schema(request=s.DecisionCreateSerializer, responses={201: s.DecisionSerializer})
    def create(self, request: Request, process_pk: str) -> Response:
        """Put a proposal to a body of the process, at a meeting or per rollam (the coordinator
        or the body's secretary). With subject ``document_version``, on a submitted version."""
        process = self.process
        data = validated(s.DecisionCreateSerializer, request)
        body = one_of(body_list(actor=request.user), data.pop("body"), _("Body not found."))
        version_id = data.pop("document_version")
        if data["subject"] == Decision.Subject.DOCUMENT_VERSION:
            version = one_of(
                document_selectors.version_list(actor=request.user).filter(
                    document__process=process
                ),
                version_id,
                _("Document version not found."),
            )
            data.pop("subject")
            data.pop("transition")
            decision = document_version_decision_create(
                actor=request.user, version=version, body=body, **data
            )
        else:
            decision = services.decision_create(
                actor=request.user, process=process, body=body, **data
            )
        return self.output(s.DecisionSerializer, decision, status=201)

    @extend_schema(request=s.PresenceSerializer, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def presence(self, request: Request, process_pk: str, pk: str) -> Response:
        """Record who was present at the meeting that decides (current members of the body)."""
        decision = self.get_object()
        data = validated(s.PresenceSerializer, request)
        wanted = set(data["memberships"])
        memberships = list(membership_list(actor=request.user).filter(pk__in=wanted))
        if len(memberships) != len(wanted):
            raise NotFound(_("Membership not found."))
        decision = services.decision_set_present(
            actor=request.user, decision=decision, memberships=memberships, reason=data["reason"]
        )
        return self.output(s.DecisionSerializer, decision)

    @extend_schema(responses=s.VoteSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def votes(self, request: Request, process_pk: str, pk: str) -> Response:
        decision = self.get_object()
        votes = decision.votes.select_related("membership__person").order_by("cast_at", "pk")
        return Response(s.VoteSerializer(votes, many=True).data)

    @extend_schema(request=s.VoteCastSerializer, responses={201: s.VoteSerializer})
    @votes.mapping.post
    def vote(self, request: Request, process_pk: str, pk: str) -> Response:
        """Cast a vote: per rollam for yourself; at a meeting the coordinator or secretary
        records the vote of a present member."""
        decision = self.get_object()
        data = validated(s.VoteCastSerializer, request)
        membership = one_of(
            membership_list(actor=request.user), data["membership"], _("Membership not found.")
        )
        vote = services.vote_cast(
            actor=request.user,
            decision=decision,
            choice=data["choice"],
            membership=membership,
            reason=data["reason"],
        )
        return self.output(s.VoteSerializer, vote, status=201)

    @extend_schema(request=s.ReasonOnlySerializer, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, process_pk: str, pk: str) -> Response:
        """Close the vote; the outcome follows from the body's quorum and majority rules."""
        decision = self.get_object()
        data = validated(s.ReasonOnlySerializer, request)
        decision = services.decision_close(
            actor=request.user, decision=decision, reason=data["reason"]
        )
        return self.output(s.DecisionSerializer, decision)


class VersionDecisionViewSet(ApiViewSet):
    """Apply a steering-group decision to a submitted document version."""

    queryset = DocumentVersion.objects.none()
    serializer_class = VersionSerializer
    not_found_message = gettext_lazy("Document version not found.")

    def get_queryset(self) -> QuerySet[DocumentVersion]:
        return document_selectors.version_list(actor=self.request.user)

    @extend_schema(request=s.VersionDecisionSerializer, responses=VersionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve on an adopted decision of this process's steering group on this very
        version; 422 ``unmet_conditions`` says what is wrong with the decision."""
        version = self.get_object()
        data = validated(s.VersionDecisionSerializer, request)
        version = document_version_approve(
            actor=request.user,
            version_id=version.pk,
            decision_id=data["decision"],
            reason=data["reason"],
        )
        return self.output(VersionSerializer, version)

    @extend_schema(request=s.VersionReturnSerializer, responses=VersionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_version(self, request: Request, pk: str) -> Response:
        """Return to the authors with the steering group's reasons."""
        version = self.get_object()
        data = validated(s.VersionReturnSerializer, request)
        version = document_version_return(
            actor=request.user,
            version_id=version.pk,
            decision_id=data["decision"],
            reasons=data["reasons"],
            reason=data["reason"],
        )
        return self.output(VersionSerializer, version)
