"""Meetings: planning, invitations with their lead time, attendance, minutes, calendar feeds.

Mail and document generation happen after commit. Minutes and attendance lists are built as
plain data (the contracts in ``documents.services.rendering``) and rendered by the documents
generation service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership, Person
from stakeholders.permissions import can_record_resolution
from stakeholders.services import Actor, record_save
from workflow import calendar
from workflow.models import (
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    Meeting,
    PlanningProcess,
    Resolution,
    StageDeadline,
)
from workflow.permissions import can_manage_process, can_view_process

logger = logging.getLogger(__name__)

DEFAULT_LEAD_DAYS = 7


# --- permissions -------------------------------------------------------------------------------


def can_run_meeting(actor: Actor, meeting: Meeting) -> bool:
    """The coordinator of the meeting's process, or the secretary of the meeting's body."""
    if meeting.body_id and can_record_resolution(actor, meeting.body):
        return True
    process = meeting.process or (meeting.body.process if meeting.body_id else None)
    return process is not None and can_manage_process(actor, process)


def _require_run(actor: Actor, meeting: Meeting) -> None:
    if not can_run_meeting(actor, meeting):
        raise PermissionDenied(_("You may not organise this meeting."))


# --- planning -----------------------------------------------------------------------------------


def lead_days(meeting: Meeting) -> int:
    return meeting.body.invitation_lead_days if meeting.body_id else DEFAULT_LEAD_DAYS


def invitation_deadline(meeting: Meeting) -> dt.datetime:
    """The last moment invitations may go out (lead time before the start)."""
    return meeting.starts_at - dt.timedelta(days=lead_days(meeting))


@transaction.atomic
def meeting_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    body: Body | None = None,
    process: PlanningProcess | None = None,
    ends_at: dt.datetime | None = None,
    place: str = "",
    online_url: str = "",
    session_number: int | None = None,
    agenda: Iterable[str] = (),
    reason: str = "",
) -> Meeting:
    """Plan a meeting of a body (or a public hearing of a process) with its agenda.

    Needs: the coordinator of the process (``workflow.manage_process``) or the secretary of
    the body (``stakeholders.record_resolution``).
    """
    if process is None and body is not None and body.process_id:
        process = body.process
    meeting = Meeting(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        body=body,
        process=process,
        place=place,
        online_url=online_url,
        session_number=session_number,
    )
    if process is not None and not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    _require_run(actor, meeting)
    if (
        body is not None
        and process is not None
        and (
            (body.process_id and body.process_id != process.pk)
            or (body.territory_id and body.territory_id != process.territory_id)
        )
    ):
        raise ValidationFailed(_("The body does not belong to this planning process."))
    record_save(meeting, actor=actor, reason=reason or _("Meeting planned"))
    for order, item in enumerate(agenda, start=1):
        record_save(
            AgendaItem(meeting=meeting, order=order, title=item),
            actor=actor,
            reason=reason or _("Meeting planned"),
        )
    return meeting


@transaction.atomic
def agenda_item_add(
    *, actor: Actor, meeting: Meeting, title: str, presenter: str = "", reason: str = ""
) -> AgendaItem:
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    _require_run(actor, meeting)
    last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
    return record_save(
        AgendaItem(meeting=meeting, order=last + 1, title=title, presenter=presenter),
        actor=actor,
        reason=reason or _("Agenda item added"),
    )


# --- invitations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationResult:
    meeting: Meeting
    recipients: int
    is_late: bool
    deadline: dt.datetime


def invitation_recipients(meeting: Meeting) -> list[str]:
    """E-mails of the current members of the body (for a hearing: of the process's bodies)."""
    day = timezone.localdate(meeting.starts_at)
    if meeting.body_id:
        members = Membership.objects.current(day).filter(body_id=meeting.body_id)
    else:
        members = Membership.objects.current(day).filter(body__process_id=meeting.process_id)
    return sorted(set(members.exclude(person__email="").values_list("person__email", flat=True)))


def coordinator_emails(meeting: Meeting) -> list[str]:
    process_id = meeting.process_id or (meeting.body.process_id if meeting.body_id else None)
    if process_id is None:
        return []
    return sorted(
        set(
            Membership.objects.current()
            .filter(body__process_id=process_id, role=Membership.Role.COORDINATOR)
            .exclude(person__email="")
            .values_list("person__email", flat=True)
        )
    )


@transaction.atomic
def meeting_invite(*, actor: Actor, meeting_id: int, reason: str = "") -> InvitationResult:
    """Send the invitations (e-mail with an .ics attachment, after commit).

    Needs: coordinator or the body's secretary. Invitations later than the body's lead time
    (default 7 days) still go out, but the meeting is marked as invited late and the coordinator
    is warned. Sending again (a changed time or place) raises the calendar revision.
    """
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting_id)
    )
    _require_run(actor, meeting)
    now = timezone.now()
    if meeting.starts_at <= now:
        raise ValidationFailed(_("The meeting has already started."))
    deadline = invitation_deadline(meeting)
    is_late = now > deadline
    re_invite = meeting.state == Meeting.State.INVITED
    try:
        meeting.invite()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(
            _("Invitations cannot be sent for a meeting that is %(state)s.")
            % {"state": meeting.get_state_display()}
        ) from exc
    meeting.invited_at = now
    if re_invite:
        meeting.ical_sequence += 1
    meeting.invitation_was_late = meeting.invitation_was_late or is_late
    record_save(meeting, actor=actor, reason=reason or _("Invitations sent"))
    recipients = invitation_recipients(meeting)
    meeting_pk = meeting.pk
    from workflow.tasks_meetings import meeting_invitations_send

    transaction.on_commit(lambda: meeting_invitations_send.delay(meeting_pk, is_late))
    return InvitationResult(
        meeting=meeting, recipients=len(recipients), is_late=is_late, deadline=deadline
    )


