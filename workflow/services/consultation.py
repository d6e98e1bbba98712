"""Public consultation: scheduling, comments from the public and the coordinator, settlement,
publication of the settlement, reminders and digests, news items.

Deadlines are enforced here, where the write happens, by the server's clock: the web form is
refused after ``closes_at``; a comment the coordinator enters from paper or e-mail is stored and
flagged late. Celery beat only sends reminders.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import actor_id_of, audit_record
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership
from stakeholders.services import Actor, record_save
from workflow.exceptions import DeadlinePassed
from workflow.models import (
    Comment,
    ConsultationNotice,
    ConsultationPeriod,
    Decision,
    NewsItem,
    PlanningProcess,
)
from workflow.permissions import can_manage_process, can_view_process

logger = logging.getLogger(__name__)

PUBLISHED = "published"  # DocumentVersion.Status.PUBLISHED, by value (documents owns the enum)
ABSOLUTE_MIN_DAYS = 14  # DOMAIN §7: never shorter than two weeks
HEARING_AFTER_DAYS = 14  # CpKP: comments at least two weeks after the public hearing
MAX_TEXT = 10_000
# The public label of a private person in the published settlement: data in the language of the
# published document (Czech), stored with the comment, not a UI string.
CITIZEN_LABEL = "Občan {n}"


class ConsultationClosed(DeadlinePassed):
    """The web form was used after the period closed (by the server's clock)."""

    code = "consultation_closed"


class ConsultationNotOpen(DeadlinePassed):
    code = "consultation_not_open"


# --- time --------------------------------------------------------------------------------------


def end_of_day(day: dt.date, zone: Any) -> dt.datetime:
    """The last instant of a calendar day in a time zone (DST-safe: next local midnight − 1 µs)."""
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return next_midnight - dt.timedelta(microseconds=1)


def start_of_day(day: dt.date, zone: Any) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def lasts_at_least(opens_at: dt.datetime, closes_at: dt.datetime, days: int, zone: Any) -> bool:
    """Whether a period open from ``opens_at`` up to and including ``closes_at`` lasts at least
    ``days`` days of the calendar of ``zone``.

    The period may close at the last instant before the same wall-clock time ``days`` days
    after it opens: from day D 00:00 to the end of day D + ``days`` - 1 (23:59:59.999999) is
    ``days`` days, whether a daylight-saving change makes one of those days 23 or 25 hours long.
    """
    local_open = opens_at.astimezone(zone)
    same_time_later = dt.datetime.combine(
        local_open.date() + dt.timedelta(days=days), local_open.time(), tzinfo=zone
    )
    # The microsecond is taken in UTC: in a zone, aware datetimes subtract wall-clock time.
    return closes_at >= same_time_later.astimezone(dt.UTC) - dt.timedelta(microseconds=1)


def _as_aware(value: dt.datetime | dt.date, zone: Any, *, end: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=zone)
    return end_of_day(value, zone) if end else start_of_day(value, zone)


# --- scheduling --------------------------------------------------------------------------------


def _require_manager(actor: Actor, process: PlanningProcess, what: str) -> None:
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    if not can_manage_process(actor, process):
        raise PermissionDenied(what)


def consultation_warnings(consultation: ConsultationPeriod) -> list[str]:
    """Advice that does not block: a period shorter than the recommended length
    (``KOMPLAN_CONSULTATION_MIN_DAYS``), the CpKP rule of two weeks after the public hearing."""
    warnings = []
    recommended = int(settings.KOMPLAN_CONSULTATION_MIN_DAYS)
    zone = consultation.zone
    if not lasts_at_least(consultation.opens_at, consultation.closes_at, recommended, zone):
        warnings.append(
            _("The consultation is shorter than the recommended %(days)s days.")
            % {"days": recommended}
        )
    if consultation.hearing_at is None and consultation.hearing_meeting_id is None:
        warnings.append(_("No public hearing is planned; CpKP recommends at least one."))
    elif consultation.hearing_at is not None and not lasts_at_least(
        consultation.hearing_at, consultation.closes_at, HEARING_AFTER_DAYS, zone
    ):
        warnings.append(
            _(
                "The consultation closes less than two weeks after the public hearing; "
                "CpKP recommends at least two weeks for further comments."
            )
        )
    return warnings


@transaction.atomic
def consultation_schedule(
    *,
    actor: Actor,
    process: PlanningProcess,
    document_version: Any,
    title: str,
    opens: dt.datetime | dt.date,
    closes: dt.datetime | dt.date,
    time_zone: str | None = None,
    min_length_days: int | None = None,
    hearing_at: dt.datetime | None = None,
    hearing_meeting_id: int | None = None,
    reason: str = "",
    **fields: Any,
) -> ConsultationPeriod:
    """Schedule a public consultation on a published version of one of the process's documents.

    Needs: ``workflow.manage_process``. A date for ``opens`` means the start of that day and for
    ``closes`` the end of that day, in the consultation's time zone (the installation's by
    default). Keeps: the version is published and belongs to the process; the period lasts at
    least ``min_length_days`` (default ``KOMPLAN_CONSULTATION_MIN_DAYS``, never below 14) days
    of its time zone's calendar (``lasts_at_least``: 1 September to 30 September is 30 days).
    ``consultation_warnings`` tells what does not block (the hearing rule).
    """
    _require_manager(actor, process, _("You may not schedule consultations of this process."))
    zone_name = time_zone or settings.TIME_ZONE
    consultation = ConsultationPeriod(
        process=process,
        document_version=document_version,
        title=title,
        time_zone=zone_name,
        hearing_at=hearing_at,
        hearing_meeting_id=hearing_meeting_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **fields,
    )
    if min_length_days is not None:
        consultation.min_length_days = min_length_days
    try:
        zone = consultation.zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            _("Unknown time zone."), errors={"time_zone": [_("Unknown time zone.")]}
        ) from None
    consultation.opens_at = _as_aware(opens, zone, end=False)
    consultation.closes_at = _as_aware(closes, zone, end=True)
    errors: dict[str, list[str]] = {}
    if document_version.document.process_id != process.pk:
        errors["document_version"] = [_("The version belongs to another process.")]
    elif document_version.status != PUBLISHED:
        errors["document_version"] = [
            _("Only a published version can be put to public consultation.")
        ]
    if consultation.min_length_days < ABSOLUTE_MIN_DAYS:
        errors["min_length_days"] = [
            _("A consultation lasts at least %(days)s days.") % {"days": ABSOLUTE_MIN_DAYS}
        ]
    if consultation.closes_at <= consultation.opens_at:
        errors["closes_at"] = [_("The consultation must close after it opens.")]
    elif not lasts_at_least(
        consultation.opens_at, consultation.closes_at, consultation.min_length_days, zone
    ):
        errors["closes_at"] = [
            _("The consultation must last at least %(days)s days.")
            % {"days": consultation.min_length_days}
        ]
    if errors:
        raise ValidationFailed(_("The consultation cannot be scheduled."), errors=errors)
    consultation = record_save(
        consultation, actor=actor, reason=reason or _("Public consultation scheduled")
    )
    _audit(
        consultation,
        AuditEvent.Kind.CONSULTATION_SCHEDULED,
        actor,
        {
            "document_version_id": document_version.pk,
            "sha256": document_version.sha256,
            "opens_at": consultation.opens_at.isoformat(),
            "closes_at": consultation.closes_at.isoformat(),
            "min_length_days": consultation.min_length_days,
        },
    )
    return consultation


