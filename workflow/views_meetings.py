"""Thin views of meetings, resolutions and calendar feeds: parse, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stakeholders.exceptions import NotFound
from stakeholders.selectors import person_list
from workflow import selectors, selectors_meetings, services
from workflow.forms_meetings import (
    AttendanceForm,
    FeedRotateForm,
    PointStatusForm,
    ResolutionForm,
)
from workflow.models import Transition
from workflow.services import meetings as meeting_services
from workflow.services.meetings import can_run_meeting


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    process = None
    if request.GET.get("process"):
        process = selectors.process_get(actor=request.user, pk=request.GET["process"])
    meetings = selectors_meetings.meeting_list(actor=request.user, process=process)
    return render(
        request, "workflow/meeting_list.html", {"meetings": meetings[:200], "process": process}
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    return render(
        request,
        "workflow/meeting_detail.html",
        {
            "meeting": meeting,
            "can_run": can_run_meeting(request.user, meeting),
            "deadline": meeting_services.invitation_deadline(meeting),
            "attendance_form": AttendanceForm(),
        },
    )


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    result = services.meeting_invite(actor=request.user, meeting_id=meeting.pk)
    if result.is_late:
        messages.warning(
            request,
            _("Invitations sent to %(count)s people, later than the rules of procedure require.")
            % {"count": result.recipients},
        )
    else:
        messages.success(
            request, _("Invitations sent to %(count)s people.") % {"count": result.recipients}
        )
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors_meetings.meeting_get(actor=request.user, pk=pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the attendance form."))
        return redirect("meetings:meeting_detail", pk=meeting.pk)
    person = None
    if form.cleaned_data["person"]:
        person = person_list(actor=request.user).filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            raise NotFound(_("Person not found."))
    services.attendance_record(
        actor=request.user,
        meeting=meeting,
        person=person,
        guest_name=form.cleaned_data["guest_name"],
        guest_organization=form.cleaned_data["guest_organization"],
        status=form.cleaned_data["status"],
        is_signed=form.cleaned_data["is_signed"],
    )
    messages.success(request, _("Attendance recorded."))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


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