def meeting_event(meeting: Meeting, *, url: str = "") -> calendar.CalendarEvent:
    place = meeting.place
    if meeting.online_url:
        place = f"{place} ({meeting.online_url})" if place else meeting.online_url
    return calendar.CalendarEvent(
        uid=f"meeting-{meeting.ical_uid}@komplan",
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=place,
        description="\n".join(f"{item.order}. {item.title}" for item in meeting.agenda_items.all()),
        url=url,
        sequence=meeting.ical_sequence,
        status="CANCELLED" if meeting.state == Meeting.State.CANCELLED else "CONFIRMED",
    )


def meeting_ics(meeting: Meeting) -> bytes:
    return calendar.build_calendar(meeting.title, [meeting_event(meeting)], method="PUBLISH")


def meeting_invitations_send(*, meeting_id: int, is_late: bool) -> int:
    """Send the invitation e-mails of a meeting; called by the task after commit."""
    meeting = (
        Meeting.objects.select_related("body", "process")
        .prefetch_related("agenda_items")
        .get(pk=meeting_id)
    )
    recipients = invitation_recipients(meeting)
    local = timezone.localtime(meeting.starts_at)
    subject = _("Invitation: %(title)s, %(when)s") % {
        "title": meeting.title,
        "when": local.strftime("%d. %m. %Y %H:%M"),
    }
    agenda = "\n".join(f"{item.order}. {item.title}" for item in meeting.agenda_items.all())
    text = _("You are invited to %(title)s on %(when)s, %(place)s.\n\nAgenda:\n%(agenda)s") % {
        "title": meeting.title,
        "when": local.strftime("%d. %m. %Y %H:%M"),
        "place": meeting.place or meeting.online_url,
        "agenda": agenda,
    }
    ics = meeting_ics(meeting)
    for address in recipients:
        message = EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach("pozvanka.ics", ics, "text/calendar")
        message.send()
    if is_late:
        warn_late_invitation(meeting)
    return len(recipients)


def warn_late_invitation(meeting: Meeting) -> int:
    coordinators = coordinator_emails(meeting)
    if not coordinators:
        return 0
    subject = _("Late invitation: %(title)s") % {"title": meeting.title}
    text = _(
        "The invitations to %(title)s should have gone out by %(deadline)s (%(days)s days "
        "before the meeting under the rules of procedure)."
    ) % {
        "title": meeting.title,
        "deadline": timezone.localtime(invitation_deadline(meeting)).strftime("%d. %m. %Y %H:%M"),
        "days": lead_days(meeting),
    }
    EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, coordinators).send()
    return len(coordinators)