def _audit(
    consultation: ConsultationPeriod, kind: str, actor: Actor, facts: dict[str, Any], obj=None
) -> None:
    audit_record(
        process_id=consultation.process_id,
        kind=kind,
        actor_id=actor_id_of(actor),
        obj=obj or consultation,
        payload={"consultation_id": consultation.pk, **facts},
    )


def _audit_comment_received(comment: Comment, actor: Actor) -> None:
    _audit(
        comment.consultation,
        AuditEvent.Kind.COMMENT_RECEIVED,
        actor,
        {
            "number": comment.number,
            "receipt_number": comment.receipt_number,
            "channel": comment.channel,
            "received_at": comment.received_at.isoformat(),
            "is_late": comment.is_late,
        },
        obj=comment,
    )


@transaction.atomic
def consultation_phase_events_record(*, now: dt.datetime | None = None) -> int:
    """Append "opened" and "closed" audit events for consultations whose opening or closing
    time has passed and that have none yet. Idempotent; the clock, not this function, decides
    whether a consultation is open (its payload names the instant of the clock boundary).
    Run by beat and before a consultation is settled. Returns the number of events appended."""
    moment = now or timezone.now()
    recorded = set(
        AuditEvent.objects.filter(
            object_type="workflow.consultationperiod",
            kind__in=[AuditEvent.Kind.CONSULTATION_OPENED, AuditEvent.Kind.CONSULTATION_CLOSED],
        ).values_list("object_id", "kind")
    )
    appended = 0
    due = ConsultationPeriod.objects.filter(opens_at__lte=moment).order_by("opens_at", "pk")
    for consultation in due:
        for kind, at in (
            (AuditEvent.Kind.CONSULTATION_OPENED, consultation.opens_at),
            (AuditEvent.Kind.CONSULTATION_CLOSED, consultation.closes_at),
        ):
            if at <= moment and (str(consultation.pk), kind) not in recorded:
                _audit(
                    consultation,
                    kind,
                    None,
                    {
                        "at": at.isoformat(),
                        "document_version_id": consultation.document_version_id,
                        "comments": consultation.comments.count(),
                    },
                )
                appended += 1
    return appended


