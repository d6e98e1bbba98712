"""Meetings: planning, invitations with their lead time, attendance, minutes, calendar feeds.

Each meeting keeps documents of its own (``Meeting.minutes_document``,
``published_minutes_document`` and ``attendance_document``): the minutes for members, the minutes
for publication without private persons' names, and the attendance list printed for signing with
the scan of the signed list. They are registered through the documents services the first time
they are needed. Minutes and attendance lists are built as plain data (the contracts in
``documents.services.rendering``), rendered by that module's one renderer and stored through
``documents.services.versions``, which checks the bytes like any upload. (The generation jobs of
``documents.services.generation`` file every result under the process's one document of a kind,
so they cannot keep one meeting's minutes apart from another's.)

Locks: the meeting row first, then its agenda items or attendance rows, then (inside the documents
services) a document and its versions. Mail goes out after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import TransitionNotAllowed

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership, Person
from stakeholders.permissions import can_record_resolution
from stakeholders.services import Actor, record_save
from workflow import calendar
from workflow.models import (
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    Decision,
    Meeting,
    PlanningProcess,
    Resolution,
    StageDeadline,
)
from workflow.permissions import can_manage_process, can_view_process

logger = logging.getLogger(__name__)

DEFAULT_LEAD_DAYS = 7
# The language of generated minutes and attendance lists (the built-in templates are Czech).
DOCUMENT_LANGUAGE = "cs"
# Minutes verifiers (ověřovatelé zápisu) needed before the minutes can be approved. § 95 of Act
# No. 128/2000 Coll. has the assembly's minutes signed by "the appointed verifiers" (two in
# practice); the board's minutes (§ 101) and those of KPSS bodies by one further member.
MINUTES_VERIFIERS_NEEDED: dict[str, int] = {Body.Kind.ASSEMBLY: 2}
DEFAULT_MINUTES_VERIFIERS_NEEDED = 1
SCAN_CONTENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})

State = Meeting.State
# What may still change in each state: the meeting's own data and invitations before it takes
# place; the agenda and the attendance until the minutes are approved (they are the minutes'
# source); nothing once the minutes are approved or the meeting is cancelled.
DETAILS_EDITABLE = frozenset({State.PLANNED, State.INVITED})
RECORD_EDITABLE = frozenset({State.PLANNED, State.INVITED, State.HELD})
AFTER_THE_MEETING = frozenset({State.HELD, State.MINUTES_APPROVED, State.MINUTES_PUBLISHED})


# --- permissions ---------------------------------------------------------------------------------


def can_run_meeting(actor: Actor, meeting: Meeting) -> bool:
    """The coordinator of the meeting's process, or the secretary of the meeting's body."""
    if meeting.body_id and can_record_resolution(actor, meeting.body):
        return True
    process = meeting.process or (meeting.body.process if meeting.body_id else None)
    return process is not None and can_manage_process(actor, process)


def _require_run(actor: Actor, meeting: Meeting) -> None:
    if not can_run_meeting(actor, meeting):
        raise PermissionDenied(_("You may not organise this meeting."))


def _lock(meeting: Meeting | int) -> Meeting:
    """The meeting's row, locked for this transaction, with its body and process."""
    pk = meeting if isinstance(meeting, int) else meeting.pk
    try:
        return (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("body", "process")
            .get(pk=pk)
        )
    except Meeting.DoesNotExist:
        raise NotFound(_("Meeting not found.")) from None


def _require_state(meeting: Meeting, allowed: frozenset[str], message: str) -> None:
    if meeting.state not in allowed:
        raise ValidationFailed(
            message + " " + _("The meeting is %(state)s.") % {"state": meeting.get_state_display()}
        )


# --- planning ------------------------------------------------------------------------------------


def lead_days(meeting: Meeting) -> int:
    return meeting.body.invitation_lead_days if meeting.body_id else DEFAULT_LEAD_DAYS


def invitation_deadline(meeting: Meeting) -> dt.datetime:
    """The last moment invitations may go out (lead time before the start)."""
    return meeting.starts_at - dt.timedelta(days=lead_days(meeting))


def invitation_is_late(meeting: Meeting, *, now: dt.datetime | None = None) -> bool:
    """Whether invitations sent now would be later than the body's lead time."""
    return (now or timezone.now()) > invitation_deadline(meeting)


