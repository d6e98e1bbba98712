"""News items of a process (``/processes/{id}/news/``): short announcements for its public
page, drafted and published by the coordinator (``workflow.services.consultation``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiViewSet, validated
from workflow import selectors_consultation
from workflow.api import serializers as s
from workflow.api.processes import process_for
from workflow.models import NewsItem, PlanningProcess
from workflow.services import consultation as consultation_services


class NewsViewSet(ApiViewSet):
    """News of a process you may see: drafts first, then the newest published."""

    queryset = NewsItem.objects.none()
    serializer_class = s.NewsItemSerializer
    not_found_message = gettext_lazy("News item not found.")

    @property
    def process(self) -> PlanningProcess:
        if not hasattr(self, "_process"):
            self._process = process_for(self.request, self.kwargs["process_pk"])
        return self._process

    def get_queryset(self) -> QuerySet[NewsItem]:
        return selectors_consultation.news_list(actor=self.request.user, process=self.process)

    def get_object(self) -> NewsItem:
        self.process  # noqa: B018 (another territory's process is not found first)
        return super().get_object()

    def list(self, request: Request, process_pk: str) -> Response:
        return self.paginated(self.get_queryset(), s.NewsItemSerializer)

    @extend_schema(request=s.NewsItemCreateSerializer, responses={201: s.NewsItemSerializer})
    def create(self, request: Request, process_pk: str) -> Response:
        """Draft a news item, or publish it at once (the coordinator)."""
        process = self.process
        data = validated(s.NewsItemCreateSerializer, request)
        item = consultation_services.news_item_create(actor=request.user, process=process, **data)
        return self.output(s.NewsItemSerializer, item, status=201)

    def retrieve(self, request: Request, process_pk: str, pk: str) -> Response:
        return self.output(s.NewsItemSerializer, self.get_object())

    @extend_schema(request=s.NewsItemEditSerializer, responses=s.NewsItemSerializer)
    def partial_update(self, request: Request, process_pk: str, pk: str) -> Response:
        """Correct the title and the text (published or not)."""
        item = self.get_object()
        data = validated(s.NewsItemEditSerializer, request)
        item = consultation_services.news_item_update(
            actor=request.user,
            item=item,
            title=data.get("title", item.title),
            text=data.get("text", item.text),
            reason=data["reason"],
        )
        return self.output(s.NewsItemSerializer, item)

    @extend_schema(request=s.NewsItemPublishSerializer, responses=s.NewsItemSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, process_pk: str, pk: str) -> Response:
        """Publish a draft now (an item already published keeps its date), or withdraw one
        with ``"published": false``."""
        item = self.get_object()
        data = validated(s.NewsItemPublishSerializer, request)
        item = consultation_services.news_item_set_published(actor=request.user, item=item, **data)
        return self.output(s.NewsItemSerializer, item)