# --- comments ------------------------------------------------------------------------------------


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry of the nearest proxy."""
    proxies = int(getattr(settings, "KOMPLAN_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(address: str) -> str:
    """A keyed hash of the client address: enough to rate-limit, never the address itself."""
    return salted_hmac("komplan.comment.ip", address, algorithm="sha256").hexdigest()


def rate_limit_hit(*, address_hash: str) -> bool:
    """Count one submission from an address; True when it is over the limit of the window.

    Uses Django's cache (shared between processes when ``CACHE_URL`` is Redis).
    """
    from django.core.cache import cache

    limit = int(settings.KOMPLAN_COMMENT_RATE_LIMIT)
    window = int(settings.KOMPLAN_COMMENT_RATE_WINDOW_SECONDS)
    key = f"komplan:comment-rate:{address_hash}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _lock_consultation(consultation_id: int) -> ConsultationPeriod:
    try:
        return (
            ConsultationPeriod.objects.select_for_update()
            .select_related("process")
            .get(pk=consultation_id)
        )
    except (ConsultationPeriod.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Consultation not found.")) from None


def _next_number(consultation: ConsultationPeriod, received_at: dt.datetime) -> tuple[int, str]:
    """The next running number and receipt number; the caller holds the consultation's lock."""
    last = consultation.comments.aggregate(last=Max("number"))["last"] or 0
    number = last + 1
    year = received_at.astimezone(consultation.zone).year
    return number, f"{year}-{number:04d}"


def _check_target(consultation: ConsultationPeriod, target: dict[str, Any]) -> None:
    for field in ("target_priority", "target_measure", "target_activity"):
        node = target.get(field)
        if node is not None and node.process_id != consultation.process_id:
            raise ValidationFailed(
                _("The part of the plan belongs to another process."),
                errors={field: [_("Choose a part of this plan.")]},
            )


def _check_text(text: str, proposed_change: str) -> None:
    if not text or not text.strip():
        raise ValidationFailed(
            _("Write the comment."), errors={"text": [_("This field is required.")]}
        )
    if len(text) > MAX_TEXT or len(proposed_change) > MAX_TEXT:
        raise ValidationFailed(
            _("The comment is too long."),
            errors={"text": [_("At most %(n)s characters.") % {"n": MAX_TEXT}]},
        )