def _clean_agenda(agenda: Iterable[str]) -> list[str]:
    titles = [title.strip() for title in agenda if title and title.strip()]
    too_long = [title for title in titles if len(title) > 300]
    if too_long:
        raise ValidationFailed(
            _("An agenda item has at most 300 characters."),
            errors={"agenda": [_("Shorten the item “%(item)s…”.") % {"item": too_long[0][:40]}]},
        )
    return titles


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
    the body (``stakeholders.record_resolution``). Keeps: a body's meeting names an active body
    of the process (or of its territory); a public hearing belongs to a process.
    """
    if kind == Meeting.Kind.PUBLIC_HEARING:
        body = None
        if process is None:
            raise ValidationFailed(
                _("A public hearing belongs to a planning process."),
                errors={"process": [_("Choose the planning process.")]},
            )
    elif kind == Meeting.Kind.BODY_MEETING and body is None:
        raise ValidationFailed(_("Say which body meets."), errors={"body": [_("Choose the body.")]})
    if process is None and body is not None and body.process_id:
        process = body.process
    meeting = Meeting(
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        body=body,
        process=process,
        place=place.strip(),
        online_url=online_url.strip(),
        session_number=session_number,
    )
    if process is not None and not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    _require_run(actor, meeting)
    if body is not None and not body.is_active:
        raise ValidationFailed(
            _("%(body)s no longer meets.") % {"body": body.name},
            errors={"body": [_("Choose an active body.")]},
        )
    if (
        body is not None
        and process is not None
        and (
            (body.process_id and body.process_id != process.pk)
            or (body.territory_id and body.territory_id != process.territory_id)
        )
    ):
        raise ValidationFailed(
            _("The body does not belong to this planning process."),
            errors={"body": [_("Choose a body of this process.")]},
        )
    titles = _clean_agenda(agenda)
    record_save(meeting, actor=actor, reason=reason or _("Meeting planned"))
    for order, item in enumerate(titles, start=1):
        record_save(
            AgendaItem(meeting=meeting, order=order, title=item),
            actor=actor,
            reason=reason or _("Meeting planned"),
        )
    return meeting


@dataclass(frozen=True)
class MeetingUpdate:
    meeting: Meeting
    needs_new_invitations: bool


CALENDAR_FIELDS = ("starts_at", "ends_at", "place", "online_url", "title")


@transaction.atomic
def meeting_update(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    place: str = "",
    online_url: str = "",
    session_number: int | None = None,
    reason: str = "",
) -> MeetingUpdate:
    """Change the time, place, link, title or session number of a meeting not yet held.

    Needs: coordinator or the body's secretary. The kind and the body stay (attendance and
    resolutions depend on them). When invitations went out already, a change of time or place
    raises the calendar revision (subscribed calendars update) and the result says that the
    invitations should be sent again.
    """
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    _require_state(
        meeting, DETAILS_EDITABLE, _("Only a meeting that has not taken place can be changed.")
    )
    before = {name: getattr(meeting, name) for name in CALENDAR_FIELDS}
    meeting.title = title.strip()
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = place.strip()
    meeting.online_url = online_url.strip()
    meeting.session_number = session_number
    changed = any(getattr(meeting, name) != value for name, value in before.items())
    needs_new_invitations = changed and meeting.state == State.INVITED
    if needs_new_invitations:
        meeting.ical_sequence += 1
    record_save(meeting, actor=actor, reason=reason or _("Meeting changed"))
    return MeetingUpdate(meeting=meeting, needs_new_invitations=needs_new_invitations)


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a meeting that has not taken place; the reason is required and kept in the
    history. Subscribed calendars show the event as cancelled."""
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if not reason or not reason.strip():
        raise ValidationFailed(
            _("Say why the meeting is cancelled."), errors={"reason": [_("Give the reason.")]}
        )
    try:
        meeting.cancel()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(
            _("Only a meeting that has not taken place can be cancelled.")
        ) from exc
    meeting.ical_sequence += 1
    return record_save(meeting, actor=actor, reason=reason.strip())


# --- the agenda ----------------------------------------------------------------------------------


