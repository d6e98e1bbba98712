"""Builders shared by the consultation and public-portal tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from documents.models import Document, DocumentVersion
from workflow import services
from workflow.models import ConsultationPeriod, Decision, PlanningProcess


def published_version(process: PlanningProcess, body: Any, *, title: str = "Návrh plánu") -> Any:
    """A published version of the draft plan, built directly (the documents services own the
    real route there; these tests are about what happens once a version is published)."""
    now = timezone.now()
    decision = Decision.objects.create(
        process=process,
        body=body,
        subject=Decision.Subject.OTHER,
        title="Schválení návrhu",
        mode=Decision.Mode.MEETING,
        status=Decision.Status.ADOPTED,
        closed_at=now,
    )
    document = Document.objects.create(
        process=process, kind=Document.Kind.COMMUNITY_PLAN, title=title
    )
    return DocumentVersion.objects.create(
        document=document,
        number=1,
        file=f"documents/{document.pk}.pdf",
        original_filename="navrh.pdf",
        sha256="a" * 64,
        size=1234,
        content_type="application/pdf",
        status="published",
        submitted_at=now,
        approved_at=now,
        approved_by_decision=decision,
        published_at=now,
    )


def adopted_decision(process: PlanningProcess, body: Any, title: str = "Vypořádání") -> Decision:
    return Decision.objects.create(
        process=process,
        body=body,
        subject=Decision.Subject.OTHER,
        title=title,
        mode=Decision.Mode.MEETING,
        status=Decision.Status.ADOPTED,
        closed_at=timezone.now(),
        held_at=timezone.now(),
    )


def schedule(
    cycle: Any,
    *,
    opens: dt.date | dt.datetime | None = None,
    closes: dt.date | dt.datetime | None = None,
    time_zone: str | None = None,
    **kwargs: Any,
) -> ConsultationPeriod:
    today = timezone.localdate()
    version = kwargs.pop("document_version", None) or published_version(
        cycle.process, cycle.steering_group
    )
    return services.consultation_schedule(
        actor=cycle.coordinator,
        process=cycle.process,
        document_version=version,
        title=kwargs.pop("title", "Připomínkování návrhu komunitního plánu"),
        opens=opens or today - dt.timedelta(days=1),
        closes=closes or today + dt.timedelta(days=30),
        time_zone=time_zone,
        **kwargs,
    )