@transaction.atomic
def comment_submit_public(
    *,
    consultation_id: int,
    name: str,
    email: str,
    text: str,
    consents_to_processing: bool,
    idempotency_token: uuid.UUID,
    organization: str = "",
    proposed_change: str = "",
    consents_to_public_name: bool = False,
    target_text: str = "",
    address_hash: str = "",
    **target: Any,
) -> tuple[Comment, bool]:
    """A comment from the public web form (no login). Returns (comment, created).

    Refused by the server's clock outside the period (ConsultationClosed after ``closes_at``),
    whatever any task did. The same ``idempotency_token`` stores one comment: a repeated
    submission returns the first. The running number is allocated under the consultation's row
    lock (and a unique constraint), so concurrent submissions never share a receipt number.
    Side effect after commit: the receipt e-mail.
    """
    consultation = _lock_consultation(consultation_id)
    existing = Comment.objects.filter(
        consultation=consultation, idempotency_token=idempotency_token
    ).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    phase = consultation.phase_at(now)
    if phase != ConsultationPeriod.Phase.OPEN:
        if now > consultation.closes_at:
            raise ConsultationClosed(
                _("The consultation closed on %(when)s. Comments can no longer be submitted.")
                % {"when": consultation.closes_local.strftime("%d. %m. %Y %H:%M")}
            )
        raise ConsultationNotOpen(
            _("The consultation opens on %(when)s.")
            % {"when": consultation.opens_local.strftime("%d. %m. %Y %H:%M")}
        )
    if not consultation.accepts_web:
        raise ValidationFailed(_("This consultation does not take comments through the web."))
    if not consents_to_processing:
        raise ValidationFailed(
            _("Without consent to the processing of personal data we cannot record the comment."),
            errors={"consents_to_processing": [_("This field is required.")]},
        )
    _check_text(text, proposed_change)
    _check_target(consultation, target)
    number, receipt = _next_number(consultation, now)
    comment = record_save(
        Comment(
            consultation=consultation,
            number=number,
            receipt_number=receipt,
            channel=Comment.Channel.WEB,
            received_at=now,
            entered_at=now,
            submitter_name=name.strip(),
            submitter_email=email.strip(),
            submitter_organization=organization.strip(),
            consents_to_processing=True,
            consents_to_public_name=consents_to_public_name,
            target_text=target_text.strip(),
            text=text.strip(),
            proposed_change=proposed_change.strip(),
            idempotency_token=idempotency_token,
            ip_hash=address_hash,
            **target,
        ),
        actor=None,
        reason="Připomínka z webového formuláře",
    )
    _audit_comment_received(comment, None)
    _queue_receipt(comment)
    return comment, True


def _queue_receipt(comment: Comment) -> None:
    if not comment.submitter_email:
        return
    from workflow.tasks_consultation import comment_receipt_send

    comment_id = comment.pk
    transaction.on_commit(lambda: comment_receipt_send.delay(comment_id))


@transaction.atomic
def comment_enter(
    *,
    actor: Actor,
    consultation: ConsultationPeriod,
    channel: str,
    received: dt.datetime | dt.date,
    text: str,
    name: str = "",
    email: str = "",
    organization: str = "",
    proposed_change: str = "",
    consents_to_processing: bool = False,
    consents_to_public_name: bool = False,
    target_text: str = "",
    reason: str = "",
    **target: Any,
) -> Comment:
    """The coordinator enters a comment received by e-mail, on paper or at the public hearing.

    Needs: ``workflow.manage_process``. A date received means that day (the postmark counts);
    a comment received after ``closes_at`` is stored and flagged late, never dropped. The date
    may not lie in the future.
    """
    locked = _lock_consultation(consultation.pk)
    _require_manager(actor, locked.process, _("You may not enter comments in this process."))
    if channel not in Comment.Channel.values or channel == Comment.Channel.WEB:
        raise ValidationFailed(
            _("Choose how the comment arrived."),
            errors={"channel": [_("E-mail, paper or public hearing.")]},
        )
    if locked.status == ConsultationPeriod.Status.SETTLEMENT_PUBLISHED:
        raise ValidationFailed(_("The settlement of this consultation is already published."))
    now = timezone.now()
    received_at = _as_aware(received, locked.zone, end=False)
    if received_at > now:
        raise ValidationFailed(
            _("The date received cannot be in the future."),
            errors={"received": [_("The date received cannot be in the future.")]},
        )
    _check_text(text, proposed_change)
    _check_target(locked, target)
    number, receipt = _next_number(locked, received_at)
    comment = record_save(
        Comment(
            consultation=locked,
            number=number,
            receipt_number=receipt,
            channel=channel,
            received_at=received_at,
            entered_at=now,
            entered_by=actor if actor is not None and actor.is_authenticated else None,
            is_late=received_at > locked.closes_at,
            submitter_name=name.strip(),
            submitter_email=email.strip(),
            submitter_organization=organization.strip(),
            consents_to_processing=consents_to_processing,
            consents_to_public_name=consents_to_public_name,
            target_text=target_text.strip(),
            text=text.strip(),
            proposed_change=proposed_change.strip(),
            **target,
        ),
        actor=actor,
        reason=reason or _("Comment entered by the coordinator"),
    )
    _audit_comment_received(comment, actor)
    _queue_receipt(comment)
    return comment


