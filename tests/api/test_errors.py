"""Errors as RFC 9457 problem+json with stable codes; authentication by token and by session."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import Api, World, problem_of
from tests.factories import UserFactory
from workflow.models import PlanningProcess

pytestmark = pytest.mark.django_db


def test_unauthenticated_is_401_with_the_token_challenge(api: Api) -> None:
    response = api.client().get("/api/v1/processes/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = problem_of(response)
    assert body["code"] == "unauthenticated"
    assert body["type"] == "urn:komplan:problem:unauthenticated"
    assert body["instance"] == "/api/v1/processes/"


def test_a_wrong_token_is_401(api: Api) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/processes/")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "unauthenticated"


def test_unmet_conditions_list_every_reason(api: Api, world: World) -> None:
    response = api.client("coordinator").post(
        f"/api/v1/processes/{world['process']}/transitions/",
        {"transition": "start_mapping", "reason": "Zkusíme to"},
        format="json",
    )
    assert response.status_code == 422
    body = problem_of(response)
    assert body["code"] == "unmet_conditions"
    codes = [condition["code"] for condition in body["conditions"]]
    assert "founding_charter_not_approved" in codes
    assert "decision_missing" in codes
    assert all(condition["message"] for condition in body["conditions"])


def test_a_step_from_a_stage_already_left_is_409(api: Api, world: World) -> None:
    response = api.client("coordinator").post(
        f"/api/v1/processes/{world['process']}/transitions/",
        {"transition": "start_mapping", "reason": "Souběh", "expected_stage": "mapping"},
        format="json",
    )
    assert response.status_code == 409
    assert problem_of(response)["code"] == "conflict"
    assert PlanningProcess.objects.get(pk=world["process"]).stage == "preparation"


def test_validation_error_names_the_fields(api: Api, world: World) -> None:
    response = api.client("coordinator").post(
        f"/api/v1/processes/{world['process']}/transitions/",
        {"transition": "fly_away"},
        format="json",
    )
    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"transition", "reason"}


def test_a_service_validation_error_keeps_its_fields(api: Api, world: World) -> None:
    """A rule of the service (not of the serializer): the consultation is too short."""
    today = timezone.localdate()
    response = api.client("coordinator").post(
        f"/api/v1/processes/{world['process']}/consultations/",
        {
            "document_version": world["plan_v1"],
            "title": "Krátké připomínkování",
            "opens": today.isoformat(),
            "closes": (today + dt.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "validation_error"
    assert "closes_at" in body["errors"]


def test_malformed_json_is_a_validation_error(api: Api, world: World) -> None:
    response = api.client("coordinator").post(
        "/api/v1/organisations/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = problem_of(response)
    assert (body["code"], body["subcode"]) == ("validation_error", "parse_error")


def test_forbidden_and_not_found(api: Api, world: World) -> None:
    url = f"/api/v1/processes/{world['process']}/transitions/"
    body = {"transition": "start_mapping", "reason": "Nemohu"}
    forbidden = api.client("wg_member").post(url, body, format="json")
    assert forbidden.status_code == 403
    assert problem_of(forbidden)["code"] == "forbidden"
    hidden = api.client("other_territory").post(url, body, format="json")
    assert hidden.status_code == 404
    assert problem_of(hidden)["code"] == "not_found"
    huge = api.client("coordinator").get(f"/api/v1/processes/{2**70}/")
    assert huge.status_code == 404
    assert problem_of(huge)["code"] == "not_found"


def test_public_comment_after_the_close_is_deadline_passed(api: Api, world: World) -> None:
    url = (
        f"/api/v1/public/processes/{world['process']}/consultations/"
        f"{world['consultation']}/comments/"
    )
    with time_machine.travel(timezone.now() + dt.timedelta(days=40), tick=False):
        response = api.client().post(url, _comment(), format="json")
    assert response.status_code == 422
    body = problem_of(response)
    assert (body["code"], body["subcode"]) == ("deadline_passed", "consultation_closed")


def _comment(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Eva Malá",
        "email": "eva@example.cz",
        "text": "Více terénních služeb.",
        "consents_to_processing": True,
        "token": str(uuid.uuid4()),
        **overrides,
    }


def _public_url(world: World) -> str:
    return (
        f"/api/v1/public/processes/{world['process']}/consultations/"
        f"{world['consultation']}/comments/"
    )


@override_settings(KOMPLAN_COMMENT_RATE_LIMIT=2)
def test_public_comments_are_rate_limited_per_client(api: Api, world: World) -> None:
    client = api.client()
    for _ in range(2):
        assert client.post(_public_url(world), _comment(), format="json").status_code == 201
    refused = client.post(_public_url(world), _comment(), format="json")
    assert refused.status_code == 429
    assert problem_of(refused)["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    other_address = client.post(
        _public_url(world), _comment(), format="json", REMOTE_ADDR="192.0.2.7"
    )
    assert other_address.status_code == 201


def test_a_repeated_public_comment_is_stored_once(api: Api, world: World) -> None:
    from workflow.models import Comment

    before = Comment.objects.count()
    comment = _comment()
    first = api.client().post(_public_url(world), comment, format="json")
    again = api.client().post(_public_url(world), comment, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["receipt_number"] == again.json()["receipt_number"]
    assert Comment.objects.count() == before + 1


def test_the_honeypot_answers_like_a_success_and_stores_nothing(api: Api, world: World) -> None:
    from workflow.models import Comment

    before = Comment.objects.count()
    response = api.client().post(
        _public_url(world), _comment(website="http://spam.example"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["receipt_number"] == ""
    assert Comment.objects.count() == before


def test_public_comment_needs_consent(api: Api, world: World) -> None:
    response = api.client().post(
        _public_url(world), _comment(consents_to_processing=False), format="json"
    )
    assert response.status_code == 400
    assert "consents_to_processing" in problem_of(response)["errors"]


# --- authentication ----------------------------------------------------------------------------


def test_session_authentication_enforces_csrf(world: World) -> None:
    user = UserFactory(username="prohlizec")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["username"] == "prohlizec"
    refused = client.post("/api/v1/tokens/", {"reason": "Bez CSRF"}, format="json")
    assert refused.status_code == 403
    assert problem_of(refused)["code"] == "forbidden"
    # a page with a form sets the CSRF cookie
    client.get(f"/verejnost/{world['process']}/pripominkovani/{world['consultation']}/")
    accepted = client.post(
        "/api/v1/tokens/",
        {"reason": "S CSRF"},
        format="json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 201


def test_tokens_rotate_and_revoke_with_a_recorded_reason(api: Api, world: World) -> None:
    old = world.tokens["coordinator"]
    client = api.client("coordinator")
    issued = client.post("/api/v1/tokens/", {"reason": "Nový server"}, format="json").json()
    assert issued["key"] != old
    stale = api.client("coordinator").get("/api/v1/me/")
    assert stale.status_code == 401
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {issued['key']}")
    assert fresh.get("/api/v1/me/").status_code == 200
    assert fresh.post("/api/v1/tokens/revoke/", {"reason": "Odcizený klíč"}).status_code == 204
    assert fresh.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user_id=world.users["coordinator"]).exists()
    messages = list(
        LogEntry.objects.filter(object_id=str(world.users["coordinator"]))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert any("Nový server" in m for m in messages)
    assert any("Odcizený klíč" in m for m in messages)
    assert not any(issued["key"] in m for m in messages)


def test_a_superuser_issues_and_revokes_tokens_for_others(api: Api, world: World) -> None:
    target = world.users["wg_member"]
    admin = api.client("superuser")
    issued = admin.post("/api/v1/tokens/", {"user": target, "reason": "Pro systém"}, format="json")
    assert issued.status_code == 201
    assert issued.json()["user"] == target
    revoked = admin.post(
        "/api/v1/tokens/revoke/", {"user": target, "reason": "Konec"}, format="json"
    )
    assert revoked.status_code == 204
    missing = admin.post("/api/v1/tokens/", {"user": 10**12, "reason": "x"}, format="json")
    assert missing.status_code == 404


def test_an_inactive_users_token_stops_working(api: Api, world: World) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=world.users["auditor"]).update(is_active=False)
    assert api.client("auditor").get("/api/v1/me/").status_code == 401


def test_schema_and_docs(api: Api) -> None:
    schema = api.client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["properties"])
    transition = spec["paths"]["/api/v1/processes/{id}/transitions/"]["post"]
    assert "application/problem+json" in transition["responses"]["422"]["content"]
    docs = api.client().get("/api/v1/docs/")
    assert docs.status_code == 200
    policy = docs["Content-Security-Policy"]
    assert "https://cdn.jsdelivr.net" in policy
    # only this page widens the policy
    assert "cdn.jsdelivr.net" not in api.client().get("/api/v1/me/").get(
        "Content-Security-Policy", ""
    )
