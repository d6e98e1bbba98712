"""Thin views of the structured plan: the tree page and the pages that edit its parts.

Every page loads the process through ``plan_selectors.plan_process_get`` (a process the user may
not see is a 404, whatever its territory), every write goes through ``documents.services.plan``
(permissions, validation, numbering, history with actor and reason). A form page is refused
with 403 before it is shown when the user may not make the change; a service's later refusal
(``ValidationFailed``) puts its messages back on the same bound form, so nothing typed is lost.
Other domain errors reach ``config.middleware.ApplicationErrorMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from documents import plan_selectors as selectors
from documents.forms_plan import (
    ActivityForm,
    CostFormSet,
    DeleteForm,
    MeasureForm,
    MoveForm,
    PipelineItemForm,
    PriorityForm,
    SectionForm,
    VisionForm,
    add_service_errors,
    cost_initial,
)
from documents.models.plan import Activity, Measure, PlanSection, Priority
from documents.services import plan as services
from stakeholders.exceptions import PermissionDenied, ValidationFailed

Process = Any
TEMPLATE_FORM = "documents/plan/form.html"
TEMPLATE_DELETE = "documents/plan/delete.html"


# --- helpers ----------------------------------------------------------------------------------


def _tree_url(process: Process, anchor: str = "") -> str:
    url = reverse("plan:tree", args=[process.pk])
    return f"{url}#{anchor}" if anchor else url


def _refuse_part() -> PermissionDenied:
    return PermissionDenied(_("You may edit only your working group's part of the plan."))


def _require(allowed: bool) -> None:
    if not allowed:
        raise _refuse_part()


def _require_whole_plan(request: HttpRequest, process: Process) -> None:
    if not services.can_edit_whole_plan(request.user, process):
        raise PermissionDenied(
            _("Only the coordinator, the methodologist or the steering group may edit this.")
        )


def _form_page(
    request: HttpRequest,
    process: Process,
    *,
    heading: str,
    form: forms.Form,
    formset: forms.BaseFormSet | None = None,
    back: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        TEMPLATE_FORM,
        {
            "process": process,
            "heading": heading,
            "form": form,
            "formset": formset,
            "back_url": back or _tree_url(process),
        },
        status=status,
    )


def _save(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[], Any],
    *,
    formset: forms.BaseFormSet | None = None,
) -> Any | None:
    """Call the service when the input is valid; on a refusal, put it on the form (None)."""
    if not form.is_valid() or (formset is not None and not formset.is_valid()):
        return None
    try:
        return write()
    except ValidationFailed as error:
        add_service_errors(form, error, formset)
        return None


def _reason(form: forms.Form) -> str:
    return (form.cleaned_data.get("reason") or "").strip()


def _delete_page(
    request: HttpRequest,
    process: Process,
    *,
    heading: str,
    subject: str,
    consequences: list[str],
    form: DeleteForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        TEMPLATE_DELETE,
        {
            "process": process,
            "heading": heading,
            "subject": subject,
            "consequences": consequences,
            "form": form,
            "back_url": _tree_url(process),
        },
        status=status,
    )


def _move_position(request: HttpRequest, node: Priority | Measure | Activity) -> int:
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Choose whether to move the item up or down."))
    step = -1 if form.cleaned_data["direction"] == "up" else 1
    return max(selectors.sibling_position(node) + step, 1)


# --- the tree ---------------------------------------------------------------------------------


@login_required
@require_GET
def plan_tree(request: HttpRequest, process_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    tree = selectors.plan_tree_get(actor=request.user, process=process)
    return render(request, "documents/plan/tree.html", {"process": process, "tree": tree})


# --- vision and chapters ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def vision_edit(request: HttpRequest, process_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    _require_whole_plan(request, process)
    heading = _("Vision of the plan")
    if request.method == "GET":
        form = VisionForm(initial={"text": selectors.vision_text(process)})
        return _form_page(request, process, heading=heading, form=form)
    form = VisionForm(request.POST)
    saved = _save(
        request,
        form,
        lambda: services.plan_vision_set(
            actor=request.user,
            process=process,
            text=form.cleaned_data["text"],
            reason=_reason(form),
        ),
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("The vision was saved."))
    return redirect(_tree_url(process, "vision"))


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, process_id: int, kind: str) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    if kind not in PlanSection.Kind.values:
        raise Http404
    _require_whole_plan(request, process)
    label = PlanSection.Kind(kind).label
    heading = _("Chapter: %(chapter)s") % {"chapter": label}
    if request.method == "GET":
        form = SectionForm(initial={"text": selectors.section_text(process, kind)})
        return _form_page(request, process, heading=heading, form=form)
    form = SectionForm(request.POST)
    saved = _save(
        request,
        form,
        lambda: services.plan_section_set(
            actor=request.user,
            process=process,
            kind=kind,
            text=form.cleaned_data["text"],
            reason=_reason(form),
        ),
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("The chapter was saved."))
    return redirect(_tree_url(process, f"section-{kind}"))


# --- priorities -------------------------------------------------------------------------------


def _priority_form(request: HttpRequest, process: Process, **kwargs: Any) -> PriorityForm:
    return PriorityForm(
        request.POST if request.method == "POST" else None,
        working_groups=selectors.working_group_choices(actor=request.user, process=process),
        target_groups=selectors.target_group_choices(),
        whole_plan=services.can_edit_whole_plan(request.user, process),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def priority_create(request: HttpRequest, process_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    whole = services.can_edit_whole_plan(request.user, process)
    groups = selectors.working_group_choices(actor=request.user, process=process)
    _require(whole or groups.exists())
    form = _priority_form(request, process)
    heading = _("New priority")
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    priority = _save(
        request,
        form,
        lambda: services.plan_priority_create(
            actor=request.user,
            process=process,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            working_group=form.cleaned_data["working_group"],
            target_groups=form.cleaned_data["target_groups"],
            reason=_reason(form),
        ),
    )
    if priority is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("Priority %(number)s was added.") % {"number": priority.number})
    return redirect(_tree_url(process, f"p-{priority.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def priority_edit(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    priority = selectors.priority_get(actor=request.user, pk=pk, process=process)
    _require(services.can_edit_priority(request.user, priority))
    initial = {
        "title": priority.title,
        "description": priority.description,
        "working_group": priority.working_group_id,
        "target_groups": list(priority.target_groups.values_list("pk", flat=True)),
    }
    form = _priority_form(request, process, initial=initial)
    heading = _("Priority %(number)s") % {"number": priority.number}
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    saved = _save(
        request,
        form,
        lambda: services.plan_priority_update(
            actor=request.user,
            priority=priority,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            working_group=form.cleaned_data["working_group"],
            target_groups=form.cleaned_data["target_groups"],
            reason=_reason(form),
        ),
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("Priority %(number)s was saved.") % {"number": saved.number})
    return redirect(_tree_url(process, f"p-{saved.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def priority_delete(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    priority = selectors.priority_get(actor=request.user, pk=pk, process=process)
    _require(services.can_edit_priority(request.user, priority))
    form = DeleteForm(request.POST if request.method == "POST" else None)
    page = {
        "heading": _("Delete priority %(number)s") % {"number": priority.number},
        "subject": str(priority),
        "consequences": [
            _("Its measures and activities with their costs are deleted too."),
            _("The priorities after it are renumbered."),
        ],
    }
    if request.method == "POST" and _save(
        request,
        form,
        lambda: (
            services.plan_priority_delete(
                actor=request.user, priority=priority, reason=_reason(form)
            )
            or True
        ),
    ):
        messages.success(request, _("The priority was deleted."))
        return redirect(_tree_url(process))
    status = 400 if request.method == "POST" else 200
    return _delete_page(request, process, form=form, status=status, **page)


@login_required
@require_POST
def priority_move(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    priority = selectors.priority_get(actor=request.user, pk=pk, process=process)
    moved = services.plan_priority_move(
        actor=request.user, priority=priority, position=_move_position(request, priority)
    )
    return redirect(_tree_url(process, f"p-{moved.pk}"))


# --- measures ---------------------------------------------------------------------------------


def _measure_form(request: HttpRequest, process: Process, **kwargs: Any) -> MeasureForm:
    return MeasureForm(
        request.POST if request.method == "POST" else None,
        priorities=selectors.editable_priority_choices(actor=request.user, process=process),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest, process_id: int, priority_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    priority = selectors.priority_get(actor=request.user, pk=priority_id, process=process)
    _require(services.can_edit_priority(request.user, priority))
    form = _measure_form(request, process, initial={"priority": priority.pk})
    heading = _("New measure")
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    measure = _save(
        request,
        form,
        lambda: services.plan_measure_create(
            actor=request.user,
            priority=form.cleaned_data["priority"],
            title=form.cleaned_data["title"],
            goal=form.cleaned_data["goal"],
            indicators=form.cleaned_data["indicators"],
            reason=_reason(form),
        ),
    )
    if measure is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("Measure %(number)s was added.") % {"number": measure.number})
    return redirect(_tree_url(process, f"m-{measure.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    measure = selectors.measure_get(actor=request.user, process=process, pk=pk)
    _require(services.can_edit_priority(request.user, measure.priority))
    initial = {
        "priority": measure.priority_id,
        "title": measure.title,
        "goal": measure.goal,
        "indicators": measure.indicators,
    }
    form = _measure_form(request, process, initial=initial)
    heading = _("Measure %(number)s") % {"number": measure.number}
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    saved = _save(
        request,
        form,
        lambda: services.plan_measure_update(
            actor=request.user,
            measure=measure,
            priority=form.cleaned_data["priority"],
            title=form.cleaned_data["title"],
            goal=form.cleaned_data["goal"],
            indicators=form.cleaned_data["indicators"],
            reason=_reason(form),
        ),
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("Measure %(number)s was saved.") % {"number": saved.number})
    return redirect(_tree_url(process, f"m-{saved.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def measure_delete(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    measure = selectors.measure_get(actor=request.user, process=process, pk=pk)
    _require(services.can_edit_priority(request.user, measure.priority))
    form = DeleteForm(request.POST if request.method == "POST" else None)
    page = {
        "heading": _("Delete measure %(number)s") % {"number": measure.number},
        "subject": str(measure),
        "consequences": [
            _("Its activities with their costs are deleted too."),
            _("The measures after it are renumbered."),
        ],
    }
    if request.method == "POST" and _save(
        request,
        form,
        lambda: (
            services.plan_measure_delete(actor=request.user, measure=measure, reason=_reason(form))
            or True
        ),
    ):
        messages.success(request, _("The measure was deleted."))
        return redirect(_tree_url(process, f"p-{measure.priority_id}"))
    status = 400 if request.method == "POST" else 200
    return _delete_page(request, process, form=form, status=status, **page)


@login_required
@require_POST
def measure_move(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    measure = selectors.measure_get(actor=request.user, process=process, pk=pk)
    moved = services.plan_measure_move(
        actor=request.user, measure=measure, position=_move_position(request, measure)
    )
    return redirect(_tree_url(process, f"m-{moved.pk}"))


# --- activities -------------------------------------------------------------------------------


def _activity_forms(
    request: HttpRequest, process: Process, activity: Activity | None, **kwargs: Any
) -> tuple[ActivityForm, forms.BaseFormSet]:
    data = request.POST if request.method == "POST" else None
    keep = [] if activity is None else [o.pk for o in activity.partners.all()]
    if activity is not None and activity.responsible_organization_id:
        keep.append(activity.responsible_organization_id)
    form = ActivityForm(
        data,
        measures=selectors.editable_measure_choices(actor=request.user, process=process),
        target_groups=selectors.target_group_choices(),
        organizations=selectors.organization_choices(process=process, keep=keep),
        **kwargs,
    )
    formset = CostFormSet(data, prefix="costs", initial=cost_initial(activity))
    return form, formset


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, process_id: int, measure_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    measure = selectors.measure_get(actor=request.user, process=process, pk=measure_id)
    _require(services.can_edit_priority(request.user, measure.priority))
    form, formset = _activity_forms(request, process, None, initial={"measure": measure.pk})
    heading = _("New activity under measure %(number)s") % {"number": measure.number}
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form, formset=formset)
    activity = _save(
        request,
        form,
        lambda: services.plan_activity_create(
            actor=request.user,
            measure=form.cleaned_data["measure"],
            target_groups=form.cleaned_data["target_groups"],
            partners=form.cleaned_data["partners"],
            costs=formset.costs(),
            reason=_reason(form),
            **form.service_fields(),
        ),
        formset=formset,
    )
    if activity is None:
        return _form_page(request, process, heading=heading, form=form, formset=formset, status=400)
    messages.success(request, _("Activity %(number)s was added.") % {"number": activity.number})
    return redirect(_tree_url(process, f"a-{activity.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    activity = selectors.activity_get(actor=request.user, process=process, pk=pk)
    _require(services.can_edit_priority(request.user, activity.measure.priority))
    initial = {
        "measure": activity.measure_id,
        "title": activity.title,
        "description": activity.description,
        "target_groups": [g.pk for g in activity.target_groups.all()],
        "responsible_organization": activity.responsible_organization_id,
        "partners": [o.pk for o in activity.partners.all()],
        "starts_year": activity.starts_year,
        "starts_month": activity.starts_month,
        "ends_year": activity.ends_year,
        "ends_month": activity.ends_month,
        "indicators": activity.indicators,
        "status": activity.status,
    }
    form, formset = _activity_forms(request, process, activity, initial=initial)
    heading = _("Activity %(number)s") % {"number": activity.number}
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form, formset=formset)
    saved = _save(
        request,
        form,
        lambda: services.plan_activity_update(
            actor=request.user,
            activity=activity,
            measure=form.cleaned_data["measure"],
            target_groups=form.cleaned_data["target_groups"],
            partners=form.cleaned_data["partners"],
            costs=formset.costs(),
            reason=_reason(form),
            **form.service_fields(),
        ),
        formset=formset,
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, formset=formset, status=400)
    messages.success(request, _("Activity %(number)s was saved.") % {"number": saved.number})
    return redirect(_tree_url(process, f"a-{saved.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    activity = selectors.activity_get(actor=request.user, process=process, pk=pk)
    _require(services.can_edit_priority(request.user, activity.measure.priority))
    form = DeleteForm(request.POST if request.method == "POST" else None)
    page = {
        "heading": _("Delete activity %(number)s") % {"number": activity.number},
        "subject": str(activity),
        "consequences": [
            _("Its estimated costs are deleted too."),
            _("The activities after it are renumbered."),
        ],
    }
    if request.method == "POST" and _save(
        request,
        form,
        lambda: (
            services.plan_activity_delete(
                actor=request.user, activity=activity, reason=_reason(form)
            )
            or True
        ),
    ):
        messages.success(request, _("The activity was deleted."))
        return redirect(_tree_url(process, f"m-{activity.measure_id}"))
    status = 400 if request.method == "POST" else 200
    return _delete_page(request, process, form=form, status=status, **page)


@login_required
@require_POST
def activity_move(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    activity = selectors.activity_get(actor=request.user, process=process, pk=pk)
    moved = services.plan_activity_move(
        actor=request.user, activity=activity, position=_move_position(request, activity)
    )
    return redirect(_tree_url(process, f"a-{moved.pk}"))


# --- the project pipeline ---------------------------------------------------------------------


def _pipeline_form(
    request: HttpRequest, process: Process, keep: list[int] | None = None, **kwargs: Any
) -> PipelineItemForm:
    return PipelineItemForm(
        request.POST if request.method == "POST" else None,
        measures=selectors.editable_measure_choices(actor=request.user, process=process),
        organizations=selectors.organization_choices(process=process, keep=keep or ()),
        whole_plan=services.can_edit_whole_plan(request.user, process),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_item_create(request: HttpRequest, process_id: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    measures = selectors.editable_measure_choices(actor=request.user, process=process)
    _require(services.can_edit_whole_plan(request.user, process) or measures.exists())
    form = _pipeline_form(request, process)
    heading = _("New project intention")
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    item = _save(
        request,
        form,
        lambda: services.plan_pipeline_item_create(
            actor=request.user, process=process, reason=_reason(form), **form.service_fields()
        ),
    )
    if item is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("The project intention was added."))
    return redirect(_tree_url(process, f"pipeline-{item.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_item_edit(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    item = selectors.pipeline_item_get(actor=request.user, process=process, pk=pk)
    _require(selectors.pipeline_item_is_editable(actor=request.user, item=item))
    initial = {
        name: getattr(item, name)
        for name in ("title", "description", "implementer_name", "budget", "support_note")
    } | {
        "measure": item.measure_id,
        "implementer_organization": item.implementer_organization_id,
        "support_promised": item.support_promised,
        "status": item.status,
    }
    keep = [item.implementer_organization_id] if item.implementer_organization_id else []
    form = _pipeline_form(request, process, initial=initial, keep=keep)
    heading = _("Project intention")
    if request.method == "GET":
        return _form_page(request, process, heading=heading, form=form)
    saved = _save(
        request,
        form,
        lambda: services.plan_pipeline_item_update(
            actor=request.user, item=item, reason=_reason(form), **form.service_fields()
        ),
    )
    if saved is None:
        return _form_page(request, process, heading=heading, form=form, status=400)
    messages.success(request, _("The project intention was saved."))
    return redirect(_tree_url(process, f"pipeline-{saved.pk}"))


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_item_delete(request: HttpRequest, process_id: int, pk: int) -> HttpResponse:
    process = selectors.plan_process_get(actor=request.user, pk=process_id)
    item = selectors.pipeline_item_get(actor=request.user, process=process, pk=pk)
    _require(selectors.pipeline_item_is_editable(actor=request.user, item=item))
    form = DeleteForm(request.POST if request.method == "POST" else None)
    page = {
        "heading": _("Delete the project intention"),
        "subject": str(item),
        "consequences": [],
    }
    if request.method == "POST" and _save(
        request,
        form,
        lambda: (
            services.plan_pipeline_item_delete(actor=request.user, item=item, reason=_reason(form))
            or True
        ),
    ):
        messages.success(request, _("The project intention was deleted."))
        return redirect(_tree_url(process, "pipeline"))
    status = 400 if request.method == "POST" else 200
    return _delete_page(request, process, form=form, status=status, **page)