# --- settlement ----------------------------------------------------------------------------------


@transaction.atomic
def comment_settle(
    *,
    actor: Actor,
    comment: Comment,
    comment_type: str,
    decision: str,
    justification: str = "",
    change_reference: str = "",
    steering_decision: Decision | None = None,
    reason: str = "",
) -> Comment:
    """Record the settlement of one comment: its type, decision and justification.

    Needs: ``workflow.manage_process``. Keeps: a justification unless accepted; when the
    consultation has ``substantive_by_steering_group``, a substantive comment is settled only
    after the period closed and on an adopted decision of this process's steering group. A
    published settlement is final.
    """
    consultation = _lock_consultation(comment.consultation_id)
    _require_manager(actor, consultation.process, _("You may not settle comments here."))
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    errors: dict[str, list[str]] = {}
    if consultation.status == ConsultationPeriod.Status.SETTLEMENT_PUBLISHED:
        raise ValidationFailed(_("The settlement of this consultation is already published."))
    if comment_type not in Comment.Type.values:
        errors["comment_type"] = [_("Choose formal or substantive.")]
    if decision not in Comment.Decision.values:
        errors["decision"] = [_("Choose a decision.")]
    if decision != Comment.Decision.ACCEPTED and not (justification or "").strip():
        errors["justification"] = [_("Justify every decision other than acceptance.")]
    if comment_type == Comment.Type.SUBSTANTIVE and consultation.substantive_by_steering_group:
        if not consultation.is_closed_at():
            errors["comment_type"] = [
                _("Substantive comments are settled after the consultation closes.")
            ]
        if steering_decision is None:
            errors["steering_decision"] = [
                _("A substantive comment is settled by a steering-group decision.")
            ]
        elif (
            steering_decision.process_id != consultation.process_id
            or steering_decision.status != Decision.Status.ADOPTED
            or steering_decision.body.kind != Body.Kind.STEERING_GROUP
        ):
            errors["steering_decision"] = [
                _("The decision must be an adopted decision of this process's steering group.")
            ]
    if errors:
        raise ValidationFailed(_("The settlement cannot be recorded."), errors=errors)
    locked.comment_type = comment_type
    locked.decision = decision
    locked.justification = (justification or "").strip()
    locked.change_reference = (change_reference or "").strip()
    locked.steering_decision = steering_decision
    locked.decided_by = actor if actor is not None and actor.is_authenticated else None
    locked.decided_by_id_snapshot = getattr(actor, "pk", None)
    locked.decided_at = timezone.now()
    locked = record_save(locked, actor=actor, reason=reason or _("Comment settled"))
    _audit(
        locked.consultation,
        AuditEvent.Kind.COMMENT_SETTLED,
        actor,
        {
            "number": locked.number,
            "comment_type": locked.comment_type,
            "decision": locked.decision,
            "steering_decision_id": locked.steering_decision_id,
            "is_late": locked.is_late,
        },
        obj=locked,
    )
    return locked


def unsettled_comments(consultation: ConsultationPeriod) -> list[str]:
    """Receipt numbers of the comments without a decision, in order."""
    return list(
        consultation.comments.filter(decision="")
        .order_by("number")
        .values_list("receipt_number", flat=True)
    )


@transaction.atomic
def consultation_mark_settled(
    *, actor: Actor, consultation: ConsultationPeriod, reason: str = ""
) -> ConsultationPeriod:
    """Close the register: the period is over by the clock and every comment is settled.

    Needs: ``workflow.manage_process``.
    """
    locked = _lock_consultation(consultation.pk)
    _require_manager(actor, locked.process, _("You may not settle this consultation."))
    if locked.status != ConsultationPeriod.Status.SCHEDULED:
        raise ValidationFailed(_("The consultation is already settled."))
    if not locked.is_closed_at():
        raise ValidationFailed(_("The consultation is still open."))
    missing = unsettled_comments(locked)
    if missing:
        raise ValidationFailed(
            _("%(count)s comments are not settled yet: %(numbers)s")
            % {"count": len(missing), "numbers": ", ".join(missing[:20])}
        )
    consultation_phase_events_record()
    locked.status = ConsultationPeriod.Status.SETTLED
    locked.settled_at = timezone.now()
    locked = record_save(locked, actor=actor, reason=reason or _("Consultation settled"))
    decided = dict(locked.comments.values_list("decision").annotate(count=Count("pk")).order_by())
    _audit(
        locked,
        AuditEvent.Kind.CONSULTATION_SETTLED,
        actor,
        {
            "comments": sum(decided.values()),
            "late": locked.comments.filter(is_late=True).count(),
            "decisions": {key: decided[key] for key in sorted(decided)},
        },
    )
    return locked


