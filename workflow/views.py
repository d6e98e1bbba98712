"""Thin views: parse input, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stakeholders.selectors import body_list
from workflow import selectors, services
from workflow.exceptions import TransitionConflict, UnmetConditions
from workflow.forms import TransitionForm
from workflow.permissions import can_manage_process


def home(request: HttpRequest) -> HttpResponse:
    """The start page: the processes and bodies the signed-in user may see."""
    processes = selectors.process_list(actor=request.user)
    bodies = body_list(actor=request.user).filter(process__isnull=True)
    return render(
        request,
        "workflow/home.html",
        {"processes": processes, "council_bodies": bodies},
    )


def _detail_context(request: HttpRequest, process, **extra) -> dict:
    return {
        "process": process,
        "transitions": selectors.process_transition_list(actor=request.user, process=process),
        "available": selectors.process_available_transitions(actor=request.user, process=process),
        "deadlines": selectors.stage_deadline_list(actor=request.user, process=process),
        "decisions": selectors.decision_list(actor=request.user, process=process)[:10],
        "can_manage": can_manage_process(request.user, process),
        **extra,
    }


@login_required
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The process at a glance: stage, timeline, deadlines and what blocks the next step."""
    process = selectors.process_get(actor=request.user, pk=pk)
    return render(request, "workflow/process_detail.html", _detail_context(request, process))


@login_required
@require_POST
def process_transition(request: HttpRequest, pk: int) -> HttpResponse:
    process = selectors.process_get(actor=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "workflow/process_detail.html",
            _detail_context(request, process, form_errors=form.errors),
            status=400,
        )
    try:
        services.process_transition(
            actor=request.user,
            process_id=process.pk,
            transition=form.cleaned_data["transition"],
            reason=form.cleaned_data["reason"],
            decision_id=form.cleaned_data["decision"],
            expected_stage=form.cleaned_data["expected_stage"],
        )
    except UnmetConditions as exc:
        return render(
            request,
            "workflow/process_detail.html",
            _detail_context(request, process, refused=exc),
            status=exc.http_status,
        )
    except TransitionConflict as exc:
        messages.warning(request, exc.message)
        return redirect("workflow:process_detail", pk=process.pk)
    messages.success(request, _("The process has moved to the next stage."))
    return redirect("workflow:process_detail", pk=process.pk)
