"""Thin views of meetings, resolutions and calendar feeds: parse, call, render.

The services check who may organise a meeting (the coordinator of its process or the secretary
of its body) and every rule; the views show what the user may do and, when a service refuses
input, the same page again with what was typed and the reasons.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.selectors import person_list
from workflow import selectors, selectors_meetings, services
from workflow.forms_meetings import (
    AgendaItemEditForm,
    AgendaItemForm,
    AttendanceForm,
    AttendanceSheetForm,
    CancelForm,
    FeedRotateForm,
    MeetingEditForm,
    MeetingForm,
    MinutesApproveForm,
    PointStatusForm,
    ResolutionForm,
    ScanUploadForm,
    VerifiersForm,
)
from workflow.models import AgendaItem, Meeting, Transition
from workflow.services import meetings as meeting_services
from workflow.services.meetings import can_run_meeting


def _add_errors(form: Any, exc: ValidationFailed) -> None:
    """A service's refusal on the form that carried the input (which keeps what was typed):
    field errors at their fields, the rest and the message above the form."""
    for field, errors in exc.errors.items():
        for error in [errors] if isinstance(errors, str) else errors:
            form.add_error(field if field in form.fields else None, error)
    if "__all__" not in exc.errors:
        form.add_error(None, exc.message)


def _to_detail(meeting: Meeting, anchor: str = "") -> HttpResponse:
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _meeting_for_running(request: HttpRequest, pk: int) -> Meeting:
    """A meeting the user may see (else 404) and organises (else 403)."""
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    if not can_run_meeting(request.user, meeting):
        raise PermissionDenied(_("You may not organise this meeting."))
    return meeting


def _agenda_item(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = next((i for i in meeting.agenda_items.all() if i.pk == item_pk), None)
    if item is None:
        raise NotFound(_("Agenda item not found."))
    return item


def _detail_context(request: HttpRequest, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    can_run = can_run_meeting(request.user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "can_run": can_run,
        "deadline": meeting_services.invitation_deadline(meeting),
        "documents": selectors_meetings.meeting_document_versions(meeting),
        "verifiers": list(meeting.minutes_verifiers.all()),
        "verifiers_needed": meeting_services.minutes_verifiers_needed(meeting),
        "states": Meeting.State,
    }
    if not can_run:
        return context
    state = meeting.state
    editable = state in meeting_services.RECORD_EDITABLE
    context.update(
        {
            "can_edit_details": state in meeting_services.DETAILS_EDITABLE,
            "can_edit_record": editable,
            "is_after_meeting": state in meeting_services.AFTER_THE_MEETING,
            "has_started": meeting.starts_at <= timezone.now(),
            "invitation_late_now": state in meeting_services.DETAILS_EDITABLE
            and meeting_services.invitation_is_late(meeting),
        }
    )
    if editable:
        rows = selectors_meetings.meeting_attendance_sheet(meeting)
        context.update(
            {
                "agenda_form": forms.get("agenda_form") or AgendaItemForm(),
                "sheet_form": forms.get("sheet_form") or AttendanceSheetForm(rows=rows),
                "guest_form": forms.get("guest_form") or AttendanceForm(),
                "verifiers_form": forms.get("verifiers_form")
                or VerifiersForm(
                    people=selectors_meetings.meeting_present_people(meeting),
                    initial={"verifiers": [person.pk for person in context["verifiers"]]},
                ),
                "cancel_form": forms.get("cancel_form") or CancelForm(),
            }
        )
    if context["is_after_meeting"]:
        context["scan_form"] = forms.get("scan_form") or ScanUploadForm()
    if state == Meeting.State.HELD:
        context["approve_form"] = forms.get("approve_form") or MinutesApproveForm(
            meetings=selectors_meetings.meetings_approving_minutes(meeting)
        )
        context["approval_problems"] = meeting_services.minutes_approval_conditions(meeting)
    return context


def _render_detail(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request,
        "workflow/meeting_detail.html",
        _detail_context(request, meeting, **forms),
        status=status,
    )


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    process = None
    if request.GET.get("process"):
        process = selectors.process_get(actor=request.user, pk=request.GET["process"])
    meetings = selectors_meetings.meeting_list(actor=request.user, process=process)
    return render(
        request,
        "workflow/meeting_list.html",
        {
            "meetings": meetings[:200],
            "process": process,
            "can_plan": selectors_meetings.bodies_for_meetings(actor=request.user).exists()
            or selectors_meetings.processes_for_meetings(actor=request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    return _render_detail(request, meeting)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Plan a meeting of a body or a public hearing, with its agenda."""
    bodies = selectors_meetings.bodies_for_meetings(actor=request.user)
    managed = selectors_meetings.processes_for_meetings(actor=request.user)
    if not bodies.exists() and not managed.exists():
        raise PermissionDenied(_("You do not organise the meetings of any body."))
    # A council session may concern any process the secretary sees; the service checks that
    # the body belongs to it, and that a hearing's organiser coordinates the process.
    processes = selectors.process_list(actor=request.user).order_by(
        "-period_start_year", "title", "pk"
    )
    initial = {}
    if request.GET.get("process"):
        process = managed.filter(pk=request.GET["process"]).first()
        if process is not None:
            initial = {
                "process": process,
                "body": bodies.filter(process=process, kind="steering_group").first(),
            }
    form = MeetingForm(request.POST or None, bodies=bodies, processes=processes, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    body=data["body"] if data["kind"] == Meeting.Kind.BODY_MEETING else None,
                    process=data["process"],
                    place=data["place"],
                    online_url=data["online_url"],
                    session_number=data["session_number"],
                    agenda=form.agenda_items(),
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The meeting was planned."))
                return _to_detail(meeting)
    return render(
        request, "workflow/meeting_form.html", {"form": form, "meeting": None}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the time, place, link or title of a meeting that has not taken place."""
    meeting = _meeting_for_running(request, pk)
    form = MeetingEditForm(request.POST or None, initial=MeetingEditForm.initial_for(meeting))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = meeting_services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    online_url=data["online_url"],
                    session_number=data["session_number"],
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                if result.needs_new_invitations:
                    messages.warning(
                        request,
                        _(
                            "The meeting was changed after the invitations went out; send "
                            "them again so that the members learn of the change."
                        ),
                    )
                else:
                    messages.success(request, _("The meeting was changed."))
                return _to_detail(meeting)
    return render(
        request, "workflow/meeting_form.html", {"form": form, "meeting": meeting}, status=status
    )


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            meeting_services.meeting_cancel(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The meeting was cancelled."))
            return _to_detail(meeting)
    return _render_detail(request, meeting, status=400, cancel_form=form)


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    try:
        result = services.meeting_invite(actor=request.user, meeting_id=meeting.pk)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return _to_detail(meeting)
    if result.is_late:
        messages.warning(
            request,
            _(
                "Invitations sent to %(count)s people, later than the rules of procedure require "
                "(%(days)s days before the meeting). The coordinator is warned."
            )
            % {"count": result.recipients, "days": meeting_services.lead_days(meeting)},
        )
    else:
        messages.success(
            request, _("Invitations sent to %(count)s people.") % {"count": result.recipients}
        )
    return _to_detail(meeting)


# --- the agenda ---------------------------------------------------------------------------------


@login_required
@require_POST
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            meeting_services.agenda_item_add(
                actor=request.user,
                meeting=meeting,
                title=form.cleaned_data["title"],
                presenter=form.cleaned_data["presenter"],
            )
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Agenda item added."))
            return _to_detail(meeting, "program")
    return _render_detail(request, meeting, status=400, agenda_form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agenda_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """An item's title and presenter, and the record of its discussion for the minutes."""
    meeting = _meeting_for_running(request, pk)
    item = _agenda_item(meeting, item_pk)
    form = AgendaItemEditForm(
        request.POST or None,
        initial={"title": item.title, "presenter": item.presenter, "discussion": item.discussion},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                meeting_services.agenda_item_update(
                    actor=request.user, item=item, **form.cleaned_data
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Agenda item saved."))
                return _to_detail(meeting, "program")
    return render(
        request,
        "workflow/meeting_agenda_item.html",
        {"meeting": meeting, "item": item, "form": form},
        status=status,
    )


@login_required
@require_POST
def agenda_item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    item = _agenda_item(meeting, item_pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        meeting_services.agenda_item_move(actor=request.user, item=item, offset=offset)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return _to_detail(meeting, "program")


@login_required
@require_POST
def agenda_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    item = _agenda_item(meeting, item_pk)
    try:
        meeting_services.agenda_item_remove(actor=request.user, item=item)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Agenda item removed."))
    return _to_detail(meeting, "program")


# --- attendance ---------------------------------------------------------------------------------


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """One line of the attendance list: a guest by name (or a person given by id)."""
    meeting = _meeting_for_running(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        person = None
        if form.cleaned_data["person"]:
            person = person_list(actor=request.user).filter(pk=form.cleaned_data["person"]).first()
            if person is None:
                raise NotFound(_("Person not found."))
        try:
            services.attendance_record(
                actor=request.user,
                meeting=meeting,
                person=person,
                guest_name=form.cleaned_data["guest_name"],
                guest_organization=form.cleaned_data["guest_organization"],
                status=form.cleaned_data["status"],
                is_signed=form.cleaned_data["is_signed"],
            )
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Attendance recorded."))
            return _to_detail(meeting, "attendance")
    return _render_detail(request, meeting, status=400, guest_form=form)


@login_required
@require_POST
def meeting_attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance of every member at once: present / excused / absent, signed or not."""
    meeting = _meeting_for_running(request, pk)
    rows = selectors_meetings.meeting_attendance_sheet(meeting)
    form = AttendanceSheetForm(request.POST, rows=rows)
    if form.is_valid():
        entries = form.entries()
        if form.is_valid():
            try:
                saved = meeting_services.attendance_record_many(
                    actor=request.user,
                    meeting=meeting,
                    rows=[
                        meeting_services.AttendanceInput(
                            person=person, status=status, is_signed=signed
                        )
                        for person, status, signed in entries
                    ],
                )
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Attendance recorded (%(count)s changed).") % {"count": len(saved)},
                )
                return _to_detail(meeting, "attendance")
    return _render_detail(request, meeting, status=400, sheet_form=form)


@login_required
@require_POST
def attendance_remove(request: HttpRequest, pk: int, attendance_pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    attendance = next((a for a in meeting.attendances.all() if a.pk == attendance_pk), None)
    if attendance is None:
        raise NotFound(_("Attendance not found."))
    try:
        meeting_services.attendance_remove(actor=request.user, attendance=attendance)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The line was removed from the attendance list."))
    return _to_detail(meeting, "attendance")


@login_required
@require_POST
def meeting_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    try:
        services.meeting_mark_held(actor=request.user, meeting=meeting)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The meeting is recorded as held."))
    return _to_detail(meeting)


@login_required
@require_POST
def attendance_list_generate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    try:
        meeting_services.meeting_attendance_list_generate(actor=request.user, meeting=meeting)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The attendance list for printing is ready to download."))
    return _to_detail(meeting, "documents")


@login_required
@require_POST
def attendance_scan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    form = ScanUploadForm(request.POST, request.FILES)
    if form.is_valid():
        scan = form.cleaned_data["scan"]
        try:
            meeting_services.meeting_attendance_scan_upload(
                actor=request.user, meeting=meeting, stream=scan, filename=scan.name or ""
            )
        except ValidationFailed as exc:  # UploadRejected is one, too
            errors = getattr(exc, "errors", {}) or {}
            form.add_error("scan", " ".join(str(e) for e in errors.get("file", [])) or exc.message)
        else:
            messages.success(request, _("The signed attendance list was uploaded."))
            return _to_detail(meeting, "documents")
    return _render_detail(request, meeting, status=400, scan_form=form)


# --- minutes ------------------------------------------------------------------------------------


@login_required
@require_POST
def meeting_verifiers(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    # Any person the user may see is accepted here; the service refuses those not present.
    form = VerifiersForm(request.POST, people=person_list(actor=request.user))
    if form.is_valid():
        try:
            meeting_services.meeting_verifiers_set(
                actor=request.user, meeting=meeting, persons=form.cleaned_data["verifiers"]
            )
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The minutes verifiers were named."))
            return _to_detail(meeting, "minutes")
    form.fields["verifiers"].queryset = selectors_meetings.meeting_present_people(meeting)
    return _render_detail(request, meeting, status=400, verifiers_form=form)


@login_required
@require_POST
def minutes_generate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    try:
        services.meeting_minutes_generate(actor=request.user, meeting=meeting)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The minutes were generated: for members and for publication."))
    return _to_detail(meeting, "minutes")


@login_required
@require_POST
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    form = MinutesApproveForm(
        request.POST, meetings=selectors_meetings.meetings_approving_minutes(meeting)
    )
    if form.is_valid():
        try:
            services.meeting_minutes_approve(
                actor=request.user,
                meeting=meeting,
                approved_at_meeting=form.cleaned_data["approved_at_meeting"],
            )
        except ValidationFailed as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The minutes are approved."))
            return _to_detail(meeting, "minutes")
    return _render_detail(request, meeting, status=400, approve_form=form)


@login_required
@require_POST
def minutes_publish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_running(request, pk)
    try:
        services.meeting_minutes_publish(actor=request.user, meeting=meeting)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The minutes are published (the version without names)."))
    return _to_detail(meeting, "minutes")


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    response = HttpResponse(
        meeting_services.meeting_ics(meeting), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="jednani.ics"'
    return response


@login_required
def resolution_list(request: HttpRequest) -> HttpResponse:
    resolutions = selectors_meetings.resolution_list(actor=request.user)
    overdue = selectors_meetings.resolution_points_overdue(actor=request.user)
    return render(
        request,
        "workflow/resolution_list.html",
        {"resolutions": resolutions[:200], "overdue": overdue[:100]},
    )


@login_required
def resolution_create(request: HttpRequest) -> HttpResponse:
    """The secretary records a resolution; the number comes from the body's pattern."""
    bodies = selectors_meetings.bodies_for_recording(actor=request.user)
    form = ResolutionForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resolution = services.resolution_record(
            actor=request.user,
            body=data["body"],
            adopted_on=data["adopted_on"],
            session=data["session"],
            number=data["number"],
            title=data["title"],
            submitted_by=data["submitted_by"],
            present=data["present"],
            votes_for=data["votes_for"],
            votes_against=data["votes_against"],
            votes_abstained=data["votes_abstained"],
            points=data["points"],
        )
        messages.success(
            request, _("Resolution %(number)s recorded.") % {"number": resolution.number}
        )
        return redirect("meetings:resolution_detail", pk=resolution.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "workflow/resolution_form.html", {"form": form}, status=status)


@login_required
def resolution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = selectors_meetings.resolution_get(actor=request.user, pk=pk)
    return render(
        request,
        "workflow/resolution_detail.html",
        {"resolution": resolution, "point_form": PointStatusForm()},
    )


@login_required
@require_POST
def resolution_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the process on the strength of this resolution: an approving resolution of the last
    body starts implementation, a returning one sends the plan back to the working groups."""
    resolution = selectors_meetings.resolution_get(actor=request.user, pk=pk)
    if resolution.process is None:
        raise NotFound(_("Planning process not found."))
    transition = (
        Transition.START_IMPLEMENTATION
        if resolution.is_adopted and resolution.document_action == "approve"
        else Transition.RETURN
    )
    available = {
        step.transition: step
        for step in selectors.process_available_transitions(
            actor=request.user, process=resolution.process
        )
    }
    step = available.get(transition)
    services.process_transition(
        actor=request.user,
        process_id=resolution.process_id,
        transition=transition,
        reason=request.POST.get("reason", "").strip()
        or _("Resolution %(number)s: %(title)s")
        % {"number": resolution.number, "title": resolution.title},
        resolution_id=resolution.pk,
        decision_id=step.decision_id if step else None,
        expected_stage=request.POST.get("expected_stage") or None,
    )
    messages.success(request, _("The process has moved to the next stage."))
    return redirect("meetings:resolution_detail", pk=resolution.pk)


@login_required
@require_POST
def resolution_point_status(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    resolution = selectors_meetings.resolution_get(actor=request.user, pk=pk)
    point = next((p for p in resolution.points.all() if p.pk == point_pk), None)
    if point is None:
        raise NotFound(_("Resolution not found."))
    form = PointStatusForm(request.POST)
    if form.is_valid():
        services.resolution_point_set_status(
            actor=request.user, point=point, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Fulfilment recorded."))
    return redirect("meetings:resolution_detail", pk=resolution.pk)


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """The user's calendar subscriptions; a new secret address is shown once, after rotation."""
    return render(
        request,
        "workflow/meeting_calendar.html",
        {
            "processes": selectors.process_list(actor=request.user),
            "new_url": request.session.pop("komplan_new_feed_url", ""),
        },
    )


@login_required
@require_POST
def calendar_feed_rotate(request: HttpRequest) -> HttpResponse:
    form = FeedRotateForm(request.POST)
    process = None
    if form.is_valid() and form.cleaned_data["process"]:
        process = selectors.process_get(actor=request.user, pk=form.cleaned_data["process"])
    token = services.calendar_feed_rotate(actor=request.user, process=process)
    request.session["komplan_new_feed_url"] = request.build_absolute_uri(
        reverse("meetings:calendar_feed", args=[token])
    )
    messages.success(request, _("A new calendar address was created; the old one stopped working."))
    return redirect("meetings:calendar_feeds")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no login (calendar applications cannot log in); the secret is the key."""
    feed = services.calendar_feed_resolve(token)
    response = HttpResponse(
        meeting_services.calendar_feed_ics(feed), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