def _person_key(comment: Comment) -> str:
    return (comment.submitter_email or comment.submitter_name or f"#{comment.pk}").strip().lower()


def public_label(comment: Comment, citizen_numbers: dict[str, int]) -> str:
    """Organisations by name; a private person by name only with consent, else "Občan N"."""
    if comment.submitter_organization:
        return comment.submitter_organization
    if comment.consents_to_public_name and comment.submitter_name:
        return comment.submitter_name
    key = _person_key(comment)
    if key not in citizen_numbers:
        citizen_numbers[key] = len(citizen_numbers) + 1
    return CITIZEN_LABEL.format(n=citizen_numbers[key])


@transaction.atomic
def consultation_publish_settlement(
    *,
    actor: Actor,
    consultation: ConsultationPeriod,
    settlement_version: Any | None = None,
    reason: str = "",
) -> ConsultationPeriod:
    """Publish the settlement on the public page, pseudonymised.

    Needs: ``workflow.manage_process``; the consultation is settled. Each comment gets its
    public label (the same private person keeps one number across their comments). The labels
    are computed here, once, so that later edits of personal data cannot reshuffle them.
    """
    locked = _lock_consultation(consultation.pk)
    _require_manager(actor, locked.process, _("You may not publish this settlement."))
    if locked.status != ConsultationPeriod.Status.SETTLED:
        raise ValidationFailed(_("Only a settled consultation can have its settlement published."))
    if settlement_version is not None:
        if (
            settlement_version.document.process_id != locked.process_id
            or settlement_version.status != PUBLISHED
        ):
            raise ValidationFailed(
                _("The settlement document must be a published version of this process.")
            )
        locked.settlement_version = settlement_version
    numbers: dict[str, int] = {}
    for comment in locked.comments.select_for_update().order_by("number"):
        comment.pseudonym = public_label(comment, numbers)
        record_save(comment, actor=actor, reason=_("Public label assigned"))
    locked.status = ConsultationPeriod.Status.SETTLEMENT_PUBLISHED
    locked.settlement_published_at = timezone.now()
    locked = record_save(locked, actor=actor, reason=reason or _("Settlement published"))
    _audit(
        locked,
        AuditEvent.Kind.SETTLEMENT_PUBLISHED,
        actor,
        {
            "settlement_version_id": locked.settlement_version_id,
            "settlement_sha256": (
                locked.settlement_version.sha256 if locked.settlement_version_id else ""
            ),
        },
    )
    return locked


def settlement_context(consultation: ConsultationPeriod) -> dict[str, Any]:
    """Plain data for the settlement DOCX (``documents.services.rendering.SettlementContext``)."""
    numbers: dict[str, int] = {}
    comments = (
        consultation.comments.select_related(
            "target_priority", "target_measure", "target_activity", "steering_decision"
        )
        .order_by("number")
        .all()
    )
    version = consultation.document_version
    decided = sorted(
        {
            c.steering_decision.held_at or c.steering_decision.closed_at
            for c in comments
            if c.steering_decision_id
            and (c.steering_decision.held_at or c.steering_decision.closed_at)
        }
    )
    return {
        "document": f"{version.document.title}, verze {version.number}",
        "consultation": (
            f"{consultation.opens_local:%d. %m. %Y} – {consultation.closes_local:%d. %m. %Y}"
        ),
        "decided_by": ", ".join(
            f"Řídící skupina dne {moment.astimezone(consultation.zone):%d. %m. %Y}"
            for moment in decided
        ),
        "comments": [
            {
                "number": c.receipt_number,
                "received_on": f"{c.received_at.astimezone(consultation.zone):%d. %m. %Y}",
                "submitter": c.pseudonym or public_label(c, numbers),
                "document_part": c.target_label,
                "text": c.text,
                "decision": str(Comment.Decision(c.decision).label) if c.decision else "",
                "justification": c.justification,
            }
            for c in comments
        ],
    }


