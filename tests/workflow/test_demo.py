import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from documents.models import Activity, Document, Priority
from stakeholders.models import Body
from workflow.demo import DEMO_PASSWORD, load_demo
from workflow.models import Attendance, Comment, Resolution, Stage, Transition
from workflow.selectors import process_list
from workflow.selectors_meetings import submitted_plan_version

pytestmark = pytest.mark.django_db

CYCLE_STEPS = [
    Transition.START_MAPPING,
    Transition.START_WORKING_GROUPS,
    Transition.OPEN_CONSULTATION,
    Transition.SUBMIT_TO_COUNCIL,
    Transition.START_IMPLEMENTATION,
    Transition.CLOSE,
]


def _counts():
    """Rows of every model (history tables included)."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for the module (twice, to compare), rolled back after the module."""
    import io

    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        first = _counts()
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield {"first": first, "second": _counts(), "out": out.getvalue()}
        transaction.set_rollback(True)


def test_demo_twice_duplicates_nothing(loaded):
    assert loaded["second"] == loaded["first"]
    assert loaded["first"]["workflow.Comment"] >= 40
    assert "koordinator" in loaded["out"] and DEMO_PASSWORD in loaded["out"]


def test_demo_matches_the_brief(loaded):
    result = load_demo()
    process = result.process
    assert process.territory.name == "ORP Horažďovice"
    assert process.title == "Komunitní plánování sociálních služeb na Horažďovicku"
    assert (process.period_start_year, process.period_end_year) == (2023, 2025)
    assert process.previous_process == result.previous
    assert result.previous.esf_project.registration_number == "CZ.03.2.63/0.0/0.0/19_106/0015152"
    assert process.coordinator_organization.name == "Centrum pro komunitní práci západní Čechy"
    working_groups = process.bodies.filter(kind=Body.Kind.WORKING_GROUP)
    assert working_groups.count() == 3
    for body in [process.bodies.get(kind=Body.Kind.STEERING_GROUP), *working_groups]:
        sides = set(body.memberships.exclude(triad_side="").values_list("triad_side", flat=True))
        assert {"commissioner", "provider", "user"} <= sides, body
    council = Body.objects.filter(territory=process.territory)
    assert set(council.values_list("kind", flat=True)) == {"board", "assembly"}


def test_every_printed_login_works_and_sees_its_processes(loaded):
    result = load_demo()
    for login in result.logins:
        user = authenticate(username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login.username
        visible = set(process_list(actor=user).values_list("territory__name", flat=True))
        if login.username == "koordinator-susice":
            assert visible == {"ORP Sušice"}
        elif login.username == "spravce":
            assert visible == {"ORP Horažďovice", "ORP Sušice"}
        else:
            assert visible == {"ORP Horažďovice"}, login.username


def test_the_2020_2022_cycle_is_closed_through_every_step(loaded):
    previous = load_demo().previous
    assert previous.title == "Komunitní plánování sociálních služeb na Horažďovicku"
    assert (previous.period_start_year, previous.period_end_year) == (2020, 2022)
    assert previous.stage == Stage.CLOSED
    steps = list(previous.transitions.order_by("pk"))
    assert [t.transition for t in steps] == CYCLE_STEPS
    for step in steps:
        if step.transition in Transition.values:
            assert step.decision is not None and step.decision.status == "adopted", step
    # the founding charter: approved by the steering group, adopted by the board on its sha256
    charter = Resolution.objects.get(
        process=previous, body__kind=Body.Kind.BOARD, document_action="approve"
    )
    assert charter.document_version.document.kind == Document.Kind.FOUNDING_CHARTER
    assert charter.document_sha256 == charter.document_version.sha256
    assert charter.number == "412/24/RM/2019"
    # the resolutions that approved the 2020–2022 plan: steering group → Rada → Zastupitelstvo
    plan = submitted_plan_version(previous)
    chain = Resolution.objects.filter(process=previous, document_version=plan).order_by(
        "adopted_on"
    )
    assert [(r.body.kind, r.document_action) for r in chain] == [
        (Body.Kind.STEERING_GROUP, "recommend"),
        (Body.Kind.BOARD, "recommend"),
        (Body.Kind.ASSEMBLY, "approve"),
    ]
    assert [r.number for r in chain][1:] == ["143/8/RM/2020", "188/12/ZM/2020"]
    assert {r.document_sha256 for r in chain} == {plan.sha256}
    assert plan.status == "published"
    kinds = set(
        previous.documents.filter(versions__status__in=["approved", "published"]).values_list(
            "kind", flat=True
        )
    )
    assert {
        "founding_charter",
        "socio_demographic_analysis",
        "provider_analysis",
        "resources_analysis",
        "user_needs_survey",
        "community_plan",
        "settlement_of_comments",
        "action_plan_evaluation",
    } <= kinds
    priorities = Priority.objects.filter(process=previous)
    assert 3 <= priorities.count() <= 4
    assert priorities.exclude(working_group=None).count() == 3
    assert Activity.objects.filter(process=previous, costs__isnull=False).exists()
    consultation = previous.consultations.get()
    assert consultation.status == "settled"
    assert consultation.comments.filter(is_late=True, channel="paper").count() == 1
    assert not consultation.comments.filter(decision="").exists()


def test_the_2023_2025_cycle_is_in_public_consultation_with_a_history(loaded):
    result = load_demo()
    process = result.process
    assert process.previous_process == result.previous
    assert process.stage == Stage.PUBLIC_CONSULTATION
    assert [t.transition for t in process.transitions.order_by("pk")] == CYCLE_STEPS[:3]
    assert process.stage_deadlines.count() >= 4
    consultation = process.consultations.get()
    assert consultation.document_version.status == "published"
    assert consultation.document_version.document.kind == Document.Kind.COMMUNITY_PLAN
    comments = Comment.objects.filter(consultation=consultation)
    assert 35 <= comments.count() <= 45
    assert comments.filter(decision="").exists()
    for decision in Comment.Decision.values:
        assert comments.filter(decision=decision).exists(), decision
    assert {"email", "paper", "hearing"} <= set(comments.values_list("channel", flat=True))
    late = comments.filter(is_late=True)
    assert late.count() >= 3 and set(late.values_list("channel", flat=True)) == {"paper"}
    assert late.filter(decision="").exists() and late.exclude(decision="").exists()
    assert not comments.filter(comment_type="substantive", steering_decision=None).exists()
    meetings = process.meetings.filter(state="held")
    assert meetings.count() >= 3
    steering_meetings = meetings.filter(body__kind=Body.Kind.STEERING_GROUP)
    for meeting in steering_meetings:
        present = meeting.attendances.filter(status=Attendance.Status.PRESENT)
        assert {"commissioner", "provider", "user"} <= set(
            present.values_list("triad_side", flat=True)
        ), meeting
    assert Attendance.objects.filter(meeting__process=process).exclude(guest_name="").exists()
    assert process.decisions.filter(status="adopted", votes__isnull=False).exists()


def test_the_demo_history_has_a_whole_audit_trail(loaded):
    """The demo's history was made through the services, so its audit chains verify."""
    from audit.models import AuditEvent
    from audit.verify import verify_chains

    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {
        "stage_transition",
        "version_published",
        "comment_received",
        "comment_settled",
        "resolution_recorded",
        "meeting_held",
    } <= kinds
    result = verify_chains()
    assert result.ok, result.breaks
    assert result.events == AuditEvent.objects.count()
