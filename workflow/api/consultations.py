"""Public consultations over HTTP: the comment register, comments entered by the coordinator,
settlement and its publication; and the public side, without signing in: a process's public
page, a consultation with its published (pseudonymised) settlement, and the comment form.

The public POST of a comment has the web form's protections, through the same service and
helpers: a honeypot field (``website``; a bot gets a success and nothing is stored), the rate
limit per client address shared with the web form (429 ``throttled``), and the submission token
that makes a repeated POST return the first receipt instead of a second comment. The deadline is
the server's clock, in the service (422 ``deadline_passed``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, one_of, parse_id, query_params, validated
from documents import selectors as document_selectors
from stakeholders.exceptions import ValidationFailed
from workflow import selectors, services
from workflow import selectors_consultation as consultation_selectors
from workflow.api import serializers as s
from workflow.models import ConsultationPeriod, PlanningProcess
from workflow.services import consultation as consultation_services

COMMENT_PARAMETER = OpenApiParameter(
    "comment_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The comment."
)
CONSULTATION_PARAMETER = OpenApiParameter(
    "consultation_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The consultation."
)
TARGETS = {
    "target_priority": "priority",
    "target_measure": "measure",
    "target_activity": "activity",
}


def comment_targets(process: PlanningProcess, data: dict[str, Any]) -> dict[str, Any]:
    """The plan nodes a comment refers to, by id, among the nodes of the process's plan."""
    wanted = {field: data.pop(field, None) for field in TARGETS}
    if not any(wanted.values()):
        return {}
    nodes = consultation_selectors.public_plan_nodes(process=process)
    found: dict[str, Any] = {}
    for field, pk in wanted.items():
        if pk is None:
            continue
        node = next((n for n in nodes[TARGETS[field]] if n.pk == pk), None)
        if node is None:
            raise ValidationFailed(
                _("The part of the plan belongs to another process."),
                errors={field: [_("Choose a part of this plan.")]},
            )
        found[field] = node
    return found


