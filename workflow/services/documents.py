"""Approving or returning a document version on the strength of a steering-group decision.

A decision is a workflow object and a version's state belongs to ``documents``: the services here
check the decision and then call the documents service that moves the version. Locks: the
decision row first, then (inside the documents service) the document and the version.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import services as document_services
from documents.models import DocumentVersion
from documents.permissions import can_decide_version
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from stakeholders.models import Body
from stakeholders.services import Actor, record_save
from workflow.exceptions import UnmetConditions
from workflow.guards import UnmetCondition
from workflow.models import Decision
from workflow.permissions import can_view_process
from workflow.services.decisions import _can_run_decision, decision_close

# The outcomes of a decision that may carry each action: a version is approved only by an adopted
# decision; it is returned by an adopted decision (to return it) or by one that was voted down
# (the steering group did not approve it). A decision that was not quorate authorises nothing.
APPROVING_STATUSES = frozenset({Decision.Status.ADOPTED})
RETURNING_STATUSES = frozenset({Decision.Status.ADOPTED, Decision.Status.REJECTED})


@transaction.atomic
def document_version_decision_create(
    *,
    actor: Actor,
    version: DocumentVersion,
    body: Body,
    title: str,
    mode: str,
    proposal: str = "",
    held_at: dt.datetime | None = None,
    voting_closes_at: dt.datetime | None = None,
    reason: str = "",
) -> Decision:
    """Put a submitted document version to the steering group of its process.

    Needs: ``workflow.manage_process`` (coordinator) or the body's ``record_resolution``.
    Keeps: the body is the steering group of the version's process; the version is submitted.
    """
    version = (
        DocumentVersion.objects.select_related("document__process").filter(pk=version.pk).first()
    )
    if version is None:
        raise NotFound(_("Document version not found."))
    process = version.document.process
    if not can_view_process(actor, process):
        raise NotFound(_("Planning process not found."))
    if not _can_run_decision(actor, body, process):
        raise PermissionDenied(_("You may not put proposals to this body."))
    if body.process_id != process.pk or body.kind != Body.Kind.STEERING_GROUP:
        raise ValidationFailed(
            _("Document versions are decided by the steering group of their process."),
            errors={"body": [_("Choose the steering group of this process.")]},
        )
    if version.status != DocumentVersion.Status.SUBMITTED:
        raise ValidationFailed(
            _("Only a submitted version can be put to the steering group (it is %(status)s).")
            % {"status": version.get_status_display()}
        )
    if mode == Decision.Mode.PER_ROLLAM:
        if voting_closes_at is None or voting_closes_at <= timezone.now():
            raise ValidationFailed(
                _("Per rollam voting needs a closing time in the future."),
                errors={"voting_closes_at": [_("Give a closing time in the future.")]},
            )
    elif held_at is None:
        held_at = timezone.now()
    decision = Decision(
        process=process,
        body=body,
        subject=Decision.Subject.DOCUMENT_VERSION,
        document_version=version,
        title=title,
        proposal=proposal,
        mode=mode,
        held_at=held_at if mode == Decision.Mode.MEETING else None,
        voting_closes_at=voting_closes_at if mode == Decision.Mode.PER_ROLLAM else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return record_save(decision, actor=actor, reason=reason or _("Proposal put to the vote"))


def document_decision_conditions(
    version: DocumentVersion, decision: Decision, *, allowed_statuses: frozenset[str]
) -> list[UnmetCondition]:
    """Everything wrong with the decision offered for this version (empty: it authorises)."""
    process = version.document.process
    unmet = []
    if decision.process_id != process.pk:
        unmet.append(
            UnmetCondition("decision_other_process", _("The decision belongs to another process."))
        )
    if decision.body.kind != Body.Kind.STEERING_GROUP or decision.body.process_id != process.pk:
        unmet.append(
            UnmetCondition(
                "decision_wrong_body",
                _("The decision must be taken by the steering group of this process."),
            )
        )
    if (
        decision.subject != Decision.Subject.DOCUMENT_VERSION
        or decision.document_version_id != version.pk
    ):
        unmet.append(
            UnmetCondition("decision_other_subject", _("The decision is about a different matter."))
        )
    if decision.status == Decision.Status.OPEN:
        unmet.append(
            UnmetCondition("decision_open", _("Voting on the decision has not ended yet."))
        )
    elif decision.status == Decision.Status.NO_QUORUM:
        unmet.append(
            UnmetCondition(
                "decision_not_quorate",
                _("The steering group was not quorate; the decision authorises nothing."),
            )
        )
    elif decision.status not in allowed_statuses:
        unmet.append(UnmetCondition("decision_not_adopted", _("The decision was not adopted.")))
    used = (
        DocumentVersion.objects.filter(approved_by_decision=decision).exists()
        or DocumentVersion.objects.filter(returned_by_decision=decision).exists()
    )
    if used:
        unmet.append(
            UnmetCondition(
                "decision_already_used",
                _("The decision has already been applied to a document version."),
            )
        )
    return unmet


def _load(actor: Actor, version_id: int, decision_id: int) -> tuple[DocumentVersion, Decision]:
    version = (
        DocumentVersion.objects.select_related("document__process").filter(pk=version_id).first()
    )
    if version is None or not can_view_process(actor, version.document.process):
        raise NotFound(_("Document version not found."))
    if not can_decide_version(actor, version):
        raise PermissionDenied(_("You may not record decisions on this version."))
    decision = (
        Decision.objects.select_for_update()
        .select_related("body")
        .filter(pk=decision_id, process_id=version.document.process_id)
        .first()
    )
    if decision is None:
        raise NotFound(_("Decision not found."))
    if (
        decision.status == Decision.Status.OPEN
        and decision.mode == Decision.Mode.PER_ROLLAM
        and timezone.now() > decision.voting_closes_at
    ):
        # Per rollam voting ends by the clock, whether or not the scheduled task has run.
        decision = decision_close(actor=actor, decision=decision)
    return version, decision


@transaction.atomic
def document_version_approve(
    *, actor: Actor, version_id: int, decision_id: int, reason: str = ""
) -> DocumentVersion:
    """Approve a submitted version on the strength of an adopted steering-group decision on it.

    Needs ``workflow.approve_document`` or ``workflow.manage_process`` on the process. Checks, all
    at once: the decision is of this process's steering group, about this very version, adopted
    (quorate), and not applied before. Then ``documents.services.version_approve`` moves the
    version and records the decision on it.
    """
    version, decision = _load(actor, version_id, decision_id)
    unmet = document_decision_conditions(version, decision, allowed_statuses=APPROVING_STATUSES)
    if unmet:
        raise UnmetConditions(unmet)
    return document_services.version_approve(
        actor=actor,
        version=version,
        decision=decision,
        reason=reason or _("Approved by decision: %(title)s") % {"title": decision.title},
    )


@transaction.atomic
def document_version_return(
    *, actor: Actor, version_id: int, decision_id: int, reasons: str, reason: str = ""
) -> DocumentVersion:
    """Return a submitted version with the steering group's reasons.

    The decision must be about this version, quorate and closed, either adopted (a proposal to
    return it) or not adopted (the proposal to approve it failed). Needs
    ``workflow.approve_document`` or ``workflow.manage_process``.
    """
    version, decision = _load(actor, version_id, decision_id)
    unmet = document_decision_conditions(version, decision, allowed_statuses=RETURNING_STATUSES)
    if unmet:
        raise UnmetConditions(unmet)
    return document_services.version_return(
        actor=actor,
        version=version,
        decision=decision,
        reasons=reasons,
        reason=reason or _("Returned by decision: %(title)s") % {"title": decision.title},
    )
