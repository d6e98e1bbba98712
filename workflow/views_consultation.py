"""The coordinator's side of the public consultation: scheduling, the comment register, entry
and settlement, and the news items of the public page.

Thin views (login required); the services check ``workflow.manage_process`` and the rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stakeholders.exceptions import PermissionDenied, ValidationFailed
from workflow import selectors_consultation as selectors
from workflow.forms_consultation import (
    SCHEDULE_ERROR_FIELDS,
    CommentEntryForm,
    ConsultationScheduleForm,
    NewsItemForm,
    RegisterFilterForm,
    SettleForm,
)
from workflow.models import ConsultationPeriod, PlanningProcess
from workflow.permissions import can_manage_process
from workflow.selectors import process_get
from workflow.services import consultation as services


def _add_errors(form: Any, exc: ValidationFailed, fields: dict[str, str] | None = None) -> None:
    for field, errors in exc.errors.items():
        name = (fields or {}).get(field, field)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.errors:
        form.add_error(None, exc.message)


def _managed_process(request: HttpRequest, process_id: int) -> PlanningProcess:
    """The process (404 when not visible) whose consultations and news the user manages (403)."""
    process = process_get(actor=request.user, pk=process_id)
    if not can_manage_process(request.user, process):
        raise PermissionDenied(_("You may not manage the consultations and news of this process."))
    return process


@login_required
@require_http_methods(["GET", "HEAD"])
def consultation_list(request: HttpRequest, process_id: int) -> HttpResponse:
    """The consultations of a process, with links to their registers and public pages."""
    process = process_get(actor=request.user, pk=process_id)
    return render(
        request,
        "workflow/consultation_list.html",
        {
            "process": process,
            "consultations": selectors.consultation_list(actor=request.user, process=process),
            "can_manage": can_manage_process(request.user, process),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consultation_schedule(request: HttpRequest, process_id: int) -> HttpResponse:
    """Schedule a public consultation on a published document version of the process."""
    process = _managed_process(request, process_id)
    form = ConsultationScheduleForm(
        request.POST or None,
        versions=selectors.public_documents(process=process),
        hearings=selectors.hearing_meetings(process=process),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                consultation = services.consultation_schedule(
                    actor=request.user, process=process, **form.service_kwargs()
                )
            except ValidationFailed as exc:
                _add_errors(form, exc, SCHEDULE_ERROR_FIELDS)
            else:
                messages.success(request, _("The public consultation is scheduled."))
                for warning in services.consultation_warnings(consultation):
                    messages.warning(request, warning)
                return redirect("consultation:register", pk=consultation.pk)
    return render(
        request,
        "workflow/consultation_schedule.html",
        {"process": process, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def consultation_register(request: HttpRequest, pk: int) -> HttpResponse:
    """The comment register (*kniha připomínek*) with filters: state, decision, late, target."""
    consultation = selectors.consultation_get(actor=request.user, pk=pk)
    filters = RegisterFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    comments = selectors.comment_register(
        actor=request.user,
        consultation=consultation,
        state=criteria.get("state", ""),
        decision=criteria.get("decision", ""),
        late=criteria.get("late", ""),
        target=criteria.get("target", ""),
    )
    return render(
        request,
        "workflow/consultation_register.html",
        {
            "consultation": consultation,
            "process": consultation.process,
            "comments": comments,
            "filters": filters,
            "warnings": services.consultation_warnings(consultation),
            "unsettled": services.unsettled_comments(consultation),
            "can_manage": can_manage_process(request.user, consultation.process),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a comment that arrived by e-mail, on paper or at the public hearing."""
    consultation = selectors.consultation_get(actor=request.user, pk=pk)
    nodes = selectors.public_plan_nodes(process=consultation.process)
    form = CommentEntryForm(request.POST or None, nodes=nodes)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            received: dt.date | dt.datetime = data["received_on"]
            if data["received_time"] is not None:
                received = dt.datetime.combine(
                    data["received_on"], data["received_time"], tzinfo=consultation.zone
                )
            try:
                comment = services.comment_enter(
                    actor=request.user,
                    consultation=consultation,
                    channel=data["channel"],
                    received=received,
                    name=data["name"],
                    email=data["email"],
                    organization=data["organization"],
                    text=data["text"],
                    proposed_change=data["proposed_change"],
                    target_text=data["target_text"],
                    consents_to_processing=data["consents_to_processing"],
                    consents_to_public_name=data["consents_to_public_name"],
                    **form.target_kwargs(),
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                if comment.is_late:
                    messages.warning(
                        request,
                        _(
                            "Comment %(receipt)s was received after the deadline; it is recorded "
                            "and flagged late."
                        )
                        % {"receipt": comment.receipt_number},
                    )
                else:
                    messages.success(
                        request,
                        _("Comment %(receipt)s recorded.") % {"receipt": comment.receipt_number},
                    )
                return redirect("consultation:register", pk=consultation.pk)
    return render(
        request,
        "workflow/consultation_comment_form.html",
        {"consultation": consultation, "process": consultation.process, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_settle(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """Record the settlement of one comment."""
    consultation = selectors.consultation_get(actor=request.user, pk=pk)
    comment = selectors.comment_get(actor=request.user, consultation=consultation, pk=comment_pk)
    decisions = selectors.steering_decisions(process=consultation.process)
    initial = {
        "comment_type": comment.comment_type,
        "decision": comment.decision,
        "justification": comment.justification,
        "change_reference": comment.change_reference,
        "steering_decision": comment.steering_decision_id,
    }
    form = SettleForm(request.POST or None, initial=initial, decisions=decisions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.comment_settle(
                    actor=request.user,
                    comment=comment,
                    comment_type=data["comment_type"],
                    decision=data["decision"],
                    justification=data["justification"],
                    change_reference=data["change_reference"],
                    steering_decision=form.decisions.get(data["steering_decision"]),
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Comment %(receipt)s settled.") % {"receipt": comment.receipt_number},
                )
                return redirect("consultation:register", pk=consultation.pk)
    return render(
        request,
        "workflow/consultation_settle.html",
        {
            "consultation": consultation,
            "process": consultation.process,
            "comment": comment,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def consultation_settlement_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the register as settled, or publish the settlement (pseudonymised)."""
    consultation = selectors.consultation_get(actor=request.user, pk=pk)
    try:
        if consultation.status == ConsultationPeriod.Status.SCHEDULED:
            services.consultation_mark_settled(actor=request.user, consultation=consultation)
            messages.success(request, _("Every comment is settled; the register is closed."))
        else:
            services.consultation_publish_settlement(actor=request.user, consultation=consultation)
            messages.success(request, _("The settlement is published on the public page."))
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("consultation:register", pk=consultation.pk)


# --- news items on the public page ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def news_list(request: HttpRequest, process_id: int) -> HttpResponse:
    """The process's news items (drafts and published) and a form for a new one."""
    process = _managed_process(request, process_id)
    form = NewsItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                item = services.news_item_create(
                    actor=request.user,
                    process=process,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    publish=form.cleaned_data["publish"],
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The news item is published.")
                    if item.published_at
                    else _("The news item is saved as a draft."),
                )
                return redirect("consultation:news_list", process_id=process.pk)
    return render(
        request,
        "workflow/news_list.html",
        {
            "process": process,
            "items": selectors.news_list(actor=request.user, process=process),
            "form": form,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def news_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a news item's title and text."""
    item = selectors.news_get(actor=request.user, pk=pk)
    process = _managed_process(request, item.process_id)
    form = NewsItemForm(request.POST or None, initial={"title": item.title, "text": item.text})
    del form.fields["publish"]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.news_item_update(
                    actor=request.user,
                    item=item,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The news item is saved."))
                return redirect("consultation:news_list", process_id=process.pk)
    return render(
        request,
        "workflow/news_form.html",
        {"process": process, "item": item, "form": form},
        status=status,
    )


@login_required
@require_POST
def news_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft now (``publish=1``) or withdraw a published item (``publish=0``)."""
    item = selectors.news_get(actor=request.user, pk=pk)
    published = request.POST.get("publish") == "1"
    services.news_item_set_published(actor=request.user, item=item, published=published)
    messages.success(
        request,
        _("The news item is published.") if published else _("The news item is withdrawn."),
    )
    return redirect("consultation:news_list", process_id=item.process_id)
