"""One planning cycle from preparation to closed, through services only.

Each step is taken by the role that takes it in a Czech municipality: the methodologist writes
and submits documents, the steering group decides at its meetings (the coordinator records the
votes of those present), a working-group member drafts their group's priority, the public
comments through the web form, the coordinator enters a late paper comment and settles the
comments, the council secretary records the resolutions of the board and the assembly, and
the coordinator moves the process on the strength of the decisions and the resolution.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone

from documents import services as document_services
from documents.services import plan as plan_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Body, Membership
from tests.documents.samples import approve, docx_bytes, make_document, upload
from tests.factories import UserFactory
from tests.workflow.test_resolutions import build_council, point, record
from workflow import services
from workflow.models import Comment, PlanningProcess, Stage, StageTransition, Transition

pytestmark = pytest.mark.django_db


def _approved_document(cycle, kind: str, title: str):
    document = make_document(cycle, kind=kind, title=title)
    version = upload(cycle, document, docx_bytes([title, "Text dokumentu."]))
    version = document_services.version_submit(actor=cycle.users["methodologist"], version=version)
    return approve(cycle, version)


def _step(cycle, transition: str, reason: str, actor=None, **kwargs) -> StageTransition:
    decision = cycle.adopted_decision(transition)
    return services.process_transition(
        actor=actor or cycle.coordinator,
        process_id=cycle.process.pk,
        transition=transition,
        reason=reason,
        decision_id=decision.pk,
        **kwargs,
    )


def test_a_whole_cycle_through_services(cycle, superuser):
    council = build_council(cycle)
    process = cycle.process

    # A working group with a member who drafts the seniors' part of the plan.
    seniors = stakeholder_services.target_group_create(
        actor=superuser, code="seniori", name="Senioři"
    )
    working_group = stakeholder_services.body_create(
        actor=cycle.coordinator,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=process,
        target_group=seniors,
    )
    wg_user = UserFactory(username="clen-ps")
    wg_person = stakeholder_services.person_create(
        actor=cycle.coordinator, first_name="Alena", last_name="Kubíčková", user=wg_user
    )
    stakeholder_services.membership_create(
        actor=cycle.coordinator,
        person=wg_person,
        body=working_group,
        role=Membership.Role.MEMBER,
        triad_side=Membership.TriadSide.PROVIDER,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )

    # preparation → mapping: the founding charter, approved by the steering group and the board
    charter = _approved_document(cycle, "founding_charter", "Základní listina KPSS")
    record(
        council.secretary,
        council.board,
        adopted_on=timezone.localdate(),
        process=process,
        document_version=charter,
        document_action="approve",
        points=[point("Základní listinu komunitního plánování")],
    )
    _step(cycle, Transition.START_MAPPING, "Základní listina schválena radou")

    # mapping → working groups: the four analyses
    for kind, title in [
        ("socio_demographic_analysis", "Sociodemografická analýza"),
        ("provider_analysis", "Analýza poskytovatelů"),
        ("resources_analysis", "Analýza zdrojů a financování"),
        ("user_needs_survey", "Průzkum potřeb uživatelů"),
    ]:
        _approved_document(cycle, kind, title)
    _step(cycle, Transition.START_WORKING_GROUPS, "Analýzy schváleny")

    # working groups → public consultation: the group's part, the approved and published draft,
    # a consultation scheduled on it
    plan_services.plan_priority_create(
        actor=wg_user,
        process=process,
        number="1",
        title="Senioři mohou žít doma",
        working_group=working_group,
    )
    draft = _approved_document(cycle, "community_plan", "Návrh komunitního plánu")
    draft = document_services.version_publish(actor=cycle.coordinator, version=draft)
    today = timezone.localdate()
    consultation = services.consultation_schedule(
        actor=cycle.coordinator,
        process=process,
        document_version=draft,
        title="Připomínkování návrhu plánu",
        opens=today,
        closes=today + dt.timedelta(days=30),
    )
    _step(cycle, Transition.OPEN_CONSULTATION, "Návrh zveřejněn k připomínkám")

    # The public comments on the web; after the close a paper comment arrives and is kept, late.
    web, created = services.comment_submit_public(
        consultation_id=consultation.pk,
        name="Jan Novák",
        email="jan@example.cz",
        text="Chybí odlehčovací služba.",
        consents_to_processing=True,
        idempotency_token=uuid.uuid4(),
    )
    assert created
    with time_machine.travel(consultation.closes_at + dt.timedelta(days=2), tick=False):
        paper = services.comment_enter(
            actor=cycle.coordinator,
            consultation=consultation,
            channel=Comment.Channel.PAPER,
            received=timezone.localdate(),
            text="Prosíme o rozšíření pečovatelské služby.",
            name="Marie Dvořáková",
        )
        assert paper.is_late and not web.is_late
        for comment in (web, paper):
            services.comment_settle(
                actor=cycle.coordinator,
                comment=comment,
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.NOTED,
                justification="Vzato na vědomí, řeší akční plán.",
            )
        _approved_document(cycle, "settlement_of_comments", "Vypořádání připomínek")
        _step(cycle, Transition.SUBMIT_TO_COUNCIL, "Připomínky vypořádány")

        # council approval → implementation: the chain adopts exactly the submitted version
        record(
            cycle.admin,
            cycle.steering_group,
            adopted_on=timezone.localdate(),
            process=process,
            document_version=draft,
            document_action="recommend",
            points=[point(verb="recommends")],
        )
        record(
            council.secretary,
            council.board,
            adopted_on=timezone.localdate(),
            process=process,
            document_version=draft,
            document_action="recommend",
            points=[point(verb="recommends")],
        )
        approving = record(
            council.secretary,
            council.assembly,
            adopted_on=timezone.localdate(),
            process=process,
            session=24,
            document_version=draft,
            document_action="approve",
        )
        assert approving.document_sha256 == draft.sha256
        _step(
            cycle,
            Transition.START_IMPLEMENTATION,
            f"Schváleno usnesením ZM č. {approving.number}",
            actor=council.secretary,
            resolution_id=approving.pk,
        )

        # implementation → closed: the period (2023–2025) is over; the final evaluation
        _approved_document(cycle, "action_plan_evaluation", "Závěrečné vyhodnocení plánu")
        _step(cycle, Transition.CLOSE, "Období plánu skončilo, vyhodnocení schváleno")

    process = PlanningProcess.objects.get(pk=process.pk)
    assert process.stage == Stage.CLOSED
    records = list(StageTransition.objects.filter(process=process).order_by("performed_at", "pk"))
    assert [(r.from_stage, r.to_stage) for r in records] == [
        (Stage.PREPARATION, Stage.MAPPING),
        (Stage.MAPPING, Stage.WORKING_GROUPS),
        (Stage.WORKING_GROUPS, Stage.PUBLIC_CONSULTATION),
        (Stage.PUBLIC_CONSULTATION, Stage.COUNCIL_APPROVAL),
        (Stage.COUNCIL_APPROVAL, Stage.IMPLEMENTATION),
        (Stage.IMPLEMENTATION, Stage.CLOSED),
    ]
    assert [r.actor for r in records] == [cycle.coordinator] * 4 + [
        council.secretary,
        cycle.coordinator,
    ]
    assert all(r.decision is not None and r.decision.is_adopted for r in records)
    assert records[4].resolution == approving
    stages = [h.stage for h in process.history.order_by("history_date", "history_id")]
    assert stages == [
        Stage.PREPARATION,
        Stage.MAPPING,
        Stage.WORKING_GROUPS,
        Stage.PUBLIC_CONSULTATION,
        Stage.COUNCIL_APPROVAL,
        Stage.IMPLEMENTATION,
        Stage.CLOSED,
    ]
    history_actors = [h.history_user for h in process.history.order_by("history_date")][1:]
    assert history_actors == [r.actor for r in records]
    assert process.history.latest().history_change_reason.startswith("Období plánu skončilo")

    # The audit trail of the process: every business event of the cycle, one unbroken chain,
    # in the order the events happened, with no personal data in any payload.
    from audit.models import AuditEvent
    from audit.verify import verify_chains

    events = list(AuditEvent.objects.filter(process=process).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    kinds = {e.kind for e in events}
    assert {
        "stage_transition",
        "decision_recorded",
        "vote_cast",
        "decision_closed",
        "version_submitted",
        "version_approved",
        "version_published",
        "comment_received",
        "comment_settled",
        "resolution_recorded",
        "permission_granted",
    } <= kinds
    transitions = [e for e in events if e.kind == "stage_transition"]
    assert [(e.payload["from_stage"], e.payload["to_stage"]) for e in transitions] == [
        (r.from_stage, r.to_stage) for r in records
    ]
    assert [e.actor_id for e in transitions] == [r.actor.pk for r in records]
    result = verify_chains(process_ids=[process.pk])
    assert result.ok and result.events == len(events)
