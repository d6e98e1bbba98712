"""Stage deadlines: the overview of overdue and soon-due stages, and reminders sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from stakeholders.exceptions import PermissionDenied
from workflow import services
from workflow.models import DeadlineNotice, Stage
from workflow.selectors import stage_deadlines_due

pytestmark = pytest.mark.django_db

# Relative to the real date: the fixture's memberships started 30 days ago.
TODAY = timezone.localdate()


def test_overdue_and_soon_due_stages_of_visible_processes(cycle, other_cycle):
    services.stage_deadline_set(
        actor=cycle.coordinator,
        process=cycle.process,
        stage=Stage.PREPARATION,
        due_on=TODAY + dt.timedelta(days=5),
    )
    services.stage_deadline_set(
        actor=cycle.coordinator,
        process=cycle.process,
        stage=Stage.MAPPING,
        due_on=TODAY + dt.timedelta(days=2),
    )
    services.stage_deadline_set(
        actor=other_cycle.coordinator,
        process=other_cycle.process,
        stage=Stage.PREPARATION,
        due_on=TODAY - dt.timedelta(days=1),
    )
    mine = list(stage_deadlines_due(actor=cycle.coordinator, today=TODAY))
    # The mapping deadline is not the current stage; the other process is not visible.
    assert [(d.process_id, d.stage) for d in mine] == [(cycle.process.pk, Stage.PREPARATION)]
    theirs = list(stage_deadlines_due(actor=other_cycle.coordinator, today=TODAY))
    assert [d.due_on for d in theirs] == [TODAY - dt.timedelta(days=1)]
    assert list(stage_deadlines_due(actor=cycle.coordinator, today=TODAY, within_days=3)) == []


def test_only_the_coordinator_plans_deadlines(cycle):
    with pytest.raises(PermissionDenied):
        services.stage_deadline_set(
            actor=cycle.users["chair"],
            process=cycle.process,
            stage=Stage.PREPARATION,
            due_on=TODAY,
        )


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [
        (20, None),
        (14, "due_in_14"),
        (8, "due_in_14"),
        (7, "due_in_7"),
        (1, "due_in_1"),
        (0, "due_in_1"),
        (-1, "overdue"),
    ],
)
def test_thresholds(days_left, threshold):
    from workflow.services.deadlines import threshold_reached

    assert threshold_reached(TODAY + dt.timedelta(days=days_left), TODAY) == threshold


def test_each_threshold_is_mailed_once_and_never_twice(cycle):
    due = TODAY + dt.timedelta(days=10)
    services.stage_deadline_set(
        actor=cycle.coordinator, process=cycle.process, stage=Stage.PREPARATION, due_on=due
    )
    sent = [
        services.stage_deadlines_notify(today=TODAY + dt.timedelta(days=d))
        for d in (0, 0, 1, 3, 3, 9, 9, 11, 11, 12)
    ]
    # 14 days (day 0), 7 days (day 3), 1 day (day 9), overdue (day 11); repeats send nothing
    assert sent == [1, 0, 0, 1, 0, 1, 0, 1, 0, 0]
    assert [m.to for m in mail.outbox] == [["coordinator-3203@example.cz"]] * 4
    assert list(DeadlineNotice.objects.values_list("threshold", flat=True).order_by("sent_at")) == [
        "due_in_14",
        "due_in_7",
        "due_in_1",
        "overdue",
    ]
    assert due.strftime("%d. %m. %Y") in mail.outbox[-1].body
    assert mail.outbox[0].subject.startswith("Zbývá 10 dní: přípravná fáze")


def test_a_late_run_sends_only_the_most_urgent_and_a_new_date_starts_again(cycle):
    due = TODAY + dt.timedelta(days=10)
    deadline = services.stage_deadline_set(
        actor=cycle.coordinator, process=cycle.process, stage=Stage.PREPARATION, due_on=due
    )
    assert services.stage_deadlines_notify(today=due + dt.timedelta(days=2)) == 1
    assert services.stage_deadlines_notify(today=due + dt.timedelta(days=3)) == 0
    assert mail.outbox[0].subject.startswith("Po termínu: přípravná fáze")
    services.stage_deadline_set(
        actor=cycle.coordinator,
        process=cycle.process,
        stage=Stage.PREPARATION,
        due_on=due + dt.timedelta(days=30),
    )
    assert services.stage_deadlines_notify(today=due + dt.timedelta(days=17)) == 1
    assert deadline.notices.count() == 2
