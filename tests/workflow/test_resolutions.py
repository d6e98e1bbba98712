"""The resolution register: numbering, votes by the council rules, the approval chain and the
transitions a resolution authorises, points and their reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.exceptions import Conflict, PermissionDenied, ValidationFailed
from stakeholders.models import Body, Membership
from tests.documents.samples import approve, docx_bytes, make_document, upload
from tests.factories import UserFactory
from workflow import guards, selectors_meetings, services
from workflow.exceptions import UnmetConditions
from workflow.models import (
    PlanningProcess,
    Resolution,
    ResolutionNumbering,
    ResolutionPoint,
    Stage,
    StageTransition,
    Transition,
)
from workflow.services import resolutions

pytestmark = pytest.mark.django_db

DAY = dt.date(2014, 9, 8)


@dataclass
class Council:
    board: Body
    assembly: Body
    secretary: Any  # keeps the resolutions of both


def build_council(cycle, *, board_seats: int = 5, assembly_seats: int = 15) -> Council:
    admin = cycle.admin
    territory = cycle.process.territory
    board = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.BOARD,
        name="Rada města",
        territory=territory,
        seat_count=board_seats,
    )
    assembly = stakeholder_services.body_create(
        actor=admin,
        kind=Body.Kind.ASSEMBLY,
        name="Zastupitelstvo města",
        territory=territory,
        seat_count=assembly_seats,
    )
    user = UserFactory(username=f"tajemnik-{territory.code}")
    person = stakeholder_services.person_create(
        actor=admin, first_name="Tomáš", last_name="Tajemník", user=user, email="taj@example.cz"
    )
    for body in (board, assembly):
        stakeholder_services.membership_create(
            actor=admin,
            person=person,
            body=body,
            role=Membership.Role.SECRETARY,
            valid_from=dt.date(2010, 1, 1),
        )
    return Council(board=board, assembly=assembly, secretary=user)


@pytest.fixture
def council(cycle) -> Council:
    return build_council(cycle)


def point(text: str = "Komunitní plán", verb: str = "approves", **kw: Any) -> dict[str, Any]:
    return {"verb": verb, "text": text, **kw}


def record(actor, body, **kw: Any) -> Resolution:
    defaults: dict[str, Any] = {
        "adopted_on": DAY,
        "title": "Komunitní plán sociálních služeb",
        "points": [point()],
        "present": body.seat_count or 4,
        "votes_for": body.seat_count or 4,
        "votes_against": 0,
        "votes_abstained": 0,
    }
    defaults.update(kw)
    return services.resolution_record(actor=actor, body=body, **defaults)


def set_stage(cycle, stage: str) -> PlanningProcess:
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(stage=stage)
    return cycle.reload()


def plan_version(cycle, text: str = "Komunitní plán 2023–2025", document=None):
    from documents import services as document_services

    document = document or make_document(cycle)
    version = upload(cycle, document, docx_bytes([text]))
    version = document_services.version_submit(actor=cycle.users["methodologist"], version=version)
    return approve(cycle, version)


def climb_chain(cycle, council: Council, version) -> Resolution:
    """The steering group and the board recommend, the assembly approves ``version``."""
    record(
        cycle.admin,
        cycle.steering_group,
        adopted_on=timezone.localdate(),
        process=cycle.process,
        document_version=version,
        document_action="recommend",
        points=[point(verb="recommends")],
    )
    record(
        council.secretary,
        council.board,
        process=cycle.process,
        document_version=version,
        document_action="recommend",
        points=[point(verb="recommends")],
    )
    return record(
        council.secretary,
        council.assembly,
        process=cycle.process,
        session=24,
        document_version=version,
        document_action="approve",
    )


# --- numbering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fields", "expected"),
    [
        ("{seq}/{session}/ZM/{year}", {"seq": 717, "session": 24, "year": 2014}, "717/24/ZM/2014"),
        ("{session}-{seq}z/{year}", {"seq": 8, "session": 3, "year": 2008}, "3-8z/2008"),
        ("Usn. {seq}/{year}/POMŠ", {"seq": 400, "year": 2011}, "Usn. 400/2011/POMŠ"),
        ("UZ/{session}/{seq}/{year}", {"seq": 42, "session": 21, "year": 2020}, "UZ/21/42/2020"),
        ("{seq}/{year}/ZK-{session}", {"seq": 195, "session": 5, "year": 2013}, "195/2013/ZK-5"),
        ("{seq}/{session}", {"seq": 864, "session": 15, "year": 2010}, "864/15"),
    ],
)
def test_number_patterns(pattern, fields, expected):
    assert resolutions.pattern_errors(pattern) == []
    assert resolutions.format_number(pattern, **fields) == expected


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [("{session}/{year}", "{seq}"), ("{seq}/{month}", "month"), ("{seq:>5}/{year}", "seq")],
)
def test_bad_patterns_are_explained(pattern, fragment):
    errors = resolutions.pattern_errors(pattern)
    assert errors and fragment in errors[0]


def test_sequence_per_year_with_a_starting_number(cycle, council):
    services.resolution_numbering_set(
        actor=council.secretary,
        body=council.assembly,
        pattern="{seq}/{session}/ZM/{year}",
        scope=ResolutionNumbering.Scope.YEAR,
        next_seq=717,
        year=2014,
    )
    first = record(council.secretary, council.assembly, session=24)
    second = record(council.secretary, council.assembly, session=24)
    next_year = record(
        council.secretary, council.assembly, session=25, adopted_on=dt.date(2015, 2, 2)
    )
    assert [first.number, second.number, next_year.number] == [
        "717/24/ZM/2014",
        "718/24/ZM/2014",
        "1/25/ZM/2015",
    ]
    with pytest.raises(ValidationFailed):
        services.resolution_numbering_set(
            actor=council.secretary,
            body=council.assembly,
            pattern="{seq}/{session}/ZM/{year}",
            scope=ResolutionNumbering.Scope.YEAR,
            next_seq=700,
            year=2014,
        )


def test_sequence_per_session(cycle, council):
    services.resolution_numbering_set(
        actor=council.secretary,
        body=council.board,
        pattern="{session}-{seq}z/{year}",
        scope=ResolutionNumbering.Scope.SESSION,
    )
    on = dt.date(2008, 5, 5)
    numbers = [
        record(council.secretary, council.board, session=3, adopted_on=on).number for _ in range(8)
    ]
    assert numbers[-1] == "3-8z/2008"
    assert record(council.secretary, council.board, session=4, adopted_on=on).number == "4-1z/2008"
    with pytest.raises(ValidationFailed):
        record(council.secretary, council.board, adopted_on=on)  # no session given


def test_sequences_are_per_body(cycle, council):
    a = record(council.secretary, council.board)
    b = record(council.secretary, council.assembly)
    assert a.number == b.number == "1/2014"


def test_manual_numbers_are_checked_and_skipped(cycle, council):
    manual = record(council.secretary, council.assembly, number="2/2014")
    assert manual.is_manual_number and manual.seq is None
    with pytest.raises(Conflict):
        record(council.secretary, council.assembly, number="2/2014")
    numbers = [record(council.secretary, council.assembly).number for _ in range(2)]
    assert numbers == ["1/2014", "3/2014"]


def test_only_the_secretary_records(cycle, council):
    with pytest.raises(PermissionDenied):
        record(cycle.coordinator, council.assembly)


# --- votes by the council rules (Act 128/2000) -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "seats", "present", "votes", "outcome"),
    [
        # assembly of 15: quorum 8 present, resolution needs 8 votes for (of all members)
        ("assembly", 15, 8, (8, 0, 0), "adopted"),
        ("assembly", 15, 7, (7, 0, 0), "no_quorum"),
        ("assembly", 15, 15, (7, 0, 8), "rejected"),
        ("assembly", 15, 10, (7, 3, 0), "rejected"),  # a majority of those present is not enough
        ("assembly", 15, 9, (8, 1, 0), "adopted"),
        # board of 5: quorum 3, resolution needs 3
        ("board", 5, 3, (3, 0, 0), "adopted"),
        ("board", 5, 3, (2, 0, 1), "rejected"),
        ("board", 5, 2, (2, 0, 0), "no_quorum"),
        ("board", 6, 4, (3, 1, 0), "rejected"),  # a tie of all members is not a majority
        ("board", 6, 4, (4, 0, 0), "adopted"),
    ],
)
def test_council_votes(cycle, council, kind, seats, present, votes, outcome):
    body = council.assembly if kind == "assembly" else council.board
    body.seat_count = seats
    body.save()
    votes_for, against, abstained = votes
    resolution = record(
        council.secretary,
        body,
        present=present,
        votes_for=votes_for,
        votes_against=against,
        votes_abstained=abstained,
    )
    assert resolution.outcome == outcome
    assert resolution.members_total == seats


def test_council_rules_hold_even_if_the_body_is_configured_otherwise(cycle, council):
    council.assembly.majority_rule = Body.MajorityRule.MAJORITY_OF_VOTING
    council.assembly.save()
    resolution = record(
        council.secretary, council.assembly, present=10, votes_for=6, votes_against=4
    )
    assert resolution.outcome == Resolution.Outcome.REJECTED


def test_a_claimed_outcome_the_votes_do_not_support_is_refused(cycle, council):
    with pytest.raises(ValidationFailed) as exc:
        record(
            council.secretary,
            council.assembly,
            present=12,
            votes_for=7,
            claimed_outcome="adopted",
        )
    assert "8" in exc.value.message  # the votes needed are named
    assert not Resolution.objects.exists()


@pytest.mark.parametrize(
    ("present", "votes"),
    [(16, (8, 0, 0)), (8, (8, 1, 0)), (5, (3, 2, 1))],
)
def test_votes_that_do_not_add_up_are_refused(cycle, council, present, votes):
    with pytest.raises(ValidationFailed):
        record(
            council.secretary,
            council.assembly,
            present=present,
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstained=votes[2],
        )


# --- the approval chain -------------------------------------------------------------------------


def test_default_chain_of_a_town(cycle, council):
    steps = selectors_meetings.approval_chain_for(cycle.process)
    assert [(s.body, s.action) for s in steps] == [
        (cycle.steering_group, "recommend"),
        (council.board, "recommend"),
        (council.assembly, "approve"),
    ]


def test_a_body_adopts_the_plan_only_after_the_links_before_it(cycle, council):
    version = plan_version(cycle)
    with pytest.raises(UnmetConditions) as exc:
        record(
            council.secretary,
            council.assembly,
            process=cycle.process,
            document_version=version,
            document_action="approve",
        )
    assert exc.value.codes == ["chain_link_missing", "chain_link_missing"]


def test_the_approving_resolution_authorises_implementation(cycle, council):
    version = plan_version(cycle)
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    approving = climb_chain(cycle, council, version)
    assert approving.document_sha256 == version.sha256
    assert guards.evaluate(cycle.process, Transition.START_IMPLEMENTATION) == []
    decision = cycle.adopted_decision(Transition.START_IMPLEMENTATION)

    record_ = services.process_transition(
        actor=council.secretary,
        process_id=cycle.process.pk,
        transition=Transition.START_IMPLEMENTATION,
        reason=f"Usnesení ZM č. {approving.number}",
        decision_id=decision.pk,
        resolution_id=approving.pk,
    )
    assert record_.resolution == approving
    assert cycle.reload().stage == Stage.IMPLEMENTATION


def test_a_resolution_on_another_version_cannot_authorise(cycle, council):
    first = plan_version(cycle, "Návrh plánu, verze 1")
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    approving = climb_chain(cycle, council, first)
    # a newer version was approved by the steering group and submitted to the council
    second = plan_version(cycle, "Návrh plánu, verze 2", document=first.document)
    assert first.sha256 != second.sha256

    unmet = guards.evaluate(cycle.process, Transition.START_IMPLEMENTATION)
    assert [c.code for c in unmet] == ["approving_resolution_hash_mismatch"]
    assert first.sha256 in unmet[0].message and second.sha256 in unmet[0].message
    assert approving.number in unmet[0].message

    decision = cycle.adopted_decision(Transition.START_IMPLEMENTATION)
    with pytest.raises(UnmetConditions) as exc:
        services.process_transition(
            actor=council.secretary,
            process_id=cycle.process.pk,
            transition=Transition.START_IMPLEMENTATION,
            reason="Schváleno",
            decision_id=decision.pk,
            resolution_id=approving.pk,
        )
    assert exc.value.codes == ["approving_resolution_hash_mismatch"]
    assert cycle.reload().stage == Stage.COUNCIL_APPROVAL


def test_the_secretary_needs_a_resolution_to_move_the_process(cycle, council):
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    with pytest.raises(PermissionDenied):
        services.process_transition(
            actor=council.secretary,
            process_id=cycle.process.pk,
            transition=Transition.RETURN,
            reason="Vráceno",
        )


def test_a_returning_resolution_sends_the_plan_back_once(cycle, council):
    version = plan_version(cycle)
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    assert [c.code for c in guards.evaluate(cycle.process, Transition.RETURN)] == [
        "returning_resolution_missing"
    ]
    returning = record(
        council.secretary,
        council.board,
        process=cycle.process,
        document_version=version,
        document_action="return",
        points=[point("Komunitní plán k dopracování", verb="rejects")],
    )
    done = services.process_transition(
        actor=council.secretary,
        process_id=cycle.process.pk,
        transition=Transition.RETURN,
        reason=f"Usnesení RM č. {returning.number}",
        resolution_id=returning.pk,
    )
    assert done.resolution == returning and cycle.reload().stage == Stage.WORKING_GROUPS
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    with pytest.raises(UnmetConditions) as exc:
        services.process_transition(
            actor=council.secretary,
            process_id=cycle.process.pk,
            transition=Transition.RETURN,
            reason="Znovu",
            resolution_id=returning.pk,
        )
    assert exc.value.codes == ["resolution_already_used"]
    assert StageTransition.objects.filter(resolution=returning).count() == 1


def test_a_voted_down_approval_also_returns(cycle, council):
    version = plan_version(cycle)
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    failed = record(
        council.secretary,
        council.board,
        process=cycle.process,
        document_version=version,
        document_action="recommend",
        present=5,
        votes_for=2,
        votes_against=3,
    )
    assert failed.outcome == Resolution.Outcome.REJECTED
    assert guards.evaluate(cycle.process, Transition.RETURN) == []


def test_founding_charter_needs_a_board_resolution(cycle, council):
    codes = [c.code for c in guards.evaluate(cycle.process, Transition.START_MAPPING)]
    assert "founding_charter_not_approved" in codes
    charter = plan_version(
        cycle,
        "Základní listina",
        document=make_document(cycle, kind="founding_charter", title="Základní listina"),
    )
    codes = [c.code for c in guards.evaluate(cycle.process, Transition.START_MAPPING)]
    assert "founding_charter_no_board_resolution" in codes
    record(
        council.secretary,
        council.board,
        process=cycle.process,
        document_version=charter,
        document_action="approve",
    )
    codes = [c.code for c in guards.evaluate(cycle.process, Transition.START_MAPPING)]
    assert not [c for c in codes if c.startswith("founding_charter")]


# --- points -------------------------------------------------------------------------------------


def test_overdue_points_are_listed_and_reminded_once(cycle, council, settings):
    responsible = cycle.memberships["chair"].person
    resolution = record(
        council.secretary,
        council.board,
        points=[
            point(verb="takes_note", text="zprávu o plnění"),
            point(
                verb="instructs",
                text="předložit akční plán",
                responsible=responsible,
                deadline=dt.date(2014, 10, 31),
            ),
        ],
    )
    today = dt.date(2014, 11, 5)
    overdue = list(selectors_meetings.resolution_points_overdue(today=today))
    assert [p.text for p in overdue] == ["předložit akční plán"]
    assert (
        list(
            selectors_meetings.resolution_points_overdue(actor=cycle.users["observer"], today=today)
        )
        == []
    )
    mail.outbox.clear()
    assert services.resolution_points_remind(today=today) == 1
    assert services.resolution_points_remind(today=today) == 0
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {responsible.email, "taj@example.cz"}
    assert resolution.number in mail.outbox[0].subject

    services.resolution_point_set_status(
        actor=council.secretary, point=overdue[0], status=ResolutionPoint.Status.FULFILLED
    )
    assert list(selectors_meetings.resolution_points_overdue(today=today)) == []


def test_resolution_list_takes_the_same_number_of_queries(cycle, council):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = list(selectors_meetings.resolution_list(actor=council.secretary))
            for row in rows:
                _ = [(p.verb, p.responsible) for p in row.points.all()]
                _ = (row.body.name, row.meeting, row.document_version)
        return len(ctx.captured_queries)

    record(council.secretary, council.board, points=[point(), point(verb="instructs")])
    few = count()
    for _ in range(6):
        record(council.secretary, council.board, points=[point(), point(verb="instructs")])
    assert count() == few


def test_a_mikroregion_chain_ends_with_its_general_assembly(cycle, superuser):
    dso = stakeholder_services.body_create(
        actor=superuser,
        kind=Body.Kind.DSO_ASSEMBLY,
        name="Valná hromada DSO",
        territory=cycle.process.territory,
        seat_count=9,
    )
    assert [(s.body, s.action) for s in selectors_meetings.approval_chain_for(cycle.process)] == [
        (cycle.steering_group, "recommend"),
        (dso, "approve"),
    ]
    services.approval_chain_set(
        actor=superuser,
        territory=cycle.process.territory,
        links=[{"action": "approve", "body": dso}],
    )
    assert [s.body for s in selectors_meetings.approval_chain_for(cycle.process)] == [dso]


def test_a_process_may_have_its_own_chain(cycle, council):
    services.approval_chain_set(
        actor=cycle.admin,
        territory=cycle.process.territory,
        links=[
            {"action": "recommend", "body_kind": "steering_group"},
            {"action": "approve", "body": council.assembly},
        ],
    )
    steps = selectors_meetings.approval_chain_for(cycle.process)
    assert [s.body for s in steps] == [cycle.steering_group, council.assembly]
    services.approval_chain_set(
        actor=cycle.admin,
        process=cycle.process,
        links=[
            {"action": "recommend", "body": council.board},
            {"action": "approve", "body": council.assembly},
        ],
    )
    steps = selectors_meetings.approval_chain_for(cycle.process)
    assert [s.body for s in steps] == [council.board, council.assembly]
    with pytest.raises(ValidationFailed):
        services.approval_chain_set(
            actor=cycle.admin,
            process=cycle.process,
            links=[
                {"action": "approve", "body": council.board},
                {"action": "approve", "body": council.assembly},
            ],
        )
    with pytest.raises(PermissionDenied):
        services.approval_chain_set(
            actor=council.secretary,
            process=cycle.process,
            links=[{"action": "approve", "body": council.assembly}],
        )


def test_the_secretary_records_a_resolution_on_the_web(cycle, council, client):
    client.force_login(council.secretary)
    page = client.get(reverse("meetings:resolution_create"))
    assert page.status_code == 200
    assert set(page.context["form"].fields["body"].queryset) == {council.board, council.assembly}
    data = {
        "body": council.assembly.pk,
        "adopted_on": "2014-09-08",
        "session": 24,
        "title": "Komunitní plán sociálních služeb 2015–2017",
        "present": 12,
        "votes_for": 11,
        "votes_against": 0,
        "votes_abstained": 1,
        "points": "bere na vědomí | důvodovou zprávu\nukládá | zveřejnit plán | 30. 9. 2014",
    }
    response = client.post(reverse("meetings:resolution_create"), data)
    assert response.status_code == 302
    resolution = Resolution.objects.get()
    assert resolution.outcome == "adopted"
    assert [(p.verb, p.deadline) for p in resolution.points.all()] == [
        ("takes_note", None),
        ("instructs", dt.date(2014, 9, 30)),
    ]
    # 7 of 15 is not a majority of all members: recorded as not adopted, never as adopted
    response = client.post(
        reverse("meetings:resolution_create"), {**data, "present": 8, "votes_for": 7}
    )
    assert Resolution.objects.latest("pk").outcome == "rejected"
    response = client.post(reverse("meetings:resolution_create"), {**data, "points": "slibuje | x"})
    assert response.status_code == 400
    client.force_login(cycle.coordinator)
    response = client.post(
        reverse("meetings:resolution_create"), {**data, "body": council.assembly.pk}
    )
    assert response.status_code == 400  # not a body the coordinator keeps


def test_the_secretary_applies_the_approving_resolution_on_the_web(cycle, council, client):
    version = plan_version(cycle)
    set_stage(cycle, Stage.COUNCIL_APPROVAL)
    approving = climb_chain(cycle, council, version)
    cycle.adopted_decision(Transition.START_IMPLEMENTATION)
    client.force_login(council.secretary)
    page = client.get(reverse("meetings:resolution_detail", args=[approving.pk]))
    assert "uplatnit" in page.content.decode()
    response = client.post(
        reverse("meetings:resolution_apply", args=[approving.pk]),
        {"expected_stage": "council_approval"},
    )
    assert response.status_code == 302
    assert cycle.reload().stage == Stage.IMPLEMENTATION
    done = StageTransition.objects.get(resolution=approving)
    assert approving.number in done.reason and done.actor == council.secretary