def settlement_generate(*, actor: Actor, consultation: ConsultationPeriod) -> Any:
    """Queue the settlement annex (DOCX from the territory's template) as a draft version.

    Needs what ``documents.services.generation.generation_request`` needs (edit drafts).
    """
    from documents.models.plan import DocumentKind
    from documents.services.generation import generation_request

    return generation_request(
        actor=actor,
        process=consultation.process,
        kind=DocumentKind.SETTLEMENT,
        data=settlement_context(consultation),
    )


# --- reminders and digests -----------------------------------------------------------------------


def consultation_recipients(process_id: int, on: dt.date) -> list[str]:
    """E-mails of the coordinator(s) and the current steering-group members of the process."""
    emails = (
        Membership.objects.current(on)
        .filter(body__process_id=process_id, body__kind=Body.Kind.STEERING_GROUP)
        .exclude(person__email="")
        .values_list("person__email", flat=True)
    )
    return sorted(set(emails))


def _send_once(
    consultation: ConsultationPeriod,
    kind: str,
    period_key: str,
    subject: str,
    body: str,
    *,
    items: int = 0,
) -> bool:
    """Record and send one notice; a notice already recorded is not sent again."""
    recipients = consultation_recipients(consultation.process_id, timezone.localdate())
    try:
        with transaction.atomic():
            ConsultationNotice.objects.create(
                consultation=consultation,
                kind=kind,
                period_key=period_key,
                recipients=len(recipients),
                items=items,
            )
            # Inside the transaction: a failed sending rolls the record back for the next run;
            # a concurrent run waits on the unique row and then skips.
            if recipients:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except IntegrityError:
        return False
    return bool(recipients)


def consultation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """E-mail the coordinator and the steering group N days before the close and at the close.

    N is ``KOMPLAN_CONSULTATION_REMINDER_DAYS``. Each reminder is sent once per closing time
    (a re-planned close gets its own reminders). Returns the number of e-mails sent.
    """
    moment = now or timezone.now()
    days = int(settings.KOMPLAN_CONSULTATION_REMINDER_DAYS)
    sent = 0
    candidates = ConsultationPeriod.objects.select_related("process").filter(
        status=ConsultationPeriod.Status.SCHEDULED,
        closes_at__lte=moment + dt.timedelta(days=days),
        closes_at__gte=moment - dt.timedelta(days=days),
    )
    for consultation in candidates:
        key = consultation.closes_at.isoformat()
        closes = consultation.closes_local.strftime("%d. %m. %Y %H:%M")
        total = consultation.comments.count()
        if moment > consultation.closes_at:
            kind = ConsultationNotice.Kind.CLOSED
            subject = _("Consultation closed: %(title)s") % {"title": consultation.title}
            body = _(
                "The public consultation %(title)s closed on %(closes)s with %(count)s comments. "
                "Settle every comment and publish the settlement."
            ) % {"title": consultation.title, "closes": closes, "count": total}
        elif moment >= consultation.opens_at:
            kind = ConsultationNotice.Kind.CLOSING_SOON
            subject = _("Consultation closes on %(closes)s: %(title)s") % {
                "closes": closes,
                "title": consultation.title,
            }
            body = _(
                "The public consultation %(title)s closes on %(closes)s. %(count)s comments so far."
            ) % {"title": consultation.title, "closes": closes, "count": total}
        else:
            continue
        if ConsultationNotice.objects.filter(
            consultation=consultation, kind=kind, period_key=key
        ).exists():
            continue
        sent += _send_once(consultation, kind, key, subject, body, items=total)
    return sent