class ConsultationViewSet(ApiViewSet):
    """The consultations of your processes and their comment registers."""

    queryset = ConsultationPeriod.objects.none()
    serializer_class = s.ConsultationSerializer

    def get_object(self) -> ConsultationPeriod:
        return consultation_selectors.consultation_get(
            actor=self.request.user, pk=parse_id(self.kwargs["pk"])
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.ConsultationSerializer, self.get_object())

    @extend_schema(parameters=[s.CommentFilterSerializer], responses=s.CommentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def comments(self, request: Request, pk: str) -> Response:
        """The comment register (*kniha připomínek*) in receipt order, with its filters."""
        consultation = self.get_object()
        filters = query_params(s.CommentFilterSerializer, request)
        comments = consultation_selectors.comment_register(
            actor=request.user, consultation=consultation, **filters
        )
        return self.paginated(comments, s.CommentSerializer)

    @extend_schema(request=s.CommentEnterSerializer, responses={201: s.CommentSerializer})
    @comments.mapping.post
    def comment_enter(self, request: Request, pk: str) -> Response:
        """Enter a comment received by e-mail, on paper or at the hearing (the coordinator);
        one received after the close is kept and flagged late."""
        consultation = self.get_object()
        data = validated(s.CommentEnterSerializer, request)
        received_at, received_on = data.pop("received"), data.pop("received_on")
        received = received_at if received_at is not None else received_on
        targets = comment_targets(consultation.process, data)
        comment = services.comment_enter(
            actor=request.user,
            consultation=consultation,
            received=received,
            **data,
            **targets,
        )
        return self.output(s.CommentSerializer, comment, status=201)

    def _comment(self, request: Request, consultation: ConsultationPeriod, comment_pk: str) -> Any:
        return consultation_selectors.comment_get(
            actor=request.user, consultation=consultation, pk=parse_id(comment_pk)
        )

    @extend_schema(parameters=[COMMENT_PARAMETER], responses=s.CommentSerializer)
    @action(detail=True, methods=["get"], url_path=r"comments/(?P<comment_pk>[^/.]+)")
    def comment(self, request: Request, pk: str, comment_pk: str) -> Response:
        consultation = self.get_object()
        return self.output(s.CommentSerializer, self._comment(request, consultation, comment_pk))

    @extend_schema(
        parameters=[COMMENT_PARAMETER],
        request=s.CommentSettleSerializer,
        responses=s.CommentSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"comments/(?P<comment_pk>[^/.]+)/settlement",
    )
    def settlement(self, request: Request, pk: str, comment_pk: str) -> Response:
        """Record the settlement of one comment (the coordinator); a substantive comment needs
        an adopted steering-group decision."""
        consultation = self.get_object()
        comment = self._comment(request, consultation, comment_pk)
        data = validated(s.CommentSettleSerializer, request)
        steering_decision = one_of(
            selectors.decision_list(actor=request.user, process=consultation.process),
            data.pop("steering_decision"),
            _("Decision not found."),
        )
        comment = services.comment_settle(
            actor=request.user, comment=comment, steering_decision=steering_decision, **data
        )
        return self.output(s.CommentSerializer, comment)

    @extend_schema(request=s.ReasonOnlySerializer, responses=s.ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str) -> Response:
        """Close the register: the period is over and every comment is settled."""
        consultation = self.get_object()
        data = validated(s.ReasonOnlySerializer, request)
        consultation = services.consultation_mark_settled(
            actor=request.user, consultation=consultation, reason=data["reason"]
        )
        return self.output(s.ConsultationSerializer, consultation)

    @extend_schema(request=s.SettlementPublishSerializer, responses=s.ConsultationSerializer)
    @action(detail=True, methods=["post"], url_path="publish-settlement")
    def publish_settlement(self, request: Request, pk: str) -> Response:
        """Publish the settlement on the public page, pseudonymised."""
        consultation = self.get_object()
        data = validated(s.SettlementPublishSerializer, request)
        version = one_of(
            document_selectors.version_list(actor=request.user),
            data["settlement_version"],
            _("Document version not found."),
        )
        consultation = services.consultation_publish_settlement(
            actor=request.user,
            consultation=consultation,
            settlement_version=version,
            reason=data["reason"],
        )
        return self.output(s.ConsultationSerializer, consultation)


# --- the public ---------------------------------------------------------------------------------


class PublicProcessViewSet(ApiViewSet):
    """What the public portal shows, for a town's website: no signing in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    queryset = PlanningProcess.objects.none()
    serializer_class = s.PublicProcessSerializer
    not_found_message = gettext_lazy("Planning process not found.")
    throttled_operation = True  # the comment POST (documented 429 in the schema)

    def _process(self, pk: str) -> PlanningProcess:
        return consultation_selectors.public_process_get(pk=parse_id(pk))

    def _consultation(self, process: PlanningProcess, pk: str) -> ConsultationPeriod:
        return consultation_selectors.public_consultation_get(process=process, pk=parse_id(pk))

    def retrieve(self, request: Request, pk: str) -> Response:
        """The public page of a process: stages, published documents, news, consultations."""
        process = self._process(pk)
        data = {
            "id": process.pk,
            "title": process.title,
            "territory_name": process.territory.name,
            "period_start_year": process.period_start_year,
            "period_end_year": process.period_end_year,
            "stage": process.stage,
            "timeline": consultation_selectors.public_timeline(process=process),
            "documents": consultation_selectors.public_documents(process=process),
            "news": consultation_selectors.public_news(process=process),
            "consultations": consultation_selectors.public_consultations(process=process),
        }
        return Response(s.PublicProcessSerializer(data).data)

    @extend_schema(parameters=[CONSULTATION_PARAMETER], responses=s.PublicConsultationSerializer)
    @action(detail=True, methods=["get"], url_path=r"consultations/(?P<consultation_pk>[^/.]+)")
    def consultation(self, request: Request, pk: str, consultation_pk: str) -> Response:
        """A consultation with its published settlement (empty until it is published)."""
        process = self._process(pk)
        consultation = self._consultation(process, consultation_pk)
        consultation.settlement = consultation_selectors.public_settlement(  # type: ignore[attr-defined]
            consultation=consultation
        )
        return Response(s.PublicConsultationSerializer(consultation).data)

    @extend_schema(
        parameters=[CONSULTATION_PARAMETER],
        request=s.PublicCommentSerializer,
        responses={201: s.PublicCommentReceiptSerializer, 200: s.PublicCommentReceiptSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"consultations/(?P<consultation_pk>[^/.]+)/comments",
    )
    def comment(self, request: Request, pk: str, consultation_pk: str) -> Response:
        """Submit a comment while the consultation is open (by the server's clock). 201 with
        the receipt; the same ``token`` again: 200 with the first receipt."""
        process = self._process(pk)
        consultation = self._consultation(process, consultation_pk)
        address_hash = consultation_services.ip_hash(
            consultation_services.client_address(request._request)
        )
        if consultation_services.rate_limit_hit(address_hash=address_hash):
            raise drf_exceptions.Throttled(
                wait=int(settings.KOMPLAN_COMMENT_RATE_WINDOW_SECONDS),
                detail=_("Too many comments from your address; try again later."),
            )
        body = request.data if hasattr(request.data, "get") else {}
        if str(body.get("website", "") or "").strip():
            # A honeypot hit: answered like a success so that the bot learns nothing; nothing
            # is stored.
            receipt = {"token": uuid.uuid4(), "receipt_number": "", "received_at": timezone.now()}
            return Response(s.PublicCommentReceiptSerializer(receipt).data, status=201)
        data = validated(s.PublicCommentSerializer, request)
        data.pop("website")
        targets = comment_targets(process, data)
        comment, created = consultation_services.comment_submit_public(
            consultation_id=consultation.pk,
            name=data["name"],
            email=data["email"],
            organization=data["organization"],
            text=data["text"],
            proposed_change=data["proposed_change"],
            target_text=data["target_text"],
            consents_to_processing=data["consents_to_processing"],
            consents_to_public_name=data["consents_to_public_name"],
            idempotency_token=data["token"],
            address_hash=address_hash,
            **targets,
        )
        receipt = {
            "token": comment.idempotency_token,
            "receipt_number": comment.receipt_number,
            "received_at": comment.received_at,
        }
        return Response(
            s.PublicCommentReceiptSerializer(receipt).data, status=201 if created else 200
        )
