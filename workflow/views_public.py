"""The public portal of a planning process: no login, Czech, linkable and embeddable.

Thin: read through ``workflow.selectors_consultation`` (published material only) and write
through ``workflow.services.consultation``. The comment form has a honeypot, a rate limit per
client address (Django's cache) and CSRF; the deadline is the server's clock, in the service.
The pages that anonymous visitors read are cached (``workflow.public_cache``): each is rendered
without the request, with slots for the per-visitor tokens, and knows the instant at which the
clock would change it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods

from stakeholders.exceptions import ValidationFailed
from workflow import public_cache
from workflow import selectors_consultation as selectors
from workflow.exceptions import DeadlinePassed
from workflow.forms_consultation import PublicCommentForm
from workflow.models import ConsultationPeriod, PlanningProcess
from workflow.services import consultation as services


def _render_portal(process_id: int, template: str) -> public_cache.Rendered:
    now = timezone.now()
    process = selectors.public_process_get(pk=process_id)
    consultations = selectors.public_consultations(process=process)
    meetings = selectors.public_meetings(process=process, now=now)
    context: dict[str, Any] = {
        "process": process,
        "timeline": selectors.public_timeline(process=process),
        "documents": selectors.public_documents(process=process),
        "news": selectors.public_news(process=process, now=now),
        "meetings": meetings,
        "consultations": consultations,
        "open_consultations": [c for c in consultations if c.is_open],
    }
    return public_cache.Rendered(
        html=render_to_string(template, context),
        valid_until=selectors.public_process_valid_until(
            process=process, consultations=consultations, meetings=meetings, now=now
        ),
    )


@require_http_methods(["GET", "HEAD"])
def process_page(request: HttpRequest, process_id: int) -> HttpResponse:
    """The public page of a process: stages, meetings, documents, news, consultations."""
    return public_cache.cached_page(
        request,
        process_id=process_id,
        page="process",
        render=lambda slots: _render_portal(process_id, "public/process.html"),
    )


@xframe_options_exempt
@require_http_methods(["GET", "HEAD"])
def process_embed(request: HttpRequest, process_id: int) -> HttpResponse:
    """A compact variant for a municipal website's iframe; only this view may be framed.

    The comment form opens in a new window: a cross-site frame would not carry the CSRF cookie.
    """
    response = public_cache.cached_page(
        request,
        process_id=process_id,
        page="embed",
        render=lambda slots: _render_portal(process_id, "public/embed.html"),
    )
    response._csp_replace = {  # type: ignore[attr-defined]  (read by django-csp's middleware)
        "frame-ancestors": list(settings.KOMPLAN_PUBLIC_EMBED_ORIGINS) or ["'self'"]
    }
    return response


def _consultation_context(
    process: PlanningProcess, consultation: ConsultationPeriod, **extra: Any
) -> dict[str, Any]:
    return {
        "process": process,
        "consultation": consultation,
        "settlement": selectors.public_settlement(consultation=consultation),
        **extra,
    }


def _render_consultation(
    process_id: int, consultation_id: int, slots: public_cache.Slots
) -> public_cache.Rendered:
    now = timezone.now()
    process = selectors.public_process_get(pk=process_id)
    consultation = selectors.public_consultation_get(process=process, pk=consultation_id)
    form = None
    if consultation.is_open and consultation.accepts_web:
        form = PublicCommentForm(
            nodes=selectors.public_plan_nodes(process=process),
            initial={"token": slots.submission_token},
        )
    context = _consultation_context(process, consultation, form=form, csrf_token=slots.csrf_token)
    return public_cache.Rendered(
        html=render_to_string("public/consultation.html", context),
        valid_until=selectors.public_consultation_valid_until(consultation=consultation, now=now),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def consultation_page(request: HttpRequest, process_id: int, consultation_id: int) -> HttpResponse:
    """The consultation with its comment form while it is open (by the server's clock)."""
    if request.method != "POST":
        return public_cache.cached_page(
            request,
            process_id=process_id,
            page=f"consultation:{consultation_id}",
            render=lambda slots: _render_consultation(process_id, consultation_id, slots),
        )

    process = selectors.public_process_get(pk=process_id)
    consultation = selectors.public_consultation_get(process=process, pk=consultation_id)
    nodes = selectors.public_plan_nodes(process=process) if consultation.is_open else {}

    address_hash = services.ip_hash(services.client_address(request))
    if services.rate_limit_hit(address_hash=address_hash):
        return render(
            request,
            "public/rate_limited.html",
            {"process": process, "consultation": consultation},
            status=429,
        )
    form = PublicCommentForm(request.POST, nodes=nodes)
    if form.is_bot:
        # A honeypot hit: answer like a success so that the bot learns nothing; store nothing.
        return render(
            request,
            "public/comment_receipt.html",
            {"process": process, "consultation": consultation},
        )
    status = 400
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment, _created = services.comment_submit_public(
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
                **form.target_kwargs(),
            )
        except DeadlinePassed as exc:
            error, status = exc.message, exc.http_status
        except ValidationFailed as exc:
            error = exc.message
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect(
                "public:comment_receipt",
                process_id=process.pk,
                consultation_id=consultation.pk,
                token=comment.idempotency_token,
            )
    return render(
        request,
        "public/consultation.html",
        _consultation_context(process, consultation, form=form, error=error),
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def comment_receipt(
    request: HttpRequest, process_id: int, consultation_id: int, token: uuid.UUID
) -> HttpResponse:
    process = selectors.public_process_get(pk=process_id)
    consultation = selectors.public_consultation_get(process=process, pk=consultation_id)
    comment = selectors.public_comment_receipt(consultation=consultation, token=token)
    return render(
        request,
        "public/comment_receipt.html",
        {"process": process, "consultation": consultation, "comment": comment},
    )