def consultation_digest_send(*, now: dt.datetime | None = None) -> int:
    """Once a day per consultation: the comments entered on the previous day (its time zone).

    Each day's digest is sent once; a day without new comments sends nothing.
    """
    moment = now or timezone.now()
    sent = 0
    active = ConsultationPeriod.objects.select_related("process").filter(
        status=ConsultationPeriod.Status.SCHEDULED,
        opens_at__lte=moment,
        closes_at__gte=moment - dt.timedelta(days=2),
    )
    for consultation in active:
        zone = consultation.zone
        day = moment.astimezone(zone).date() - dt.timedelta(days=1)
        key = day.isoformat()
        if ConsultationNotice.objects.filter(
            consultation=consultation, kind=ConsultationNotice.Kind.DIGEST, period_key=key
        ).exists():
            continue
        new = list(
            consultation.comments.filter(
                entered_at__gte=start_of_day(day, zone),
                entered_at__lt=start_of_day(day + dt.timedelta(days=1), zone),
            )
            .order_by("number")
            .values_list("receipt_number", "channel", "is_late")
        )
        if not new:
            continue
        subject = _("%(count)s new comments on %(day)s: %(title)s") % {
            "count": len(new),
            "day": day.strftime("%d. %m. %Y"),
            "title": consultation.title,
        }
        lines = [
            f"{receipt} ({Comment.Channel(channel).label}){' – ' + _('late') if late else ''}"
            for receipt, channel, late in new
        ]
        body = "\n".join([str(subject), "", *lines])
        sent += _send_once(
            consultation, ConsultationNotice.Kind.DIGEST, key, subject, body, items=len(new)
        )
    return sent


def comment_receipt_send(*, comment_id: int) -> bool:
    """The receipt e-mail to the submitter; sent once (recorded under the comment's row lock)."""
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update()
            .select_related("consultation")
            .filter(pk=comment_id, confirmation_sent_at__isnull=True)
            .first()
        )
        if comment is None or not comment.submitter_email:
            return False
        consultation = comment.consultation
        subject = _("Your comment was received: %(receipt)s") % {"receipt": comment.receipt_number}
        body = _(
            "Thank you for your comment on %(title)s.\n"
            "Receipt number: %(receipt)s\nReceived: %(received)s\n\n"
            "Every comment is settled and the settlement is published on the consultation page."
        ) % {
            "title": consultation.title,
            "receipt": comment.receipt_number,
            "received": comment.received_at.astimezone(consultation.zone).strftime(
                "%d. %m. %Y %H:%M"
            ),
        }
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [comment.submitter_email])
        comment.confirmation_sent_at = timezone.now()
        record_save(comment, actor=None, reason="Potvrzení odesláno")
        return True


# --- news ----------------------------------------------------------------------------------------


@transaction.atomic
def news_item_create(
    *,
    actor: Actor,
    process: PlanningProcess,
    title: str,
    text: str = "",
    publish: bool = False,
    reason: str = "",
) -> NewsItem:
    """A short announcement for the process's public page: a draft, or published at once.

    Needs: ``workflow.manage_process``.
    """
    _require_manager(actor, process, _("You may not publish news of this process."))
    return record_save(
        NewsItem(
            process=process,
            title=title.strip(),
            text=text.strip(),
            published_at=timezone.now() if publish else None,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        ),
        actor=actor,
        reason=reason or (_("News published") if publish else _("News item drafted")),
    )


def news_item_publish(
    *, actor: Actor, process: PlanningProcess, title: str, text: str = "", reason: str = ""
) -> NewsItem:
    """Publish a short announcement on the process's public page. Needs: manage_process."""
    return news_item_create(
        actor=actor, process=process, title=title, text=text, publish=True, reason=reason
    )


@transaction.atomic
def news_item_update(
    *, actor: Actor, item: NewsItem, title: str, text: str = "", reason: str = ""
) -> NewsItem:
    """Correct a news item's title and text (published or not). Needs: manage_process."""
    locked = NewsItem.objects.select_for_update().select_related("process").get(pk=item.pk)
    _require_manager(actor, locked.process, _("You may not publish news of this process."))
    locked.title = title.strip()
    locked.text = text.strip()
    return record_save(locked, actor=actor, reason=reason or _("News item edited"))


@transaction.atomic
def news_item_set_published(
    *, actor: Actor, item: NewsItem, published: bool, reason: str = ""
) -> NewsItem:
    """Publish a draft now, or withdraw a published item from the public page.

    Needs: ``workflow.manage_process``. Publishing an item already published keeps its date.
    """
    locked = NewsItem.objects.select_for_update().select_related("process").get(pk=item.pk)
    _require_manager(actor, locked.process, _("You may not publish news of this process."))
    if published and locked.published_at is None:
        locked.published_at = timezone.now()
    elif not published:
        locked.published_at = None
    return record_save(
        locked,
        actor=actor,
        reason=reason or (_("News published") if published else _("News item withdrawn")),
    )