def meetings_warn_uninvited(*, now: dt.datetime | None = None) -> int:
    """Warn the coordinator once about each planned meeting whose invitation deadline passed
    without invitations. Idempotent."""
    moment = now or timezone.now()
    warned = 0
    candidates = Meeting.objects.filter(
        state=Meeting.State.PLANNED, late_warning_sent_at__isnull=True, starts_at__gt=moment
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(of=("self",))
                .select_related("body")
                .filter(pk=pk, state=Meeting.State.PLANNED, late_warning_sent_at__isnull=True)
                .first()
            )
            if meeting is None or invitation_deadline(meeting) > moment:
                continue
            meeting.late_warning_sent_at = moment
            record_save(meeting, actor=None, reason=_("Late-invitation warning sent"))
            warned += 1 if warn_late_invitation(meeting) else 0
    return warned


# --- attendance ----------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *,
    actor: Actor,
    meeting: Meeting,
    status: str = Attendance.Status.PRESENT,
    person: Person | None = None,
    guest_name: str = "",
    guest_organization: str = "",
    is_signed: bool = False,
    reason: str = "",
) -> Attendance:
    """Record (or correct) one line of the attendance list.

    A person's membership in the body on the day, their triad side and the body's target group
    are copied, so the list stays true when memberships change later. Guests have a name and an
    organisation and never vote.
    """
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    _require_run(actor, meeting)
    if status not in Attendance.Status.values:
        raise ValidationFailed(_("Unknown attendance."))
    if (person is None) == (not guest_name.strip()):
        raise ValidationFailed(_("Record either a person or a guest's name."))
    if person is not None:
        row = Attendance.objects.filter(meeting=meeting, person=person).first() or Attendance(
            meeting=meeting, person=person
        )
        membership = None
        if meeting.body_id:
            membership = (
                Membership.objects.current(timezone.localdate(meeting.starts_at))
                .filter(body_id=meeting.body_id, person=person)
                .order_by("role", "pk")
                .first()
            )
        row.membership = membership
        row.triad_side = membership.triad_side if membership else ""
        row.is_voting_member = bool(membership and membership.is_voting)
        row.target_group_id = meeting.body.target_group_id if meeting.body_id else None
    else:
        row = Attendance(
            meeting=meeting,
            guest_name=guest_name.strip(),
            guest_organization=guest_organization.strip(),
        )
    row.status = status
    row.is_signed = is_signed
    return record_save(row, actor=actor, reason=reason or _("Attendance recorded"))