def _locked_item(actor: Actor, item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    """Lock the item's meeting, then the item; check the permission and the state."""
    meeting_id = AgendaItem.objects.filter(pk=item.pk).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound(_("Agenda item not found."))
    meeting = _lock(meeting_id)
    _require_run(actor, meeting)
    _require_state(
        meeting, RECORD_EDITABLE, _("The agenda cannot change once the minutes are approved.")
    )
    return meeting, AgendaItem.objects.select_for_update().get(pk=item.pk)


def _item_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationFailed(
            _("An agenda item needs a title."), errors={"title": [_("Give the title.")]}
        )
    return title


@transaction.atomic
def agenda_item_add(
    *, actor: Actor, meeting: Meeting, title: str, presenter: str = "", reason: str = ""
) -> AgendaItem:
    """Add an item at the end of the agenda. Needs: coordinator or the body's secretary; the
    minutes must not be approved yet (items added at the meeting are recorded while held)."""
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    _require_state(
        meeting, RECORD_EDITABLE, _("The agenda cannot change once the minutes are approved.")
    )
    last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first() or 0
    return record_save(
        AgendaItem(
            meeting=meeting, order=last + 1, title=_item_title(title), presenter=presenter.strip()
        ),
        actor=actor,
        reason=reason or _("Agenda item added"),
    )


@transaction.atomic
def agenda_item_update(
    *,
    actor: Actor,
    item: AgendaItem,
    title: str,
    presenter: str = "",
    discussion: str = "",
    reason: str = "",
) -> AgendaItem:
    """Change an item's title, presenter, or the record of its discussion (for the minutes)."""
    _meeting, item = _locked_item(actor, item)
    item.title = _item_title(title)
    item.presenter = presenter.strip()
    item.discussion = discussion.strip()
    return record_save(item, actor=actor, reason=reason or _("Agenda item changed"))


@transaction.atomic
def agenda_item_move(
    *, actor: Actor, item: AgendaItem, offset: int, reason: str = ""
) -> AgendaItem:
    """Move an item one place up (``offset=-1``) or down (``offset=1``) in the agenda."""
    if offset not in (-1, 1):
        raise ValidationFailed(_("An agenda item moves one place at a time."))
    meeting, item = _locked_item(actor, item)
    neighbours = meeting.agenda_items.select_for_update()
    other = (
        neighbours.filter(order__lt=item.order).order_by("-order").first()
        if offset < 0
        else neighbours.filter(order__gt=item.order).order_by("order").first()
    )
    if other is None:
        return item
    reason = reason or _("Agenda reordered")
    mine, theirs = item.order, other.order
    # The order is unique per meeting: park one item outside the agenda's numbers first.
    item.order = 0
    record_save(item, actor=actor, reason=reason, validate=False)
    other.order = mine
    record_save(other, actor=actor, reason=reason, validate=False)
    item.order = theirs
    return record_save(item, actor=actor, reason=reason, validate=False)


@transaction.atomic
def agenda_item_remove(*, actor: Actor, item: AgendaItem, reason: str = "") -> None:
    """Remove an item; the items after it move up. An item with a recorded resolution or a
    decision is part of the record and stays."""
    meeting, item = _locked_item(actor, item)
    if item.decision_id or item.resolutions.exists():
        raise ValidationFailed(
            _("A resolution or decision was recorded under this item; it cannot be removed.")
        )
    reason = reason or _("Agenda item removed")
    removed = item.order
    item._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.delete()
    for later in (
        meeting.agenda_items.select_for_update().filter(order__gt=removed).order_by("order")
    ):
        later.order -= 1
        record_save(later, actor=actor, reason=reason, validate=False)


# --- invitations ---------------------------------------------------------------------------------


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


def _attendance_row(meeting: Meeting, person: Person) -> Attendance:
    """The meeting's line of a person (new when missing), with the facts of the day copied: the
    membership in the body, its triad side and the body's target group, so that the list stays
    true when memberships change later."""
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
    return row


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

    Needs: coordinator or the body's secretary; the minutes not approved yet. A person's
    membership in the body on the day, their triad side and the body's target group are copied,
    so the list stays true when memberships change later. Guests have a name and an
    organisation and never vote.
    """
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    _require_state(
        meeting,
        RECORD_EDITABLE,
        _("The attendance cannot change once the minutes are approved."),
    )
    if status not in Attendance.Status.values:
        raise ValidationFailed(_("Unknown attendance."), errors={"status": [_("Choose one.")]})
    if (person is None) == (not guest_name.strip()):
        raise ValidationFailed(
            _("Record either a person or a guest's name."),
            errors={"guest_name": [_("Give the guest's name.")]},
        )
    if person is not None:
        row = _attendance_row(meeting, person)
        if (
            status != Attendance.Status.PRESENT
            and meeting.minutes_verifiers.filter(pk=person.pk).exists()
        ):
            raise ValidationFailed(
                _("%(name)s verifies the minutes and so was present; choose other verifiers first.")
                % {"name": person.full_name}
            )
    else:
        row = Attendance(
            meeting=meeting,
            guest_name=guest_name.strip(),
            guest_organization=guest_organization.strip(),
        )
    row.status = status
    row.is_signed = is_signed
    row = record_save(row, actor=actor, reason=reason or _("Attendance recorded"))
    audit_record(
        process_id=meeting.process_id,
        kind=AuditEvent.Kind.ATTENDANCE_RECORDED,
        actor_id=actor_id_of(actor),
        obj=row,
        payload={
            "meeting_id": meeting.pk,
            "person_id": row.person_id,
            "guest": row.person_id is None,
            "status": row.status,
            "is_signed": row.is_signed,
            "triad_side": row.triad_side,
        },
    )
    return row


@dataclass(frozen=True)
class AttendanceInput:
    person: Person
    status: str
    is_signed: bool = False


@transaction.atomic
def attendance_record_many(
    *, actor: Actor, meeting: Meeting, rows: Sequence[AttendanceInput], reason: str = ""
) -> list[Attendance]:
    """Record the attendance of several people at once (the list filled in after the
    meeting), all or nothing. Rows whose status and signature did not change are left alone
    (no history entry)."""
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    saved = []
    existing = {row.person_id: row for row in meeting.attendances.filter(person__isnull=False)}
    for line in rows:
        current = existing.get(line.person.pk)
        if (
            current is not None
            and current.status == line.status
            and current.is_signed == line.is_signed
        ):
            continue
        saved.append(
            attendance_record(
                actor=actor,
                meeting=meeting,
                person=line.person,
                status=line.status,
                is_signed=line.is_signed,
                reason=reason,
            )
        )
    return saved


@transaction.atomic
def attendance_remove(*, actor: Actor, attendance: Attendance, reason: str = "") -> None:
    """Remove a line entered by mistake (e.g. a guest's misspelt name). A minutes verifier's
    line stays while they are a verifier."""
    meeting_id = (
        Attendance.objects.filter(pk=attendance.pk).values_list("meeting_id", flat=True).first()
    )
    if meeting_id is None:
        raise NotFound(_("Attendance not found."))
    meeting = _lock(meeting_id)
    _require_run(actor, meeting)
    _require_state(
        meeting,
        RECORD_EDITABLE,
        _("The attendance cannot change once the minutes are approved."),
    )
    row = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if row.person_id and meeting.minutes_verifiers.filter(pk=row.person_id).exists():
        raise ValidationFailed(_("This person verifies the minutes; choose other verifiers first."))
    row._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    row._change_reason = reason or _("Attendance line removed")  # type: ignore[attr-defined]
    row.delete()


@transaction.atomic
def meeting_mark_held(*, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Record that the meeting took place. Needs: coordinator or the body's secretary.
    Keeps: a meeting is held once it has started."""
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    now = timezone.now()
    if meeting.starts_at > now:
        raise ValidationFailed(
            _("The meeting starts on %(when)s; it can be recorded as held once it has started.")
            % {"when": timezone.localtime(meeting.starts_at).strftime("%d. %m. %Y %H:%M")}
        )
    try:
        meeting.hold()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(_("This meeting cannot be recorded as held.")) from exc
    meeting.held_at = now
    meeting = record_save(meeting, actor=actor, reason=reason or _("Meeting held"))
    counts = dict(meeting.attendances.values_list("status").annotate(count=Count("pk")).order_by())
    audit_record(
        process_id=meeting.process_id,
        kind=AuditEvent.Kind.MEETING_HELD,
        actor_id=actor_id_of(actor),
        obj=meeting,
        payload={
            "body_id": meeting.body_id,
            "kind": meeting.kind,
            "starts_at": meeting.starts_at.isoformat(),
            "attendance": {status: counts.get(status, 0) for status in Attendance.Status.values},
        },
    )
    return meeting


# --- minutes verifiers ---------------------------------------------------------------------------


def minutes_verifiers_needed(meeting: Meeting) -> int:
    if meeting.body_id:
        return MINUTES_VERIFIERS_NEEDED.get(meeting.body.kind, DEFAULT_MINUTES_VERIFIERS_NEEDED)
    return DEFAULT_MINUTES_VERIFIERS_NEEDED


@transaction.atomic
def meeting_verifiers_set(
    *, actor: Actor, meeting: Meeting, persons: Iterable[Person], reason: str = ""
) -> Meeting:
    """Name the minutes verifiers (ověřovatelé zápisu).

    Needs: coordinator or the body's secretary; the minutes not approved yet. Keeps: each
    verifier was recorded as present at the meeting. The change is kept in the meeting's
    history with the actor and the reason.
    """
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    _require_state(
        meeting,
        RECORD_EDITABLE,
        _("The verifiers cannot change once the minutes are approved."),
    )
    chosen = {person.pk: person for person in persons}
    present = set(
        meeting.attendances.filter(
            person_id__in=chosen, status=Attendance.Status.PRESENT
        ).values_list("person_id", flat=True)
    )
    absent = [person.full_name for pk, person in chosen.items() if pk not in present]
    if absent:
        raise ValidationFailed(
            _(
                "Only people present at the meeting verify its minutes: %(names)s was not "
                "recorded as present."
            )
            % {"names": ", ".join(sorted(absent))},
            errors={"verifiers": [_("Choose people recorded as present.")]},
        )
    meeting._history_user = actor if actor is not None and actor.is_authenticated else None  # type: ignore[attr-defined]
    meeting._change_reason = reason or _("Minutes verifiers named")  # type: ignore[attr-defined]
    meeting.minutes_verifiers.set(list(chosen.values()))
    return meeting


def verifier_conditions(meeting: Meeting) -> list[str]:
    """What is missing before the minutes may be approved, as far as the verifiers go."""
    needed = minutes_verifiers_needed(meeting)
    verifiers = list(meeting.minutes_verifiers.all())
    problems = []
    if len(verifiers) < needed:
        problems.append(
            ngettext(
                "The minutes need %(needed)s verifier present at the meeting; %(named)s named.",
                "The minutes need %(needed)s verifiers present at the meeting; %(named)s named.",
                needed,
            )
            % {"needed": needed, "named": len(verifiers)}
        )
    present = set(
        meeting.attendances.filter(
            status=Attendance.Status.PRESENT, person__isnull=False
        ).values_list("person_id", flat=True)
    )
    for person in verifiers:
        if person.pk not in present:
            problems.append(
                _("%(name)s verifies the minutes but is not recorded as present.")
                % {"name": person.full_name}
            )
    return problems


# --- the meeting's documents ---------------------------------------------------------------------


def _date_cs(day: dt.date) -> str:
    return f"{day.day}. {day.month}. {day.year}"


def _document_title(meeting: Meeting, label: str) -> str:
    when = _date_cs(timezone.localdate(meeting.starts_at))
    return f"{label}: {meeting.title} ({when})"[:300]


def _meeting_document(actor: Actor, meeting: Meeting, field: str, kind: str, label: str) -> Any:
    """The meeting's own document in ``field`` (a locked meeting), registered when missing."""
    from documents.services import document_create

    document = getattr(meeting, field)
    if document is not None:
        return document
    if meeting.process is None:
        raise ValidationFailed(
            _("Minutes and attendance lists are stored with a planning process; choose one.")
        )
    document = document_create(
        actor=actor,
        process=meeting.process,
        kind=kind,
        title=_document_title(meeting, label),
        reason=_("Registered for the meeting %(meeting)s") % {"meeting": meeting.title},
    )
    setattr(meeting, field, document)
    record_save(meeting, actor=actor, reason=_("Meeting document registered"))
    return document


def _canonical(context: dict[str, Any]) -> str:
    return json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _render_and_store(
    *,
    actor: Actor,
    meeting: Meeting,
    document: Any,
    kind: str,
    context: dict[str, Any],
    filename: str,
    variant: str,
) -> Any:
    """Render the kind's template (the territory's, else the built-in one) with plain data and
    store it as the next draft version of the meeting's document, with its provenance."""
    from documents.services import version_create_generated
    from documents.services.generation import CONTRACTS, docx_template_for
    from documents.services.rendering import plain, render_docx

    missing = sorted(CONTRACTS[kind].__required_keys__ - set(context))  # type: ignore[attr-defined]
    if missing:  # a programming error: the builders below always fill the contract
        raise ValueError(f"{kind} context lacks {missing}")
    data = plain(context)
    template, label = docx_template_for(meeting.process, kind)
    content = render_docx(template, data)
    return version_create_generated(
        actor=actor,
        document=document,
        data=content,
        filename=filename,
        template=label,
        generation_data={
            "kind": kind,
            "variant": variant,
            "meeting_id": meeting.pk,
            "process_id": meeting.process_id,
            "template": label,
            "context_sha256": hashlib.sha256(_canonical(data).encode()).hexdigest(),
            "context": data,
            "generated_at": timezone.now().isoformat(),
        },
        change_summary=_("Generated from the template %(template)s") % {"template": label},
        reason=_("Generated for the meeting %(meeting)s") % {"meeting": meeting.title},
    )


def _file_stem(meeting: Meeting) -> str:
    return f"{timezone.localdate(meeting.starts_at):%Y-%m-%d}-jednani-{meeting.pk}"


@transaction.atomic
def meeting_attendance_list_generate(*, actor: Actor, meeting: Meeting) -> Any:
    """Render the attendance list for printing and signing as a new version of the meeting's
    attendance-list document; returns the version.

    Needs: coordinator or the body's secretary, and ``workflow.edit_draft`` on the process (the
    documents service). The list is never published (attendance lists carry signatures).
    """
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if meeting.state == State.CANCELLED:
        raise ValidationFailed(_("The meeting was cancelled."))
    document = _meeting_document(
        actor, meeting, "attendance_document", "attendance_list", _("Attendance list")
    )
    with translation.override(DOCUMENT_LANGUAGE):
        context = attendance_list_context(meeting)
    return _render_and_store(
        actor=actor,
        meeting=meeting,
        document=document,
        kind="attendance_list",
        context=context,
        filename=f"prezencni-listina-{_file_stem(meeting)}.docx",
        variant="for_signing",
    )


@transaction.atomic
def meeting_attendance_scan_upload(
    *,
    actor: Actor,
    meeting: Meeting,
    stream: IO[bytes] | bytes,
    filename: str,
    reason: str = "",
) -> Any:
    """Upload the scan of the signed attendance list (PDF, JPEG or PNG) as a version of the
    meeting's attendance-list document and link it to the meeting; returns the version.

    Needs: coordinator or the body's secretary, and ``workflow.edit_draft`` on the process. The
    file passes the documents upload checks (size, content by magic bytes, structure) before
    anything is stored; another type is refused. A later upload replaces the link (the earlier
    scan stays as an older version).
    """
    from documents.services import upload_check, version_upload

    meeting = _lock(meeting)
    _require_run(actor, meeting)
    _require_state(meeting, AFTER_THE_MEETING, _("The signed list is uploaded after the meeting."))
    checked = upload_check(stream=stream, filename=filename)
    if checked.inspected.content_type not in SCAN_CONTENT_TYPES:
        message = _("The scan must be a PDF, JPEG or PNG file.")
        raise ValidationFailed(message, errors={"scan": [message]})
    document = _meeting_document(
        actor, meeting, "attendance_document", "attendance_list", _("Attendance list")
    )
    version = version_upload(
        actor=actor,
        document=document,
        stream=checked.data,
        filename=checked.original_filename,
        change_summary=_("Scan of the signed attendance list"),
        reason=reason or _("Signed attendance list uploaded"),
    )
    return meeting_attach_attendance_scan(
        actor=actor, meeting=meeting, version=version, reason=reason
    )


@transaction.atomic
def meeting_attach_attendance_scan(
    *, actor: Actor, meeting: Meeting, version: Any, reason: str = ""
) -> Any:
    """Link a stored version of the meeting's attendance-list document as the signed scan."""
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if meeting.attendance_document_id is None or version.document_id != (
        meeting.attendance_document_id
    ):
        raise ValidationFailed(_("Choose a version of this meeting's attendance list."))
    if version.content_type not in SCAN_CONTENT_TYPES:
        raise ValidationFailed(_("The scan must be a PDF, JPEG or PNG file."))
    meeting.attendance_scan = version
    record_save(meeting, actor=actor, reason=reason or _("Signed attendance list added"))
    return version


# --- minutes -------------------------------------------------------------------------------------


def _public_name(attendance: Attendance | None, person: Person | None = None) -> str:
    """In published minutes: members of the body and people who agreed keep their names;
    everybody else is replaced by their organisation or a neutral label (GDPR)."""
    if attendance is None:
        if person is not None and person.consents_to_public_name:
            return person.full_name
        return _("member of the public")
    if attendance.person_id and (
        attendance.membership_id or attendance.person.consents_to_public_name
    ):
        return attendance.person.full_name
    if attendance.guest_organization:
        return _("guest (%(organization)s)") % {"organization": attendance.guest_organization}
    return _("member of the public")


def _outcome_label(resolution: Resolution) -> str:
    return str(Resolution.Outcome(resolution.outcome).label)


def _esf(process: PlanningProcess | None) -> dict[str, str] | None:
    if process is None or not process.esf_project_id:
        return None
    project = process.esf_project
    return {
        "programme": project.get_programme_display(),
        "registration_number": project.registration_number,
        "name": project.name,
    }


def minutes_context(meeting: Meeting, *, published: bool = False) -> dict[str, Any]:
    """The minutes as plain data (``MinutesContext``); ``published`` leaves out the names of
    private persons."""
    attendances = list(meeting.attendances.select_related("person", "membership"))
    by_person = {a.person_id: a for a in attendances if a.person_id}
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

    verifiers = [
        _public_name(by_person.get(person.pk), person) if published else person.full_name
        for person in meeting.minutes_verifiers.order_by("last_name", "first_name", "pk")
    ]
    agenda = []
    for item in (
        meeting.agenda_items.select_related("decision")
        .prefetch_related("resolutions")
        .order_by("order")
    ):
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
        "verifiers": verifiers,
        "agenda": agenda,
        "esf": _esf(meeting.process),
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
        "esf": _esf(process),
        "gdpr_notice": GDPR_NOTICE,
    }


@dataclass(frozen=True)
class MinutesVersions:
    """The two versions of one meeting's minutes: for members, and for publication."""

    full: Any
    published: Any


def _minutes_contexts(meeting: Meeting) -> tuple[dict[str, Any], dict[str, Any]]:
    from documents.services.rendering import plain

    with translation.override(DOCUMENT_LANGUAGE):
        return (
            plain(minutes_context(meeting)),
            plain(minutes_context(meeting, published=True)),
        )


@transaction.atomic
def meeting_minutes_generate(*, actor: Actor, meeting: Meeting) -> MinutesVersions:
    """Render the minutes from the agenda, the attendance, the decisions and the verifiers:
    the full version for members and the version for publication without private persons'
    names, each as the next draft version of the meeting's own document.

    Needs: coordinator or the body's secretary, and ``workflow.edit_draft`` on the process (the
    documents service). Keeps: minutes are written for a held meeting whose minutes are not
    approved yet; a council meeting outside a process has no document register to store them.
    """
    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if meeting.process is None:
        raise ValidationFailed(_("Minutes are stored with a planning process; choose one."))
    if meeting.state != State.HELD:
        raise ValidationFailed(
            _("Minutes are written after the meeting was held and before they are approved.")
        )
    full_context, published_context = _minutes_contexts(meeting)
    full_document = _meeting_document(actor, meeting, "minutes_document", "minutes", _("Minutes"))
    published_document = _meeting_document(
        actor,
        meeting,
        "published_minutes_document",
        "minutes",
        _("Minutes for publication"),
    )
    stem = _file_stem(meeting)
    return MinutesVersions(
        full=_render_and_store(
            actor=actor,
            meeting=meeting,
            document=full_document,
            kind="minutes",
            context=full_context,
            filename=f"zapis-{stem}.docx",
            variant="full",
        ),
        published=_render_and_store(
            actor=actor,
            meeting=meeting,
            document=published_document,
            kind="minutes",
            context=published_context,
            filename=f"zapis-{stem}-zverejneni.docx",
            variant="published",
        ),
    )


def _newest_version(document: Any) -> Any | None:
    if document is None:
        return None
    return document.versions.order_by("-number").first()


def minutes_approval_conditions(
    meeting: Meeting,
    *,
    minutes_version: Any | None = None,
    published_version: Any | None = None,
) -> list[str]:
    """Everything that still blocks the approval of the minutes, in plain words (all at once).

    The minutes must name their verifiers, both versions must be generated, belong to this
    meeting's documents, and be current: attendance, agenda, resolutions and verifiers may not
    have changed since they were generated.
    """
    problems = verifier_conditions(meeting)
    full = minutes_version or _newest_version(meeting.minutes_document)
    published = published_version or _newest_version(meeting.published_minutes_document)
    if full is None or published is None:
        problems.append(_("Generate the minutes first (for members and for publication)."))
        return problems
    if full.document_id != meeting.minutes_document_id:
        problems.append(_("The full minutes are not a version of this meeting's minutes."))
    if published.document_id != meeting.published_minutes_document_id:
        problems.append(
            _("The published minutes are not a version of this meeting's published minutes.")
        )
    if not problems:
        full_context, published_context = _minutes_contexts(meeting)
        stored = (
            (full.generation_data or {}).get("context"),
            (published.generation_data or {}).get("context"),
        )
        if stored != (full_context, published_context):
            problems.append(
                _(
                    "The minutes are out of date: the attendance, the agenda, the resolutions or "
                    "the verifiers changed after they were generated. Generate them again."
                )
            )
    return problems


@transaction.atomic
def meeting_minutes_approve(
    *,
    actor: Actor,
    meeting: Meeting,
    minutes_version: Any | None = None,
    published_version: Any | None = None,
    approved_at_meeting: Meeting | None = None,
    reason: str = "",
) -> Meeting:
    """Record that the minutes were approved, at a later meeting of the body or per rollam
    (``approved_at_meeting=None``).

    Needs: coordinator or the body's secretary. Keeps: the verifiers are named and were present;
    the versions are this meeting's newest minutes (unless given), generated from the current
    record; a later meeting that approves them is of the same body and has taken place. The two
    versions are submitted in the documents register, so that their bytes are a record from now
    on.
    """
    from documents.services import version_submit

    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if meeting.state != State.HELD:
        raise ValidationFailed(_("Only the minutes of a held meeting can be approved."))
    if approved_at_meeting is not None and (
        approved_at_meeting.pk == meeting.pk
        or approved_at_meeting.body_id != meeting.body_id
        or (meeting.body_id is None and approved_at_meeting.process_id != meeting.process_id)
        or approved_at_meeting.starts_at <= meeting.starts_at
        or approved_at_meeting.starts_at > timezone.now()
        or approved_at_meeting.state == State.CANCELLED
    ):
        raise ValidationFailed(
            _("Minutes are approved at a later meeting of the same body that has taken place."),
            errors={"approved_at_meeting": [_("Choose a later meeting of the same body.")]},
        )
    full = minutes_version or _newest_version(meeting.minutes_document)
    published = published_version or _newest_version(meeting.published_minutes_document)
    problems = minutes_approval_conditions(
        meeting, minutes_version=full, published_version=published
    )
    if problems:
        raise ValidationFailed(
            _("The minutes cannot be approved yet: %(problems)s")
            % {"problems": " ".join(problems)},
            errors={"__all__": problems},
            code="minutes_not_ready",
        )
    reason = reason or _("Minutes approved")
    for version in (full, published):
        if version.status == "draft":
            version_submit(actor=actor, version=version, reason=reason)
    meeting.approve_minutes()
    meeting.minutes_version = full
    meeting.published_minutes_version = published
    meeting.minutes_approved_by = approved_at_meeting
    meeting.minutes_approved_at = timezone.now()
    meeting = record_save(meeting, actor=actor, reason=reason)
    audit_record(
        process_id=meeting.process_id,
        kind=AuditEvent.Kind.MINUTES_APPROVED,
        actor_id=actor_id_of(actor),
        obj=meeting,
        payload={
            "minutes_version_id": full.pk,
            "minutes_sha256": full.sha256,
            "published_version_id": published.pk,
            "published_sha256": published.sha256,
            "approved_at_meeting_id": approved_at_meeting.pk if approved_at_meeting else None,
        },
    )
    return meeting


def _minutes_approving_body(meeting: Meeting) -> Body:
    """The body that approved the minutes: the meeting's own, or for a meeting of no body (a
    public hearing) the steering group of its process."""
    if meeting.body_id is not None:
        return meeting.body
    body = (
        Body.objects.filter(process=meeting.process, kind=Body.Kind.STEERING_GROUP)
        .order_by("pk")
        .first()
    )
    if body is None:
        raise ValidationFailed(_("The process has no steering group to approve the minutes."))
    return body


def _minutes_approval_decision(actor: Actor, meeting: Meeting, version: Any) -> Decision:
    """The approval of the minutes (recorded by ``meeting_minutes_approve``) as the adopted
    decision on their published version that the documents register requires of an approved
    version: of the body that approved them, at the approving meeting or per rollam, closed
    when they were approved. It names that one version, so it authorises nothing else; the
    tally is unknown (the approval was recorded without one) and left empty."""
    body = _minutes_approving_body(meeting)
    approved_at = meeting.minutes_approved_at or timezone.now()
    at_meeting = meeting.minutes_approved_by
    with translation.override(DOCUMENT_LANGUAGE):
        title = _("Approval of the minutes: %(meeting)s") % {"meeting": str(meeting)}
    decision = Decision(
        process=meeting.process,
        body=body,
        subject=Decision.Subject.DOCUMENT_VERSION,
        document_version=version,
        title=title[:300],
        mode=Decision.Mode.MEETING if at_meeting else Decision.Mode.PER_ROLLAM,
        held_at=at_meeting.starts_at if at_meeting else None,
        voting_closes_at=None if at_meeting else approved_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    decision.adopt()
    decision.closed_at = approved_at
    decision = record_save(decision, actor=actor, reason=_("Minutes approved"))
    audit_record(
        process_id=meeting.process_id,
        kind=AuditEvent.Kind.DECISION_RECORDED,
        actor_id=actor_id_of(actor),
        obj=decision,
        payload={
            "body_id": body.pk,
            "subject": decision.subject,
            "mode": decision.mode,
            "document_version_id": version.pk,
            "sha256": version.sha256,
            "minutes_of_meeting_id": meeting.pk,
            "approved_at_meeting_id": at_meeting.pk if at_meeting else None,
        },
    )
    return decision


@transaction.atomic
def meeting_minutes_publish(*, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Publish the minutes: their version without private persons' names goes out on the
    process's public portal; the full version stays a record for members.

    Needs: to run the meeting and ``workflow.manage_process`` (publishing a document of the
    process is the coordinator's). Keeps: only approved minutes are published. The published
    version, submitted when the minutes were approved, is approved in the documents register on
    the strength of that approval (``_minutes_approval_decision``) and published there
    (``documents.services.version_publish``: audited, its PDF prepared after commit). The full
    version is never touched here.
    """
    from documents.models import DocumentVersion
    from documents.services import version_approve, version_publish

    meeting = _lock(meeting)
    _require_run(actor, meeting)
    if meeting.process is None or not can_manage_process(actor, meeting.process):
        raise PermissionDenied(_("Only the coordinator of the process publishes documents."))
    if meeting.published_minutes_version_id is None:
        raise ValidationFailed(_("The published version of the minutes is missing."))
    try:
        meeting.publish_minutes()
    except TransitionNotAllowed as exc:
        raise ValidationFailed(_("Only approved minutes can be published.")) from exc
    reason = reason or _("Minutes published")
    version = meeting.published_minutes_version
    if version.document_id != meeting.published_minutes_document_id:
        raise ValidationFailed(
            _("The published minutes are not a version of this meeting's published minutes.")
        )
    if version.status == DocumentVersion.Status.SUBMITTED:
        version = version_approve(
            actor=actor,
            version=version,
            decision=_minutes_approval_decision(actor, meeting, version),
            reason=_("Minutes approved"),
        )
    if version.status == DocumentVersion.Status.APPROVED:
        version = version_publish(actor=actor, version=version, reason=reason)
    if version.status != DocumentVersion.Status.PUBLISHED:
        raise ValidationFailed(
            _("Version %(number)s of the published minutes is %(status)s; it cannot be published.")
            % {"number": version.number, "status": version.get_status_display()}
        )
    meeting.published_minutes_version = version
    return record_save(meeting, actor=actor, reason=reason)


# --- calendar feeds ------------------------------------------------------------------------------


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
