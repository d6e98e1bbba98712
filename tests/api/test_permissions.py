"""The permission matrix of the API: each role × endpoint, allowed and denied.

The roles (columns) are the world's: the coordinator of the process, a steering-group member, a
working-group member, a member of the territory's secretariat, the ESF auditor, the coordinator
of another territory's process, and the anonymous public. An object the caller may not see is
404 ``not_found``; an action they may not take on an object they see is 403 ``forbidden``; no
credentials on a members' endpoint is 401 ``unauthenticated``. An allowed action that a business
rule still blocks answers with that rule (422 ``unmet_conditions``, 409 ``conflict``), which the
table states as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api.conftest import ROLES, Api, World, problem_of
from tests.documents.samples import docx_bytes

pytestmark = pytest.mark.django_db

FAMILY = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str  # formatted with the world's ids
    expected: tuple[int, ...]  # one status per role, in the order of ROLES
    body: Any = None
    multipart: bool = False

    def status_for(self, role: str) -> int:
        return self.expected[ROLES.index(role)]


def _today() -> str:
    return timezone.localdate().isoformat()


def _upload() -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile("listina.docx", docx_bytes(["Základní listina, verze 2"])),
        "change_summary": "Oprava",
    }


# coordinator, steering_member, wg_member, secretariat, auditor, other_territory, anonymous
CASES = [
    # --- reads ------------------------------------------------------------------------------
    Case("me", "get", "/api/v1/me/", (200, 200, 200, 200, 200, 200, 401)),
    Case("process list", "get", "/api/v1/processes/", (200, 200, 200, 200, 200, 200, 401)),
    Case(
        "process detail",
        "get",
        "/api/v1/processes/{process}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "available transitions",
        "get",
        "/api/v1/processes/{process}/transitions/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "stage history",
        "get",
        "/api/v1/processes/{process}/history/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "steering group",
        "get",
        "/api/v1/bodies/{steering_group}/",
        (200, 200, 404, 404, 200, 404, 401),
    ),
    Case(
        "working group",
        "get",
        "/api/v1/bodies/{working_group}/",
        (200, 200, 200, 404, 200, 404, 401),
    ),
    Case("board", "get", "/api/v1/bodies/{board}/", (404, 404, 404, 200, 404, 404, 401)),
    Case(
        "steering-group membership",
        "get",
        "/api/v1/memberships/{chair_membership}/",
        (200, 200, 404, 404, 200, 404, 401),
    ),
    Case(
        "steering-group member",
        "get",
        "/api/v1/people/{chair_person}/",
        (200, 200, 404, 404, 200, 404, 401),
    ),
    Case("organisations", "get", "/api/v1/organisations/", (200, 200, 200, 200, 200, 200, 401)),
    Case(
        "draft document",
        "get",
        "/api/v1/documents/{charter}/",
        (200, 200, 200, 200, 200, 404, 404),
    ),
    Case(
        "draft download",
        "get",
        "/api/v1/versions/{charter_v1}/download/",
        (200, 200, 200, 200, 200, 404, 404),
    ),
    Case(
        "published document",
        "get",
        "/api/v1/documents/{plan}/",
        (200, 200, 200, 200, 200, 200, 200),
    ),
    Case(
        "published download",
        "get",
        "/api/v1/versions/{plan_v1}/download/",
        (200, 200, 200, 200, 200, 200, 200),
    ),
    Case(
        "decision",
        "get",
        "/api/v1/processes/{process}/decisions/{decision}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "consultation",
        "get",
        "/api/v1/consultations/{consultation}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "comment register",
        "get",
        "/api/v1/consultations/{consultation}/comments/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "steering-group meeting",
        "get",
        "/api/v1/meetings/{meeting}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "board meeting",
        "get",
        "/api/v1/meetings/{board_meeting}/",
        (404, 404, 404, 200, 404, 404, 401),
    ),
    Case(
        "board resolution on the process",
        "get",
        "/api/v1/resolutions/{resolution}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "public page",
        "get",
        "/api/v1/public/processes/{process}/",
        (200, 200, 200, 200, 200, 200, 200),
    ),
    Case(
        "audit trail",
        "get",
        "/api/v1/processes/{process}/audit-events/",
        (200, 403, 403, 403, 200, 404, 401),
    ),
    Case(
        "ESF report",
        "get",
        "/api/v1/processes/{process}/esf-report/?file_format=csv",
        (200, 200, 403, 403, 200, 404, 401),
    ),
    # --- writes -----------------------------------------------------------------------------
    Case(
        "create a process",
        "post",
        "/api/v1/processes/",
        (403, 403, 403, 403, 403, 403, 401),
        body={
            "territory": "{territory}",
            "title": "Nový plán",
            "period_start_year": 2026,
            "period_end_year": 2028,
        },
    ),
    Case(
        "take a step (allowed, blocked by its conditions)",
        "post",
        "/api/v1/processes/{process}/transitions/",
        (422, 403, 403, 403, 403, 404, 401),
        body={"transition": "start_mapping", "reason": "Zahájení mapování"},
    ),
    Case(
        "plan a stage deadline",
        "post",
        "/api/v1/processes/{process}/deadlines/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"stage": "mapping", "due_on": "2026-06-30"},
    ),
    Case(
        "register a document",
        "post",
        "/api/v1/processes/{process}/documents/",
        (201, 403, 403, 403, 403, 404, 401),
        body={"kind": "other", "title": "Zápis z kulatého stolu"},
    ),
    Case(
        "upload a version",
        "post",
        "/api/v1/documents/{charter}/versions/",
        (201, 403, 403, 403, 403, 404, 401),
        multipart=True,
    ),
    Case(
        "submit a draft",
        "post",
        "/api/v1/versions/{charter_v1}/submit/",
        (200, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "approve a version (allowed, the decision does not authorise it)",
        "post",
        "/api/v1/versions/{analysis_v1}/approve/",
        (422, 422, 403, 403, 403, 404, 401),
        body={"decision": "{decision}"},
    ),
    Case(
        "publish (allowed, already published)",
        "post",
        "/api/v1/versions/{plan_v1}/publish/",
        (409, 403, 403, 403, 403, 403, 401),
        body={},
    ),
    Case(
        "put a proposal to the steering group",
        "post",
        "/api/v1/processes/{process}/decisions/",
        (201, 403, 404, 404, 403, 404, 401),
        body={
            "body": "{steering_group}",
            "subject": "other",
            "title": "Jednací řád",
            "mode": "meeting",
        },
    ),
    Case(
        "record presence",
        "post",
        "/api/v1/processes/{process}/decisions/{decision}/presence/",
        (200, 403, 404, 404, 403, 404, 401),
        body={"memberships": ["{chair_membership}"]},
    ),
    Case(
        "close a vote",
        "post",
        "/api/v1/processes/{process}/decisions/{decision}/close/",
        (200, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "enter a paper comment",
        "post",
        "/api/v1/consultations/{consultation}/comments/",
        (201, 403, 403, 403, 403, 404, 401),
        body={"channel": "paper", "received_on": "{today}", "text": "Připomínka z úřadu"},
    ),
    Case(
        "settle a comment",
        "post",
        "/api/v1/consultations/{consultation}/comments/{comment}/settlement/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"comment_type": "formal", "decision": "noted", "justification": "Bereme na vědomí"},
    ),
    Case(
        "comment publicly (no sign-in needed)",
        "post",
        "/api/v1/public/processes/{process}/consultations/{consultation}/comments/",
        (201, 201, 201, 201, 201, 201, 201),
        body={
            "name": "Eva Malá",
            "email": "eva@example.cz",
            "text": "Více terénních služeb.",
            "consents_to_processing": True,
            "token": "{token}",
        },
    ),
    Case(
        "record attendance",
        "post",
        "/api/v1/meetings/{meeting}/attendance/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"guest_name": "Host z kraje", "guest_organization": "Krajský úřad"},
    ),
    Case(
        "record a board resolution",
        "post",
        "/api/v1/resolutions/",
        (404, 404, 404, 201, 404, 404, 401),
        body={
            "body": "{board}",
            "adopted_on": "{today}",
            "title": "Harmonogram plánování",
            "points": [{"verb": "takes_note", "text": "harmonogram"}],
            "present": 5,
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstained": 0,
        },
    ),
    Case(
        "record the fulfilment of a point",
        "post",
        "/api/v1/resolutions/{resolution}/points/{resolution_point}/status/",
        (403, 403, 403, 200, 403, 404, 401),
        body={"status": "fulfilled"},
    ),
    Case(
        "appoint a working-group member",
        "post",
        "/api/v1/memberships/",
        (201, 403, 404, 404, 403, 404, 401),
        body={"person": "{chair_person}", "body": "{working_group}", "role": "member"},
    ),
    Case(
        "a calendar address of the process",
        "post",
        "/api/v1/calendar-feeds/",
        (201, 201, 201, 201, 201, 404, 401),
        body={"process": "{process}"},
    ),
    Case(
        "rotate your own API token",
        "post",
        "/api/v1/tokens/",
        (201, 201, 201, 201, 201, 201, 401),
        body={"reason": "Nový klíč pro spisovou službu"},
    ),
    Case(
        "another user's API token",
        "post",
        "/api/v1/tokens/",
        (403, 403, 403, 403, 403, 403, 401),
        body={"user": "{someone_else}", "reason": "Cizí klíč"},
    ),
    Case(
        "create a territory",
        "post",
        "/api/v1/territories/",
        (403, 403, 403, 403, 403, 403, 401),
        body={"kind": "obec", "code": "556998", "name": "Horažďovice"},
    ),
    # --- reference data: every signed-in user, with filters -----------------------------------
    Case(
        "territories by kind",
        "get",
        "/api/v1/territories/?kind=orp",
        (200, 200, 200, 200, 200, 200, 401),
    ),
    Case(
        "the territories I take part in",
        "get",
        "/api/v1/territories/?mine=true",
        (200, 200, 200, 200, 200, 200, 401),
    ),
    Case(
        "another territory (reference data, not an object of its process)",
        "get",
        "/api/v1/territories/{other_territory}/",
        (200, 200, 200, 200, 200, 200, 401),
    ),
    Case(
        "organisations by kind and name",
        "get",
        "/api/v1/organisations/?kind=provider&search=Charita",
        (200, 200, 200, 200, 200, 200, 401),
    ),
    # --- drafts and the PDF rendition ---------------------------------------------------------
    Case(
        "edit a draft's summary of changes",
        "patch",
        "/api/v1/versions/{charter_v1}/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"change_summary": "Oprava překlepů"},
    ),
    Case(
        "delete a draft",
        "delete",
        "/api/v1/versions/{charter_v1}/?reason=Omylem+nahr%C3%A1no",
        (204, 403, 403, 403, 403, 404, 401),
    ),
    Case(
        "PDF of a draft (visible, but only published versions are converted)",
        "get",
        "/api/v1/versions/{charter_v1}/pdf/",
        (400, 400, 400, 400, 400, 404, 404),
    ),
    # --- meetings and their agenda ------------------------------------------------------------
    Case(
        "the agenda",
        "get",
        "/api/v1/meetings/{meeting}/agenda-items/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "add an agenda item",
        "post",
        "/api/v1/meetings/{meeting}/agenda-items/",
        (201, 403, 403, 403, 403, 404, 401),
        body={"title": "Různé", "presenter": "koordinátorka"},
    ),
    Case(
        "add an item to the board's agenda",
        "post",
        "/api/v1/meetings/{board_meeting}/agenda-items/",
        (404, 404, 404, 201, 404, 404, 401),
        body={"title": "Komunitní plán sociálních služeb"},
    ),
    Case(
        "edit an agenda item",
        "patch",
        "/api/v1/meetings/{meeting}/agenda-items/{agenda_item}/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"discussion": "Předsedkyně přivítala přítomné."},
    ),
    Case(
        "move an agenda item",
        "post",
        "/api/v1/meetings/{meeting}/agenda-items/{agenda_item}/move/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"direction": "down"},
    ),
    Case(
        "remove an agenda item",
        "delete",
        "/api/v1/meetings/{meeting}/agenda-items/{agenda_item}/",
        (204, 403, 403, 403, 403, 404, 401),
    ),
    Case(
        "reschedule a meeting",
        "patch",
        "/api/v1/meetings/{meeting}/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"place": "Zasedací místnost MěÚ"},
    ),
    Case(
        "cancel a meeting",
        "post",
        "/api/v1/meetings/{meeting}/cancel/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"reason": "Nebylo by usnášeníschopné"},
    ),
    # --- attendance and minutes (the meeting is planned: the record rules answer 400) ----------
    Case(
        "remove an attendance line",
        "delete",
        "/api/v1/meetings/{meeting}/attendance/{attendance}/?reason=Omylem",
        (204, 403, 403, 403, 403, 404, 401),
    ),
    Case(
        "generate the attendance list for signing",
        "post",
        "/api/v1/meetings/{meeting}/attendance-list/",
        (201, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "upload the signed attendance list before the meeting",
        "post",
        "/api/v1/meetings/{meeting}/attendance-scan/",
        (400, 403, 403, 403, 403, 404, 401),
        multipart=True,
    ),
    Case(
        "the minutes verifiers",
        "get",
        "/api/v1/meetings/{meeting}/verifiers/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "name no verifiers yet",
        "put",
        "/api/v1/meetings/{meeting}/verifiers/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"verifiers": []},
    ),
    Case(
        "a verifier who was not present",
        "put",
        "/api/v1/meetings/{meeting}/verifiers/",
        (400, 403, 404, 404, 403, 404, 401),
        body={"verifiers": ["{chair_person}"]},
    ),
    Case(
        "generate the minutes of a meeting not held",
        "post",
        "/api/v1/meetings/{meeting}/minutes/",
        (400, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "approve the minutes of a meeting not held",
        "post",
        "/api/v1/meetings/{meeting}/minutes/approve/",
        (400, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "publish minutes not approved",
        "post",
        "/api/v1/meetings/{meeting}/minutes/publish/",
        (400, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    # --- the plan tree: working-group members edit their own group's part -----------------
    Case(
        "the plan",
        "get",
        "/api/v1/processes/{process}/plan/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "set the vision",
        "put",
        "/api/v1/processes/{process}/plan/vision/",
        (200, 200, 403, 403, 403, 404, 401),
        body={"text": "Dostupné a provázané služby"},
    ),
    Case(
        "add a priority of the working group",
        "post",
        "/api/v1/processes/{process}/plan/priorities/",
        (201, 201, 201, 403, 403, 404, 401),
        body={"title": "Bydlení", "working_group": "{working_group}"},
    ),
    Case(
        "add a cross-cutting priority",
        "post",
        "/api/v1/processes/{process}/plan/priorities/",
        (201, 201, 403, 403, 403, 404, 401),
        body={"title": "Průřezová"},
    ),
    Case(
        "edit the working group's priority",
        "patch",
        "/api/v1/processes/{process}/plan/priorities/{own_priority}/",
        (200, 200, 200, 403, 403, 404, 401),
        body={"description": "Podpora v domácnosti"},
    ),
    Case(
        "edit a cross-cutting priority",
        "patch",
        "/api/v1/processes/{process}/plan/priorities/{common_priority}/",
        (200, 200, 403, 403, 403, 404, 401),
        body={"description": "Web"},
    ),
    Case(
        "move a priority (renumbers another group's)",
        "post",
        "/api/v1/processes/{process}/plan/priorities/{own_priority}/move/",
        (200, 200, 403, 403, 403, 404, 401),
        body={"position": 2},
    ),
    Case(
        "delete a cross-cutting priority",
        "delete",
        "/api/v1/processes/{process}/plan/priorities/{common_priority}/",
        (204, 204, 403, 403, 403, 404, 401),
    ),
    Case(
        "add a measure to the working group's priority",
        "post",
        "/api/v1/processes/{process}/plan/measures/",
        (201, 201, 201, 403, 403, 404, 401),
        body={"priority": "{own_priority}", "title": "Terénní služby"},
    ),
    Case(
        "add a measure to a cross-cutting priority",
        "post",
        "/api/v1/processes/{process}/plan/measures/",
        (201, 201, 403, 403, 403, 404, 401),
        body={"priority": "{common_priority}", "title": "Leták"},
    ),
    Case(
        "edit the working group's measure",
        "patch",
        "/api/v1/processes/{process}/plan/measures/{own_measure}/",
        (200, 200, 200, 403, 403, 404, 401),
        body={"goal": "Více klientů doma"},
    ),
    Case(
        "move a measure into another group's priority",
        "post",
        "/api/v1/processes/{process}/plan/measures/{own_measure}/move/",
        (200, 200, 403, 403, 403, 404, 401),
        body={"position": 1, "parent": "{common_priority}"},
    ),
    Case(
        "delete a cross-cutting measure",
        "delete",
        "/api/v1/processes/{process}/plan/measures/{common_measure}/",
        (204, 204, 403, 403, 403, 404, 401),
    ),
    Case(
        "add an activity",
        "post",
        "/api/v1/processes/{process}/plan/activities/",
        (201, 201, 201, 403, 403, 404, 401),
        body={"measure": "{own_measure}", "title": "Nábor pečovatelů"},
    ),
    Case(
        "edit an activity",
        "patch",
        "/api/v1/processes/{process}/plan/activities/{own_activity}/",
        (200, 200, 200, 403, 403, 404, 401),
        body={"indicators": "Počet klientů", "starts_year": 2026},
    ),
    Case(
        "move an activity",
        "post",
        "/api/v1/processes/{process}/plan/activities/{own_activity}/move/",
        (200, 200, 200, 403, 403, 404, 401),
        body={"position": 1},
    ),
    Case(
        "delete an activity",
        "delete",
        "/api/v1/processes/{process}/plan/activities/{own_activity}/",
        (204, 204, 204, 403, 403, 404, 401),
    ),
    Case(
        "add a project intention to the group's measure",
        "post",
        "/api/v1/processes/{process}/plan/pipeline-items/",
        (201, 201, 201, 403, 403, 404, 401),
        body={"title": "Sdílené auto", "measure": "{own_measure}"},
    ),
    Case(
        "add a project intention without a measure",
        "post",
        "/api/v1/processes/{process}/plan/pipeline-items/",
        (201, 201, 403, 403, 403, 404, 401),
        body={"title": "Komunitní centrum"},
    ),
    Case(
        "edit a project intention",
        "patch",
        "/api/v1/processes/{process}/plan/pipeline-items/{own_intention}/",
        (200, 200, 200, 403, 403, 404, 401),
        body={"budget": "150000.00", "support_promised": True},
    ),
    Case(
        "delete a project intention",
        "delete",
        "/api/v1/processes/{process}/plan/pipeline-items/{own_intention}/",
        (204, 204, 204, 403, 403, 404, 401),
    ),
    # --- news of a process; comparing versions -----------------------------------------------
    Case(
        "news of a process",
        "get",
        "/api/v1/processes/{process}/news/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "a news draft",
        "get",
        "/api/v1/processes/{process}/news/{news}/",
        (200, 200, 200, 200, 200, 404, 401),
    ),
    Case(
        "draft a news item",
        "post",
        "/api/v1/processes/{process}/news/",
        (201, 403, 403, 403, 403, 404, 401),
        body={"title": "Setkání s veřejností", "text": "Ve čtvrtek"},
    ),
    Case(
        "correct a news item",
        "patch",
        "/api/v1/processes/{process}/news/{news}/",
        (200, 403, 403, 403, 403, 404, 401),
        body={"title": "Pozvánka (opraveno)"},
    ),
    Case(
        "publish a news item",
        "post",
        "/api/v1/processes/{process}/news/{news}/publish/",
        (200, 403, 403, 403, 403, 404, 401),
        body={},
    ),
    Case(
        "compare a draft with itself",
        "get",
        "/api/v1/versions/{charter_v1}/diff/?against={charter_v1}",
        (200, 200, 200, 200, 200, 404, 404),
    ),
    Case(
        "compare versions of different documents",
        "get",
        "/api/v1/versions/{plan_v1}/diff/?against={charter_v1}",
        (400, 400, 400, 400, 400, 404, 404),
    ),
]


def _values(world: World) -> dict[str, Any]:
    import uuid

    return {
        **world.ids,
        "today": _today(),
        "token": str(uuid.uuid4()),
        "someone_else": world.users["methodologist"],
    }


def _fill(value: Any, values: dict[str, Any]) -> Any:
    """Put the world's ids into a body template ("{process}" → 1, as an int when whole)."""
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return values[value[1:-1]]
    return value


