"""A document version is approved or returned only on the strength of a steering-group decision
on that very version: adopted (or, for a return, voted down), quorate, and used once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone

from documents import services as document_services
from documents.models import Document, DocumentVersion
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from tests.documents.samples import docx_bytes
from tests.workflow.conftest import Cycle, build_cycle
from workflow import services
from workflow.exceptions import UnmetConditions
from workflow.models import Decision, Transition
from workflow.services.documents import (
    document_version_approve,
    document_version_decision_create,
    document_version_return,
)

pytestmark = pytest.mark.django_db

Status = DocumentVersion.Status


@pytest.fixture
def cycle(superuser) -> Cycle:
    return build_cycle(superuser)


def submitted_version(cycle: Cycle, title: str = "Komunitní plán") -> DocumentVersion:
    document = document_services.document_create(
        actor=cycle.coordinator,
        process=cycle.process,
        kind=Document.Kind.COMMUNITY_PLAN,
        title=title,
    )
    version = document_services.version_upload(
        actor=cycle.users["methodologist"],
        document=document,
        stream=io.BytesIO(docx_bytes(["Návrh plánu"])),
        filename="plan.docx",
    )
    return document_services.version_submit(actor=cycle.users["methodologist"], version=version)


def decide(cycle: Cycle, version: DocumentVersion, votes: list[str], present: int = 4) -> Decision:
    decision = document_version_decision_create(
        actor=cycle.coordinator,
        version=version,
        body=cycle.steering_group,
        title=f"Schválení verze {version.number}",
        mode=Decision.Mode.MEETING,
    )
    services.decision_set_present(
        actor=cycle.coordinator, decision=decision, memberships=cycle.voters[:present]
    )
    for membership, choice in zip(cycle.voters, votes, strict=False):
        services.vote_cast(
            actor=cycle.coordinator, decision=decision, membership=membership, choice=choice
        )
    return services.decision_close(actor=cycle.coordinator, decision=decision)


def test_adopted_decision_approves_the_version(cycle):
    version = submitted_version(cycle)
    decision = decide(cycle, version, ["for"] * 4)

    approved = document_version_approve(
        actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk
    )

    assert approved.status == Status.APPROVED
    assert approved.approved_by_decision == decision
    assert list(decision.document_version.decisions.all()) == [decision]
    record = approved.history.latest()
    assert record.history_user == cycle.coordinator
    assert decision.title in record.history_change_reason


def test_steering_group_member_with_approve_document_may_apply_it(cycle):
    version = submitted_version(cycle)
    decision = decide(cycle, version, ["for"] * 4)
    approved = document_version_approve(
        actor=cycle.users["chair"], version_id=version.pk, decision_id=decision.pk
    )
    assert approved.status == Status.APPROVED


@pytest.mark.parametrize("who", ["observer", "methodologist"])
def test_others_may_not_apply_a_decision(cycle, who):
    version = submitted_version(cycle)
    decision = decide(cycle, version, ["for"] * 4)
    with pytest.raises(PermissionDenied):
        document_version_approve(
            actor=cycle.users[who], version_id=version.pk, decision_id=decision.pk
        )
    assert DocumentVersion.objects.get(pk=version.pk).status == Status.SUBMITTED


def test_rejected_decision_returns_the_version_with_reasons(cycle):
    version = submitted_version(cycle)
    decision = decide(cycle, version, ["against"] * 4)
    assert decision.status == Decision.Status.REJECTED
    with pytest.raises(UnmetConditions) as unmet:
        document_version_approve(
            actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk
        )
    assert unmet.value.codes == ["decision_not_adopted"]

    with pytest.raises(ValidationFailed):
        document_version_return(
            actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk, reasons=" "
        )
    returned = document_version_return(
        actor=cycle.coordinator,
        version_id=version.pk,
        decision_id=decision.pk,
        reasons="Chybí ekonomické vyhodnocení (§ 3 h) písm. b).",
    )
    assert returned.status == Status.RETURNED
    assert returned.returned_by_decision == decision
    assert returned.returned_reason.startswith("Chybí ekonomické vyhodnocení")


def _open_decision(cycle, version):
    return document_version_decision_create(
        actor=cycle.coordinator,
        version=version,
        body=cycle.steering_group,
        title="Otevřené hlasování",
        mode=Decision.Mode.MEETING,
    )


def _no_quorum(cycle, version):
    return decide(cycle, version, ["for"], present=1)


def _other_version(cycle, version):
    other = submitted_version(cycle, title="Akční plán")
    return decide(cycle, other, ["for"] * 4)


def _stage_decision(cycle, version):
    decision = services.decision_create(
        actor=cycle.coordinator,
        process=cycle.process,
        body=cycle.steering_group,
        subject=Decision.Subject.STAGE_TRANSITION,
        transition=Transition.START_MAPPING,
        title="Zahájení mapování",
        mode=Decision.Mode.MEETING,
    )
    services.decision_set_present(
        actor=cycle.coordinator, decision=decision, memberships=cycle.voters
    )
    for membership in cycle.voters:
        services.vote_cast(
            actor=cycle.coordinator, decision=decision, membership=membership, choice="for"
        )
    return services.decision_close(actor=cycle.coordinator, decision=decision)


def _used(cycle, version):
    decision = decide(cycle, version, ["for"] * 4)
    document_version_approve(
        actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk
    )
    return decision


# decision → the unmet conditions reported (all at once)
CASES = {
    "open": (_open_decision, ["decision_open"]),
    "not quorate": (_no_quorum, ["decision_not_quorate"]),
    "about another version": (_other_version, ["decision_other_subject"]),
    "about a stage transition": (_stage_decision, ["decision_other_subject"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_decisions_that_do_not_authorise(cycle, case):
    make, codes = CASES[case]
    version = submitted_version(cycle)
    decision = make(cycle, version)
    for service in (document_version_approve, document_version_return):
        kwargs = {"reasons": "Důvody"} if service is document_version_return else {}
        with pytest.raises(UnmetConditions) as unmet:
            service(
                actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk, **kwargs
            )
        assert unmet.value.codes == codes
    assert DocumentVersion.objects.get(pk=version.pk).status == Status.SUBMITTED


def test_a_decision_is_applied_once(cycle):
    version = submitted_version(cycle)
    decision = _used(cycle, version)
    with pytest.raises(UnmetConditions) as unmet:
        document_version_return(
            actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk, reasons="x"
        )
    assert "decision_already_used" in unmet.value.codes


def test_decision_of_another_process_is_not_found(cycle, superuser):
    version = submitted_version(cycle)
    other = build_cycle(superuser, code="3214", name="ORP Sušice")
    foreign = _stage_decision(other, version)
    with pytest.raises(NotFound):
        document_version_approve(
            actor=cycle.coordinator, version_id=version.pk, decision_id=foreign.pk
        )


def test_only_submitted_versions_are_put_to_the_vote(cycle):
    document = document_services.document_create(
        actor=cycle.coordinator, process=cycle.process, kind="swot", title="SWOT"
    )
    draft = document_services.version_upload(
        actor=cycle.coordinator, document=document, stream=docx_bytes(["x"]), filename="s.docx"
    )
    with pytest.raises(ValidationFailed):
        _open_decision(cycle, draft)


def test_a_document_decision_must_name_its_version(cycle):
    with pytest.raises(ValidationFailed):
        services.decision_create(
            actor=cycle.coordinator,
            process=cycle.process,
            body=cycle.steering_group,
            subject=Decision.Subject.DOCUMENT_VERSION,
            title="Bez verze",
            mode=Decision.Mode.MEETING,
        )


def test_per_rollam_decision_past_its_deadline_is_closed_and_applied(cycle):
    version = submitted_version(cycle)
    closes_at = timezone.now() + dt.timedelta(days=3)
    decision = document_version_decision_create(
        actor=cycle.coordinator,
        version=version,
        body=cycle.steering_group,
        title="Per rollam",
        mode=Decision.Mode.PER_ROLLAM,
        voting_closes_at=closes_at,
    )
    for key in ("chair", "provider", "user"):
        services.vote_cast(actor=cycle.users[key], decision=decision, choice="for")
    with time_machine.travel(closes_at + dt.timedelta(minutes=1)):
        approved = document_version_approve(
            actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk
        )
    assert approved.status == Status.APPROVED
    assert Decision.objects.get(pk=decision.pk).status == Decision.Status.ADOPTED
