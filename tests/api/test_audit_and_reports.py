"""The audit trail (read-only, for those who may read a process's history) and the ESF report
export over the API."""

from __future__ import annotations

import base64
import hashlib

import pytest

from audit.models import GENESIS_HASH, AuditEvent, event_hash
from audit.services import audit_record
from tests.api.conftest import Api, World, problem_of

pytestmark = pytest.mark.django_db


def _record(world: World, count: int) -> None:
    for index in range(count):
        audit_record(
            process_id=world["process"],
            kind=AuditEvent.Kind.STAGE_TRANSITION if index % 2 else AuditEvent.Kind.VOTE_CAST,
            actor_id=world.users["coordinator"],
            object_ref=("workflow.planningprocess", str(world["process"])),
            payload={"step": index},
        )


def test_auditors_read_the_chain_and_can_verify_it(api: Api, world: World) -> None:
    before = AuditEvent.objects.filter(process_id=world["process"]).count()
    _record(world, 3)
    url = f"/api/v1/processes/{world['process']}/audit-events/?page_size=200"
    events = api.client("auditor").get(url).json()["results"]
    assert len(events) == before + 3
    previous = GENESIS_HASH
    for position, event in enumerate(events, start=1):
        assert event["seq"] == position
        assert event["prev_hash"] == previous
        stored = AuditEvent.objects.get(pk=event["id"])
        assert (
            event["hash"]
            == stored.hash
            == event_hash(
                process_id=world["process"],
                seq=event["seq"],
                kind=event["kind"],
                actor_id=event["actor_id"],
                object_type=event["object_type"],
                object_id=event["object_id"],
                payload=event["payload"],
                occurred_at=stored.occurred_at,
                prev_hash=event["prev_hash"],
            )
        )
        previous = event["hash"]


def test_the_audit_trail_filters_and_refuses(api: Api, world: World) -> None:
    _record(world, 4)
    url = f"/api/v1/processes/{world['process']}/audit-events/?kind=vote_cast"
    kinds = {e["kind"] for e in api.client("coordinator").get(url).json()["results"]}
    assert kinds == {"vote_cast"}
    refused = api.client("steering_member").get(url)
    assert refused.status_code == 403
    assert problem_of(refused)["code"] == "forbidden"
    hidden = api.client("other_territory").get(url)
    assert hidden.status_code == 404
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api.client("auditor"), method)(url)
        assert response.status_code == 405
        assert problem_of(response)["code"] == "method_not_allowed"


def test_the_esf_report_downloads_with_its_checksum(api: Api, world: World) -> None:
    response = api.client("auditor").get(
        f"/api/v1/processes/{world['process']}/esf-report/"
        "?date_from=2023-01-01&date_to=2030-12-31&file_format=csv"
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    digest = hashlib.sha256(response.content).digest()
    assert response["X-Content-SHA256"] == digest.hex()
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    xlsx = api.client("coordinator").get(f"/api/v1/processes/{world['process']}/esf-report/")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_the_esf_period_is_checked(api: Api, world: World) -> None:
    response = api.client("coordinator").get(
        f"/api/v1/processes/{world['process']}/esf-report/?date_from=2025-01-01&date_to=2024-01-01"
    )
    assert response.status_code == 400
    assert "date_to" in problem_of(response)["errors"]