def test_the_matrix_covers_every_role() -> None:
    assert all(len(case.expected) == len(ROLES) for case in CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_matrix(case: Case, role: str, api: Api, world: World) -> None:
    values = _values(world)
    url = case.url.format(**values)
    client = api.client(role)
    if case.multipart:
        response = client.post(url, _upload(), format="multipart")
    elif case.method in ("post", "patch", "put"):
        send = getattr(client, case.method)
        response = send(url, _fill(case.body, values), format="json")
    else:
        response = getattr(client, case.method)(url)
    expected = case.status_for(role)
    assert response.status_code == expected, (role, url, response.content[:500])
    if expected >= 400:
        body = problem_of(response)
        if expected in FAMILY:
            assert body["code"] == FAMILY[expected]
        if expected == 422:
            assert body["code"] == "unmet_conditions"
            assert body["conditions"] and all(c["code"] for c in body["conditions"])


# --- no endpoint reveals another territory's objects --------------------------------------------

OTHER_TERRITORY_OBJECTS = [
    "/api/v1/processes/{other_process}/",
    "/api/v1/processes/{other_process}/transitions/",
    "/api/v1/processes/{other_process}/history/",
    "/api/v1/processes/{other_process}/deadlines/",
    "/api/v1/processes/{other_process}/documents/",
    "/api/v1/processes/{other_process}/consultations/",
    "/api/v1/processes/{other_process}/generation-jobs/",
    "/api/v1/processes/{other_process}/decisions/",
    "/api/v1/processes/{other_process}/decisions/{other_decision}/",
    "/api/v1/processes/{other_process}/decisions/{other_decision}/votes/",
    "/api/v1/bodies/{other_steering_group}/",
    "/api/v1/memberships/{other_membership}/",
    "/api/v1/people/{other_person}/",
    "/api/v1/documents/{other_document}/",
    "/api/v1/documents/{other_document}/versions/",
    "/api/v1/versions/{other_version}/",
    "/api/v1/versions/{other_version}/download/",
    "/api/v1/meetings/{other_meeting}/",
    "/api/v1/meetings/{other_meeting}/ics/",
    "/api/v1/meetings/{other_meeting}/agenda-items/",
    "/api/v1/meetings/{other_meeting}/verifiers/",
    "/api/v1/processes/{other_process}/plan/",
    "/api/v1/processes/{other_process}/news/",
    "/api/v1/processes/{other_process}/news/{other_news}/",
    "/api/v1/processes/{process}/news/{other_news}/",
    "/api/v1/versions/{other_version}/diff/?against={other_version}",
    "/api/v1/versions/{charter_v1}/diff/?against={other_version}",
    "/api/v1/meetings/?process={other_process}",
    "/api/v1/versions/{other_version}/pdf/",
]


@pytest.mark.parametrize("url", OTHER_TERRITORY_OBJECTS)
def test_another_territorys_objects_are_not_found(url: str, api: Api, world: World) -> None:
    for role in ("coordinator", "steering_member", "secretariat", "auditor"):
        response = api.client(role).get(url.format(**world.ids))
        assert response.status_code == 404, (role, url)
        assert problem_of(response)["code"] == "not_found"


OTHER_ITEM = "/api/v1/meetings/{other_meeting}/agenda-items/{other_agenda_item}/"
OTHER_TERRITORY_WRITES = [
    (
        "post",
        "/api/v1/processes/{other_process}/transitions/",
        {"transition": "cancel", "reason": "x"},
    ),
    ("post", "/api/v1/processes/{other_process}/documents/", {"kind": "other", "title": "Cizí"}),
    ("post", "/api/v1/versions/{other_version}/submit/", {}),
    ("patch", "/api/v1/versions/{other_version}/", {"change_summary": "Cizí"}),
    ("delete", "/api/v1/versions/{other_version}/", None),
    ("post", "/api/v1/processes/{other_process}/decisions/{other_decision}/close/", {}),
    ("post", "/api/v1/meetings/{other_meeting}/invite/", {}),
    ("patch", "/api/v1/meetings/{other_meeting}/", {"place": "Jinde"}),
    ("post", "/api/v1/meetings/{other_meeting}/cancel/", {"reason": "Cizí jednání"}),
    ("post", "/api/v1/meetings/{other_meeting}/agenda-items/", {"title": "Cizí bod"}),
    ("patch", OTHER_ITEM, {"title": "Cizí bod"}),
    ("post", f"{OTHER_ITEM}move/", {"direction": "up"}),
    ("delete", OTHER_ITEM, None),
    # another meeting's item, under a meeting the caller runs
    ("patch", "/api/v1/meetings/{meeting}/agenda-items/{other_agenda_item}/", {"title": "x"}),
    ("delete", "/api/v1/meetings/{other_meeting}/attendance/{other_attendance}/", None),
    ("delete", "/api/v1/meetings/{meeting}/attendance/{other_attendance}/", None),
    ("post", "/api/v1/meetings/{other_meeting}/attendance-list/", {}),
    ("put", "/api/v1/meetings/{other_meeting}/verifiers/", {"verifiers": []}),
    ("put", "/api/v1/meetings/{meeting}/verifiers/", {"verifiers": ["{other_person}"]}),
    ("post", "/api/v1/meetings/{other_meeting}/minutes/", {}),
    ("post", "/api/v1/meetings/{other_meeting}/minutes/approve/", {}),
    ("post", "/api/v1/meetings/{other_meeting}/minutes/publish/", {}),
    ("put", "/api/v1/processes/{other_process}/plan/vision/", {"text": "Cizí vize"}),
    ("patch", "/api/v1/processes/{other_process}/plan/measures/{other_measure}/", {"goal": "x"}),
    # another process's nodes, under the caller's own process
    ("patch", "/api/v1/processes/{process}/plan/priorities/{other_priority}/", {"title": "x"}),
    ("delete", "/api/v1/processes/{process}/plan/measures/{other_measure}/", None),
    (
        "post",
        "/api/v1/processes/{process}/plan/measures/",
        {"priority": "{other_priority}", "title": "x"},
    ),
    (
        "post",
        "/api/v1/processes/{process}/plan/measures/{own_measure}/move/",
        {"position": 1, "parent": "{other_priority}"},
    ),
    ("post", "/api/v1/processes/{other_process}/news/", {"title": "Cizí"}),
    ("post", "/api/v1/processes/{process}/news/{other_news}/publish/", {}),
    ("patch", "/api/v1/processes/{other_process}/news/{other_news}/", {"title": "Cizí"}),
    ("post", "/api/v1/memberships/{other_membership}/end/", {"reason": "Cizí člen"}),
]


@pytest.mark.parametrize(("method", "url", "body"), OTHER_TERRITORY_WRITES)
def test_another_territorys_objects_cannot_be_changed(
    method: str, url: str, body: dict[str, Any] | None, api: Api, world: World
) -> None:
    send = getattr(api.client("coordinator"), method)
    response = send(url.format(**world.ids), _fill(body, world.ids), format="json")
    assert response.status_code == 404
    assert problem_of(response)["code"] == "not_found"


LISTS = [
    "/api/v1/processes/",
    "/api/v1/bodies/",
    "/api/v1/memberships/",
    "/api/v1/people/",
    "/api/v1/meetings/",
    "/api/v1/resolutions/",
    "/api/v1/documents/",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_hold_only_what_the_caller_may_see(url: str, api: Api, world: World) -> None:
    """The other territory's coordinator lists their own objects and none of Horažďovice's
    (but published documents, which are public)."""
    theirs = api.client("other_territory").get(url).json()["results"]
    ours = api.client("coordinator").get(url).json()["results"]
    assert ours, url
    their_ids = {row["id"] for row in theirs}
    assert not their_ids & {row["id"] for row in ours if row["id"] != world["plan"]}, url


def test_secretariat_sees_the_council_bodies_it_serves(api: Api, world: World) -> None:
    bodies = api.client("secretariat").get("/api/v1/bodies/").json()["results"]
    assert {b["id"] for b in bodies} == {world["board"], world["assembly"]}


def test_deadline_days_are_bounded(api: Api, world: World) -> None:
    """Dates far outside any plan are a validation error, never an overflow."""
    response = api.client("coordinator").post(
        f"/api/v1/processes/{world['process']}/deadlines/",
        {"stage": "mapping", "due_on": (dt.date.max).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert problem_of(response)["errors"]["due_on"]