@transaction.atomic
def meeting_mark_held(*, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    _require_run(actor, meeting)
    try:
        meeting.hold()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(_("This meeting cannot be recorded as held.")) from exc
    meeting.held_at = timezone.now()
    return record_save(meeting, actor=actor, reason=reason or _("Meeting held"))


@transaction.atomic
def meeting_attach_attendance_scan(
    *, actor: Actor, meeting: Meeting, version: Any, reason: str = ""
) -> Meeting:
    """Link the uploaded scan of the signed attendance list (a document version)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    _require_run(actor, meeting)
    if version.document.kind != "attendance_list" or (
        meeting.process_id and version.document.process_id != meeting.process_id
    ):
        raise ValidationFailed(_("Choose an attendance list of this meeting's process."))
    meeting.attendance_scan = version
    return record_save(meeting, actor=actor, reason=reason or _("Signed attendance list added"))


# --- minutes ------------------------------------------------------------------------------------


def _date_cs(day: dt.date) -> str:
    return f"{day.day}. {day.month}. {day.year}"


def _public_name(attendance: Attendance) -> str:
    """In published minutes: members of the body and people who agreed keep their names;
    everybody else is replaced by their organisation or a neutral label (GDPR)."""
    if attendance.person_id and (
        attendance.membership_id or attendance.person.consents_to_public_name
    ):
        return attendance.person.full_name
    if attendance.guest_organization:
        return _("guest (%(organization)s)") % {"organization": attendance.guest_organization}
    return _("member of the public")


def _outcome_label(resolution: Resolution) -> str:
    return str(Resolution.Outcome(resolution.outcome).label)


def minutes_context(meeting: Meeting, *, published: bool = False) -> dict[str, Any]:
    """The minutes as plain data (``MinutesContext``); ``published`` leaves out the names of
    private persons."""
    attendances = list(meeting.attendances.select_related("person", "membership"))
    present = [a for a in attendances if a.status == Attendance.Status.PRESENT]
    members_present = [a for a in present if a.is_voting_member]
    excused = [a for a in attendances if a.status == Attendance.Status.EXCUSED]
    guests = [a for a in present if not a.membership_id]
    day = timezone.localdate(meeting.starts_at)
    members_total = 0
    if meeting.body_id:
        members_total = meeting.body.seat_count or (
            Membership.objects.current(day)
            .filter(body_id=meeting.body_id, role__in=Membership.VOTING_ROLES)
            .values("person_id")
            .distinct()
            .count()
        )
    chair = next(
        (a for a in present if a.membership and a.membership.role == Membership.Role.CHAIR), None
    )
    recorder = next(
        (
            a
            for a in present
            if a.membership
            and a.membership.role in (Membership.Role.SECRETARY, Membership.Role.COORDINATOR)
        ),
        None,
    )

    def name(attendance: Attendance | None) -> str:
        if attendance is None:
            return ""
        return _public_name(attendance) if published else attendance.display_name

    agenda = []
    for item in meeting.agenda_items.prefetch_related("resolutions").order_by("order"):
        decisions = [
            {
                "number": r.number,
                "text": r.title,
                "votes_for": r.votes_for,
                "votes_against": r.votes_against,
                "votes_abstained": r.votes_abstained,
                "outcome": _outcome_label(r),
            }
            for r in item.resolutions.all()
        ]
        if item.decision_id:
            decision = item.decision
            decisions.append(
                {
                    "number": "",
                    "text": decision.title,
                    "votes_for": decision.votes_for or 0,
                    "votes_against": decision.votes_against or 0,
                    "votes_abstained": decision.votes_abstained or 0,
                    "outcome": decision.get_status_display(),
                }
            )
        agenda.append(
            {
                "number": str(item.order),
                "title": item.title,
                "discussion": item.discussion,
                "decisions": decisions,
            }
        )
    process = meeting.process
    esf = None
    if process is not None and process.esf_project_id:
        project = process.esf_project
        esf = {
            "programme": project.get_programme_display(),
            "registration_number": project.registration_number,
            "name": project.name,
        }
    from stakeholders import voting

    quorate = False
    if meeting.body_id and members_total:
        from workflow.services.resolutions import effective_rules

        quorum_rule, majority_rule = effective_rules(meeting.body)
        quorate = voting.evaluate(
            quorum_rule=quorum_rule,
            majority_rule=majority_rule,
            tally=voting.Tally(
                members_total=max(members_total, len(members_present)),
                present=len(members_present),
                votes_for=0,
                votes_against=0,
                votes_abstained=0,
            ),
        ).is_quorate
    return {
        "body": meeting.body.name if meeting.body_id else _("public hearing"),
        "number": str(meeting.session_number or ""),
        "date": _date_cs(day),
        "place": meeting.place,
        "members_total": members_total,
        "present": len(members_present),
        "excused": len(excused),
        "guests": len(guests),
        "is_quorate": quorate,
        "chair": name(chair),
        "recorder": name(recorder),
        "verifiers": [],
        "agenda": agenda,
        "esf": esf,
    }


def attendance_list_context(meeting: Meeting) -> dict[str, Any]:
    """The attendance list for printing and signing (``AttendanceListContext``): never
    published; rows for the body's current members, then recorded guests."""
    from documents.services.rendering import GDPR_NOTICE

    day = timezone.localdate(meeting.starts_at)
    rows = []
    seen: set[int] = set()
    if meeting.body_id:
        for membership in (
            Membership.objects.current(day)
            .filter(body_id=meeting.body_id)
            .select_related("person", "person__organization")
            .order_by("person__last_name", "person__first_name", "pk")
        ):
            if membership.person_id in seen:
                continue
            seen.add(membership.person_id)
            rows.append(
                {
                    "name": membership.person.full_name,
                    "organization": getattr(membership.person.organization, "name", ""),
                    "triad_side": membership.get_triad_side_display(),
                }
            )
    for attendance in meeting.attendances.select_related("person__organization"):
        if attendance.person_id in seen:
            continue
        rows.append(
            {
                "name": attendance.display_name,
                "organization": attendance.guest_organization
                or getattr(getattr(attendance.person, "organization", None), "name", ""),
                "triad_side": attendance.get_triad_side_display(),
            }
        )
    local = timezone.localtime(meeting.starts_at)
    process = meeting.process
    esf = None
    if process is not None and process.esf_project_id:
        project = process.esf_project
        esf = {
            "programme": project.get_programme_display(),
            "registration_number": project.registration_number,
            "name": project.name,
        }
    return {
        "event": meeting.title,
        "event_type": meeting.get_kind_display(),
        "body": meeting.body.name if meeting.body_id else "",
        "date": _date_cs(local.date()),
        "time": local.strftime("%H:%M"),
        "place": meeting.place,
        "organizer": str(process.coordinator_organization or "") if process else "",
        "key_activity": "",
        "attendees": rows,
        "blank_rows": 10,
        "esf": esf,
        "gdpr_notice": GDPR_NOTICE,
    }


@dataclass(frozen=True)
class MinutesRequest:
    full: Any
    published: Any


@transaction.atomic
def meeting_minutes_generate(*, actor: Actor, meeting: Meeting) -> MinutesRequest:
    """Ask the documents app to render the full and the published minutes as document versions.

    Needs what ``documents.services.generation.generation_request`` needs (``edit_draft`` on
    the process). A council meeting outside a process has no document register to store them in.
    """
    from documents.services.generation import generation_request

    meeting = Meeting.objects.select_related("body", "process").get(pk=meeting.pk)
    _require_run(actor, meeting)
    process = meeting.process
    if process is None:
        raise ValidationFailed(_("Minutes are stored with a planning process; choose one."))
    if meeting.state == Meeting.State.PLANNED or meeting.state == Meeting.State.INVITED:
        raise ValidationFailed(_("Minutes are written after the meeting was held."))
    full = generation_request(
        actor=actor, process=process, kind="minutes", data=minutes_context(meeting)
    )
    published = generation_request(
        actor=actor,
        process=process,
        kind="minutes",
        data=minutes_context(meeting, published=True),
    )
    return MinutesRequest(full=full, published=published)


@transaction.atomic
def meeting_attendance_list_generate(*, actor: Actor, meeting: Meeting) -> Any:
    """Ask the documents app to render the attendance list for printing and signing.

    Needs what ``generation_request`` needs (``edit_draft`` on the process). The list is never
    published (the documents app keeps attendance lists out of public outputs).
    """
    from documents.services.generation import generation_request

    meeting = Meeting.objects.select_related("body", "process").get(pk=meeting.pk)
    _require_run(actor, meeting)
    if meeting.process is None:
        raise ValidationFailed(_("Minutes are stored with a planning process; choose one."))
    return generation_request(
        actor=actor,
        process=meeting.process,
        kind="attendance_list",
        data=attendance_list_context(meeting),
    )


@transaction.atomic
def meeting_minutes_approve(
    *,
    actor: Actor,
    meeting: Meeting,
    minutes_version: Any,
    published_version: Any | None = None,
    approved_at_meeting: Meeting | None = None,
    reason: str = "",
) -> Meeting:
    """Record that the minutes were approved, at a later meeting of the body or per rollam."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    _require_run(actor, meeting)
    if approved_at_meeting is not None and (
        approved_at_meeting.body_id != meeting.body_id
        or approved_at_meeting.starts_at <= meeting.starts_at
    ):
        raise ValidationFailed(_("Minutes are approved at a later meeting of the same body."))
    try:
        meeting.approve_minutes()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(_("Only the minutes of a held meeting can be approved.")) from exc
    meeting.minutes_version = minutes_version
    meeting.published_minutes_version = published_version
    meeting.minutes_approved_by = approved_at_meeting
    meeting.minutes_approved_at = timezone.now()
    return record_save(meeting, actor=actor, reason=reason or _("Minutes approved"))


@transaction.atomic
def meeting_minutes_publish(*, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Publish the minutes: only the version without private persons' names."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    _require_run(actor, meeting)
    if meeting.published_minutes_version_id is None:
        raise ValidationFailed(_("The published version of the minutes is missing."))
    try:
        meeting.publish_minutes()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(_("Only approved minutes can be published.")) from exc
    return record_save(meeting, actor=actor, reason=reason or _("Minutes published"))


# --- calendar feeds -----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_rotate(*, actor: Actor, process: PlanningProcess | None = None) -> str:
    """Issue a new secret feed address (revoking the previous one); returns the secret.

    The secret is shown once: only its hash is stored. Needs: a signed-in user; for a process
    feed, read access to the process.
    """
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to get a calendar address."))
    if process is not None and not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    now = timezone.now()
    for old in CalendarFeedToken.objects.select_for_update().filter(
        user=actor, process=process, revoked_at__isnull=True
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.create(user=actor, process=process, token_hash=_hash(token))
    return token


def calendar_feed_resolve(token: str) -> CalendarFeedToken:
    """The active feed of a secret, or NotFound (revoked, unknown, or access lost)."""
    feed = (
        CalendarFeedToken.objects.select_related("user", "process")
        .filter(token_hash=_hash(token or ""), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise NotFound(_("Calendar not found."))
    if feed.process is not None and not can_view_process(feed.user, feed.process):
        raise NotFound(_("Calendar not found."))
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed


def _consultation_events(process_ids: list[int]) -> list[calendar.CalendarEvent]:
    """Consultation closings, when the consultation models are installed."""
    from django.apps import apps

    try:
        model = apps.get_model("workflow", "ConsultationPeriod")
    except LookupError:
        return []
    events = []
    for period in model.objects.filter(process_id__in=process_ids):
        closes_at = getattr(period, "closes_at", None)
        if closes_at is None:
            continue
        events.append(
            calendar.CalendarEvent(
                uid=f"consultation-{period.pk}@komplan",
                summary=_("Consultation closes: %(title)s") % {"title": str(period)},
                starts_at=closes_at - dt.timedelta(minutes=30),
                ends_at=closes_at,
            )
        )
    return events


def calendar_feed_events(feed: CalendarFeedToken) -> list[calendar.CalendarEvent]:
    """Meetings, stage deadlines and consultation closings of the feed's scope."""
    from workflow.selectors import process_list

    user = feed.user
    if feed.process is not None:
        process_ids = [feed.process.pk]
    else:
        process_ids = list(process_list(actor=user).values_list("pk", flat=True))
    meetings = Meeting.objects.filter(
        Q(process_id__in=process_ids) | Q(body__process_id__in=process_ids)
    )
    if feed.process is None:
        person_bodies = Membership.objects.current().filter(person__user=user).values("body_id")
        meetings = Meeting.objects.filter(
            Q(process_id__in=process_ids)
            | Q(body__process_id__in=process_ids)
            | Q(body_id__in=person_bodies)
        )
    events = [
        meeting_event(meeting)
        for meeting in meetings.prefetch_related("agenda_items").order_by("starts_at")
    ]
    for deadline in StageDeadline.objects.filter(process_id__in=process_ids).select_related(
        "process"
    ):
        events.append(
            calendar.CalendarEvent(
                uid=f"deadline-{deadline.pk}@komplan",
                summary=_("%(process)s: end of %(stage)s")
                % {"process": deadline.process.title, "stage": deadline.get_stage_display()},
                day=deadline.due_on,
            )
        )
    return events + _consultation_events(process_ids)


def calendar_feed_ics(feed: CalendarFeedToken) -> bytes:
    name = feed.process.title if feed.process else _("My KomPlan calendar")
    return calendar.build_calendar(str(name), calendar_feed_events(feed))
