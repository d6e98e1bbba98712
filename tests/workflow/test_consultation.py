"""Public consultation: scheduling, deadlines by the clock, comments, settlement, guards."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from stakeholders.exceptions import PermissionDenied, ValidationFailed
from tests.public.builders import adopted_decision, published_version, schedule
from workflow import guards, services
from workflow.models import Comment, ConsultationNotice, ConsultationPeriod, Stage, Transition
from workflow.services import consultation as consultation_services
from workflow.services.consultation import ConsultationClosed, ConsultationNotOpen, end_of_day

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")


def submit(consultation: ConsultationPeriod, **overrides):
    data = {
        "consultation_id": consultation.pk,
        "name": "Jana Nováková",
        "email": "jana@example.cz",
        "text": "Doplnit terénní služby pro seniory.",
        "consents_to_processing": True,
        "idempotency_token": uuid.uuid4(),
    }
    data.update(overrides)
    return services.comment_submit_public(**data)


# --- scheduling ------------------------------------------------------------------------------


def test_a_closing_date_means_the_end_of_that_day_in_the_process_time_zone(cycle):
    consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 25))
    # 25 October 2026 is the last Sunday of October: CEST ends at 03:00 that night, so the
    # end of the day is 23:00 UTC (not 22:00, as on the day before).
    assert consultation.closes_at == dt.datetime(2026, 10, 25, 22, 59, 59, 999999, tzinfo=UTC)
    assert consultation.opens_at == dt.datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
    assert consultation.time_zone == "Europe/Prague"


@pytest.mark.parametrize(
    ("zone", "expected_close"),
    [
        ("UTC", dt.datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC)),
        ("Europe/Prague", dt.datetime(2026, 10, 25, 22, 59, 59, 999999, tzinfo=UTC)),
        ("America/New_York", dt.datetime(2026, 10, 26, 3, 59, 59, 999999, tzinfo=UTC)),
        ("Asia/Tokyo", dt.datetime(2026, 10, 25, 14, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_end_of_day_is_dst_safe(zone, expected_close):
    assert end_of_day(dt.date(2026, 10, 25), zoneinfo.ZoneInfo(zone)) == expected_close


def test_schedule_refuses_short_periods_unpublished_versions_and_bad_zones(cycle):
    with pytest.raises(ValidationFailed) as short:
        schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 9, 20))
    assert "closes_at" in short.value.errors
    with pytest.raises(ValidationFailed) as too_small:
        schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 9, 20), min_length_days=7)
    assert "min_length_days" in too_small.value.errors
    version = published_version(cycle.process, cycle.steering_group, title="Jiný")
    version.__dict__["status"] = "approved"  # as if only approved (not saved)
    with pytest.raises(ValidationFailed) as unpublished:
        schedule(cycle, document_version=version)
    assert "document_version" in unpublished.value.errors
    with pytest.raises(ValidationFailed):
        schedule(cycle, time_zone="Mars/Olympus")


# Thirty calendar days, date to date inclusive: across the change from summer time in October
# (a 25-hour day in Europe on 25 October 2026, in New York on 1 November 2026), and across the
# change to summer time in March (a 23-hour day in Europe on 29 March 2026).
LENGTHS = [
    pytest.param(dt.date(2026, 10, 10), dt.date(2026, 11, 8), True, id="30-days-october"),
    pytest.param(dt.date(2026, 10, 10), dt.date(2026, 11, 7), False, id="29-days-october"),
    pytest.param(dt.date(2026, 10, 1), dt.date(2026, 10, 30), True, id="30-days-in-october"),
    pytest.param(dt.date(2026, 10, 1), dt.date(2026, 10, 29), False, id="29-days-in-october"),
    pytest.param(dt.date(2026, 3, 15), dt.date(2026, 4, 13), True, id="30-days-march"),
    pytest.param(dt.date(2026, 3, 15), dt.date(2026, 4, 12), False, id="29-days-march"),
]


@pytest.mark.parametrize("zone", ["Europe/Prague", "UTC", "America/New_York"])
@pytest.mark.parametrize(("opens", "closes", "accepted"), LENGTHS)
def test_a_period_of_thirty_calendar_days_is_long_enough(cycle, zone, opens, closes, accepted):
    """From day D to the end of day D + 29 is 30 days, whatever the clocks do in between."""
    if accepted:
        consultation = schedule(cycle, opens=opens, closes=closes, time_zone=zone)
        assert consultation.min_length_days == 30
        assert not any(
            "shorter" in w or "kratší" in w
            for w in consultation_services.consultation_warnings(consultation)
        )
    else:
        with pytest.raises(ValidationFailed) as short:
            schedule(cycle, opens=opens, closes=closes, time_zone=zone)
        assert "closes_at" in short.value.errors


def test_a_period_given_in_instants_lasts_to_the_same_time_thirty_days_later(cycle):
    """Opening at 9:00 on 10 October (summer time), the period may close at the last instant
    before 9:00 on 9 November (winter time): 30 days and one hour, by the calendar 30 days."""
    opens = dt.datetime(2026, 10, 10, 9, 0, tzinfo=PRAGUE)
    last_short = dt.datetime(2026, 11, 9, 8, 59, 59, 999998, tzinfo=PRAGUE)
    with pytest.raises(ValidationFailed):
        schedule(cycle, opens=opens, closes=last_short)
    consultation = schedule(cycle, opens=opens, closes=last_short + dt.timedelta(microseconds=1))
    elapsed = consultation.closes_at.astimezone(UTC) - consultation.opens_at.astimezone(UTC)
    assert elapsed == dt.timedelta(days=30, hours=1, microseconds=-1)


def test_a_shorter_minimum_is_counted_the_same_way(cycle):
    schedule(cycle, opens=dt.date(2026, 10, 12), closes=dt.date(2026, 10, 25), min_length_days=14)
    with pytest.raises(ValidationFailed):
        schedule(
            cycle, opens=dt.date(2026, 10, 12), closes=dt.date(2026, 10, 24), min_length_days=14
        )


def test_only_the_coordinator_schedules(cycle):
    version = published_version(cycle.process, cycle.steering_group)
    with pytest.raises(PermissionDenied):
        services.consultation_schedule(
            actor=cycle.users["provider"],
            process=cycle.process,
            document_version=version,
            title="x",
            opens=dt.date(2026, 9, 1),
            closes=dt.date(2026, 10, 30),
        )


def test_the_hearing_rule_warns_but_does_not_block(cycle):
    closes = dt.date(2026, 10, 30)
    consultation = schedule(
        cycle,
        opens=dt.date(2026, 9, 1),
        closes=closes,
        hearing_at=dt.datetime(2026, 10, 25, 17, 0, tzinfo=PRAGUE),
    )
    warnings = consultation_services.consultation_warnings(consultation)
    assert any("two weeks" in w or "dva týdny" in w for w in warnings)
    ok = schedule(
        cycle,
        opens=dt.date(2026, 9, 1),
        closes=closes,
        hearing_at=dt.datetime(2026, 10, 1, 17, 0, tzinfo=PRAGUE),
    )
    assert consultation_services.consultation_warnings(ok) == []


# --- the deadline, by the clock ------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Europe/Prague", "America/New_York"])
@pytest.mark.parametrize("closes_on", [dt.date(2026, 10, 25), dt.date(2026, 11, 20)])
def test_web_comments_one_second_before_and_after_the_close(cycle, zone, closes_on):
    """Across the end-of-October DST change too (25 Oct in Europe, 1 Nov in New York)."""
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=closes_on, time_zone=zone)
    expected = end_of_day(closes_on, zoneinfo.ZoneInfo(zone))
    assert consultation.closes_at == expected
    with time_machine.travel(expected - dt.timedelta(seconds=1), tick=False):
        assert consultation.phase == ConsultationPeriod.Phase.OPEN
        comment, created = submit(consultation)
        assert created and not comment.is_late
    with time_machine.travel(expected + dt.timedelta(seconds=1), tick=False):
        assert consultation.phase == ConsultationPeriod.Phase.CLOSED
        with pytest.raises(ConsultationClosed):
            submit(consultation)
    assert consultation.comments.count() == 1


def test_the_close_is_never_left_to_a_task(cycle):
    """No task runs here at all: the phase and the refusal come from the clock alone."""
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 2), closes=dt.date(2026, 10, 5))
        assert consultation.phase == ConsultationPeriod.Phase.SCHEDULED
        with pytest.raises(ConsultationNotOpen):
            submit(consultation)
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        stored = ConsultationPeriod.objects.get(pk=consultation.pk)
        assert stored.status == ConsultationPeriod.Status.SCHEDULED
        assert stored.phase == ConsultationPeriod.Phase.CLOSED


@pytest.mark.parametrize("zone", ["UTC", "Europe/Prague", "Asia/Tokyo"])
def test_coordinator_entry_after_the_close_is_stored_and_flagged_late(cycle, zone):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(
            cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 25), time_zone=zone
        )
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, tzinfo=UTC), tick=False):
        on_time = services.comment_enter(
            actor=cycle.coordinator,
            consultation=consultation,
            channel=Comment.Channel.PAPER,
            received=dt.date(2026, 10, 25),  # the postmark counts
            name="Karel Dvořák",
            text="Dopis doručený poštou.",
        )
        late = services.comment_enter(
            actor=cycle.coordinator,
            consultation=consultation,
            channel=Comment.Channel.EMAIL,
            received=consultation.closes_at + dt.timedelta(seconds=1),
            email="pozde@example.cz",
            text="Pozdě, ale zaznamenat.",
        )
        with pytest.raises(ValidationFailed):
            services.comment_enter(
                actor=cycle.coordinator,
                consultation=consultation,
                channel=Comment.Channel.PAPER,
                received=dt.date(2026, 11, 4),
                text="Z budoucnosti",
            )
    assert not on_time.is_late
    assert late.is_late
    assert [c.receipt_number for c in consultation.comments.order_by("number")] == [
        "2026-0001",
        "2026-0002",
    ]


def test_only_the_coordinator_enters_comments(cycle):
    consultation = schedule(cycle)
    with pytest.raises(PermissionDenied):
        services.comment_enter(
            actor=cycle.users["provider"],
            consultation=consultation,
            channel=Comment.Channel.PAPER,
            received=timezone.localdate(),
            text="x",
        )


# --- web comments -----------------------------------------------------------------------------


def test_a_double_submission_stores_one_comment_and_sends_one_receipt(
    cycle, django_capture_on_commit_callbacks
):
    consultation = schedule(cycle)
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first, created = submit(consultation, idempotency_token=token)
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = submit(consultation, idempotency_token=token)
    assert created and not created_again and first.pk == again.pk
    assert consultation.comments.count() == 1
    assert len(mail.outbox) == 1
    assert first.receipt_number in mail.outbox[0].subject
    assert mail.outbox[0].to == ["jana@example.cz"]
    first.refresh_from_db()
    assert first.confirmation_sent_at is not None
    assert consultation_services.comment_receipt_send(comment_id=first.pk) is False


def test_web_comments_need_consent_and_text(cycle):
    consultation = schedule(cycle)
    with pytest.raises(ValidationFailed):
        submit(consultation, consents_to_processing=False)
    with pytest.raises(ValidationFailed):
        submit(consultation, text="   ")
    assert consultation.comments.count() == 0


def test_a_target_must_be_a_node_of_this_plan(cycle, other_cycle):
    from documents.models import Priority

    consultation = schedule(cycle)
    foreign = Priority.objects.create(process=other_cycle.process, number="1", title="Cizí")
    with pytest.raises(ValidationFailed):
        submit(consultation, target_priority=foreign)
    own = Priority.objects.create(process=cycle.process, number="1", title="Senioři")
    comment, _created = submit(consultation, target_priority=own, target_text="s. 12")
    assert comment.target_label == "1 Senioři – s. 12"


# --- settlement and the guards ------------------------------------------------------------------


def _closed_consultation_with_comments(cycle, count=3):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
        comments = [
            submit(consultation, name=f"Občan {i}", email=f"o{i}@example.cz")[0]
            for i in range(count)
        ]
    return consultation, comments


def test_settlement_rules(cycle):
    _consultation, (first, second, third) = _closed_consultation_with_comments(cycle)
    with time_machine.travel(dt.datetime(2026, 10, 1, 12, tzinfo=UTC), tick=False):
        # Formal corrections may be settled during the period; substantive ones only after it.
        services.comment_settle(
            actor=cycle.coordinator,
            comment=first,
            comment_type=Comment.Type.FORMAL,
            decision=Comment.Decision.ACCEPTED,
        )
        with pytest.raises(ValidationFailed) as early:
            services.comment_settle(
                actor=cycle.coordinator,
                comment=second,
                comment_type=Comment.Type.SUBSTANTIVE,
                decision=Comment.Decision.ACCEPTED,
                steering_decision=adopted_decision(cycle.process, cycle.steering_group),
            )
        assert "comment_type" in early.value.errors
    with time_machine.travel(dt.datetime(2026, 10, 10, 12, tzinfo=UTC), tick=False):
        with pytest.raises(ValidationFailed) as unjustified:
            services.comment_settle(
                actor=cycle.coordinator,
                comment=second,
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.NOT_ACCEPTED,
            )
        assert "justification" in unjustified.value.errors
        with pytest.raises(ValidationFailed) as no_decision:
            services.comment_settle(
                actor=cycle.coordinator,
                comment=second,
                comment_type=Comment.Type.SUBSTANTIVE,
                decision=Comment.Decision.PARTIALLY_ACCEPTED,
                justification="Částečně",
            )
        assert "steering_decision" in no_decision.value.errors
        settled = services.comment_settle(
            actor=cycle.coordinator,
            comment=second,
            comment_type=Comment.Type.SUBSTANTIVE,
            decision=Comment.Decision.PARTIALLY_ACCEPTED,
            justification="Doplněno jen pro jednu obec.",
            steering_decision=adopted_decision(cycle.process, cycle.steering_group),
        )
        assert settled.decided_by == cycle.coordinator and settled.decided_at is not None
        with pytest.raises(PermissionDenied):
            services.comment_settle(
                actor=cycle.users["provider"],
                comment=third,
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.ACCEPTED,
            )


def _to_public_consultation(cycle):
    from workflow.models import PlanningProcess

    # The stage itself is not under test here: put the process into the consultation stage.
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(stage=Stage.PUBLIC_CONSULTATION)
    return cycle.reload()


def test_guards_report_open_consultation_and_unsettled_comments_with_receipts(cycle):
    _consultation, comments = _closed_consultation_with_comments(cycle)
    process = _to_public_consultation(cycle)
    with time_machine.travel(dt.datetime(2026, 10, 5, 12, tzinfo=UTC), tick=False):
        codes = [c.code for c in guards.evaluate(process, Transition.SUBMIT_TO_COUNCIL)]
        assert "consultation_still_open" in codes
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        unmet = guards.evaluate(process, Transition.SUBMIT_TO_COUNCIL)
        by_code = {c.code: c for c in unmet}
        assert "consultation_still_open" not in by_code
        assert "settlement_missing" in by_code
        message = by_code["comments_unsettled"].message
        assert "3" in message
        for comment in comments:
            assert comment.receipt_number in message
        for comment in comments:
            services.comment_settle(
                actor=cycle.coordinator,
                comment=comment,
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.NOTED,
                justification="Nejde o připomínku.",
            )
        codes = [c.code for c in guards.evaluate(process, Transition.SUBMIT_TO_COUNCIL)]
        assert "comments_unsettled" not in codes


def test_the_process_cannot_leave_public_consultation_with_unsettled_comments(cycle):
    from workflow.exceptions import UnmetConditions

    _consultation, _comments = _closed_consultation_with_comments(cycle, count=1)
    _to_public_consultation(cycle)
    decision = cycle.adopted_decision(Transition.SUBMIT_TO_COUNCIL)
    with (
        time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False),
        pytest.raises(UnmetConditions) as refused,
    ):
        services.process_transition(
            actor=cycle.coordinator,
            process_id=cycle.process.pk,
            transition=Transition.SUBMIT_TO_COUNCIL,
            reason="Předání radě",
            decision_id=decision.pk,
        )
    assert "comments_unsettled" in refused.value.codes
    assert cycle.reload().stage == Stage.PUBLIC_CONSULTATION


def test_consultation_scheduled_guard(cycle):
    codes = [c.code for c in guards.consultation_scheduled(_ctx(cycle))]
    assert codes == ["consultation_not_scheduled"]
    schedule(cycle)
    assert guards.consultation_scheduled(_ctx(cycle)) == []


def _ctx(cycle):
    return guards.GuardContext(
        process=cycle.process, transition=Transition.OPEN_CONSULTATION, today=timezone.localdate()
    )


def test_settlement_document_guard_looks_for_an_approved_settlement(cycle):
    from documents.models import Document

    ctx = _ctx(cycle)
    assert [c.code for c in guards.settlement_document_exists(ctx)] == ["settlement_missing"]
    version = published_version(cycle.process, cycle.steering_group, title="Vypořádání")
    Document.objects.filter(pk=version.document_id).update(
        kind=Document.Kind.SETTLEMENT_OF_COMMENTS
    )
    assert guards.settlement_document_exists(ctx) == []


def test_mark_settled_and_publish_pseudonymised(cycle):
    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2026, 9, 1), closes=dt.date(2026, 10, 5))
        a1 = submit(consultation, name="Jana Nováková", email="jana@example.cz")[0]
        org = submit(consultation, name="Petr Malý", email="p@charita.cz", organization="Charita")[
            0
        ]
        named = submit(
            consultation, name="Eva Veřejná", email="eva@example.cz", consents_to_public_name=True
        )[0]
        b = submit(consultation, name="Karel Tichý", email="karel@example.cz")[0]
        a2 = submit(consultation, name="Jana Nováková", email="JANA@example.cz")[0]
    with time_machine.travel(dt.datetime(2026, 10, 6, 12, tzinfo=UTC), tick=False):
        with pytest.raises(ValidationFailed):
            services.consultation_mark_settled(actor=cycle.coordinator, consultation=consultation)
        for comment in (a1, org, named, b, a2):
            services.comment_settle(
                actor=cycle.coordinator,
                comment=comment,
                comment_type=Comment.Type.FORMAL,
                decision=Comment.Decision.ACCEPTED,
            )
        with pytest.raises(ValidationFailed):
            services.consultation_publish_settlement(
                actor=cycle.coordinator, consultation=consultation
            )
        services.consultation_mark_settled(actor=cycle.coordinator, consultation=consultation)
        published = services.consultation_publish_settlement(
            actor=cycle.coordinator, consultation=consultation
        )
    assert published.phase == ConsultationPeriod.Phase.SETTLEMENT_PUBLISHED
    labels = dict(consultation.comments.values_list("pk", "pseudonym"))
    assert labels[a1.pk] == labels[a2.pk] == "Občan 1"
    assert labels[org.pk] == "Charita"
    assert labels[named.pk] == "Eva Veřejná"
    assert labels[b.pk] == "Občan 2"
    context = consultation_services.settlement_context(consultation)
    assert [row["submitter"] for row in context["comments"]] == [
        "Občan 1",
        "Charita",
        "Eva Veřejná",
        "Občan 2",
        "Občan 1",
    ]
    assert "jana@example.cz" not in str(context)


# --- reminders and digests ----------------------------------------------------------------------


def test_reminders_and_digest_are_sent_once(cycle, settings):
    settings.KOMPLAN_CONSULTATION_REMINDER_DAYS = 7
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, tzinfo=UTC), tick=False):
        consultation = schedule(cycle, opens=dt.date(2027, 1, 10), closes=dt.date(2027, 2, 15))
        submit(consultation)
        submit(consultation, email="druhy@example.cz")
    mail.outbox.clear()
    with time_machine.travel(dt.datetime(2027, 1, 11, 6, tzinfo=UTC), tick=False):
        assert consultation_services.consultation_digest_send() == 1
        assert consultation_services.consultation_digest_send() == 0
        assert consultation_services.consultation_reminders_send() == 0  # too early
    digest = mail.outbox[-1]
    assert "2027-0001" in digest.body and "2027-0002" in digest.body
    assert "jana@example.cz" not in digest.body
    assert "coordinator-3203@example.cz" in digest.to and "chair-3203@example.cz" in digest.to
    with time_machine.travel(dt.datetime(2027, 2, 10, 6, tzinfo=UTC), tick=False):
        assert consultation_services.consultation_reminders_send() == 1
        assert consultation_services.consultation_reminders_send() == 0
    with time_machine.travel(dt.datetime(2027, 2, 16, 6, tzinfo=UTC), tick=False):
        assert consultation_services.consultation_reminders_send() == 1
        assert consultation_services.consultation_reminders_send() == 0
    kinds = sorted(consultation.notices.values_list("kind", flat=True))
    assert kinds == [
        ConsultationNotice.Kind.CLOSED,
        ConsultationNotice.Kind.CLOSING_SOON,
        ConsultationNotice.Kind.DIGEST,
    ]


def test_beat_runs_the_consultation_tasks():
    from django.conf import settings

    from config.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "workflow.tasks_consultation.consultation_reminders_send" in tasks
    assert "workflow.tasks_consultation.consultation_digest_send" in tasks
    import workflow.tasks  # noqa: F401

    app.loader.import_default_modules()
    assert "workflow.tasks_consultation.consultation_digest_send" in app.tasks
