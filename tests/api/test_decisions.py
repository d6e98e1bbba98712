"""Decisions per rollam over HTTP: the coordinator puts the proposal, members vote for
themselves until the closing time (by the server's clock), and the vote closes on the body's
rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def test_a_decision_per_rollam(api: Api, world: World) -> None:
    base = f"/api/v1/processes/{world['process']}/decisions/"
    closes = timezone.now() + dt.timedelta(days=3)
    created = api.client("coordinator").post(
        base,
        {
            "body": world["steering_group"],
            "subject": "other",
            "title": "Jednací řád řídící skupiny",
            "mode": "per_rollam",
            "voting_closes_at": closes.isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    decision = created.json()
    assert (decision["mode"], decision["status"]) == ("per_rollam", "open")
    url = f"{base}{decision['id']}/"

    vote = api.client("steering_member").post(f"{url}votes/", {"choice": "for"}, format="json")
    assert vote.status_code == 201, vote.content
    assert vote.json()["choice"] == "for"
    outsider = api.client("wg_member").post(f"{url}votes/", {"choice": "for"}, format="json")
    assert outsider.status_code in (403, 404)
    early = api.client("coordinator").post(f"{url}close/", {}, format="json")
    assert early.status_code == 400  # open until the closing time, not everyone has voted
    assert problem_of(early)["code"] == "validation_error"

    with time_machine.travel(closes + dt.timedelta(minutes=1), tick=False):
        late = api.client("steering_member").post(
            f"{url}votes/", {"choice": "against"}, format="json"
        )
        assert late.status_code == 422
        assert problem_of(late)["code"] == "deadline_passed"
        closed = api.client("coordinator").post(f"{url}close/", {}, format="json")
    assert closed.status_code == 200, closed.content
    closed = closed.json()
    assert closed["status"] in ("adopted", "rejected", "no_quorum")
    assert closed["closed_at"] is not None
    assert closed["votes_for"] == 1
    votes = api.client("auditor").get(f"{url}votes/").json()
    assert [v["choice"] for v in votes] == ["for"]
