"""Schemathesis over every operation of the OpenAPI schema, as each role and anonymously.

For each operation (one test each) and each role, schemathesis generates requests from the
schema — path ids of the world's real objects (so that the requests reach real processes,
documents, meetings... of the role's own territory and of the other one), random query strings
and bodies — and sends them to the WSGI application in-process. Every response must be no 5xx,
have a status the schema documents, the documented content type and headers, and a body that
validates against the documented schema (problem+json for the errors).

The number of examples is small (the whole suite must stay fast), but every operation is run
for every role.

One 5xx is an answer, not a failure: the PDF rendition on a server without LibreOffice is the
documented 503 ``pdf_unavailable`` — accepted only when LibreOffice is really missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from documents.services.pdf import soffice_path
from tests.api.conftest import ROLES, World

EXAMPLES_PER_ROLE = 5


@schemathesis.check
def no_server_error(ctx: CheckContext, response: Any, case: schemathesis.Case) -> bool | None:
    """No 5xx, but the documented 503 ``pdf_unavailable`` of a server without LibreOffice."""
    if response.status_code == 503 and soffice_path() is None:
        body = json.loads(response.content or b"{}")
        if body.get("code") == "pdf_unavailable":
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _spec() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


SCHEMA = schemathesis.openapi.from_dict(_spec())
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE], allow_x00=False, codec="utf-8", deterministic=True
)
OPERATIONS = {
    result.ok().label: result.ok() for result in SCHEMA.get_all_operations() if result.ok()
}

# The world object each path's ``{id}`` names, by the collection it follows.
COLLECTION_IDS = {
    "processes": "process",
    "public/processes": "process",
    "documents": "charter",
    "versions": "plan_v1",
    "consultations": "consultation",
    "meetings": "meeting",
    "resolutions": "resolution",
    "bodies": "steering_group",
    "memberships": "chair_membership",
    "people": "chair_person",
    "territories": "territory",
    "target-groups": "target_group",
    "organisations": "territory",
    "generation-jobs": "process",
    "processes/{process_pk}/news": "news",
}
NAMED_IDS = {
    "process_pk": "process",
    "comment_pk": "comment",
    "consultation_pk": "consultation",
    "point_pk": "resolution_point",
    "item_pk": "agenda_item",
    "attendance_pk": "attendance",
    "priority_pk": "own_priority",
    "measure_pk": "own_measure",
    "activity_pk": "own_activity",
    "pipeline_pk": "own_intention",
}


def path_ids(path: str, world: World) -> dict[str, int]:
    """Real ids for the path parameters of an operation."""
    ids: dict[str, int] = {}
    for name, key in NAMED_IDS.items():
        if "{" + name + "}" in path:
            ids[name] = world[key]
    if "{id}" in path:
        if "/decisions/{id}" in path:
            ids["id"] = world["decision"]
        else:
            collection = path.removeprefix("/api/v1/").split("/{id}")[0]
            ids["id"] = world[COLLECTION_IDS[collection]]
    return ids


@pytest.fixture(scope="module")
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application; like the test client, it keeps the test's connection open
    between requests (the data lives in the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_operation_is_fuzzed() -> None:
    """The schema lists every endpoint; none is lost by the parametrisation below."""
    assert len(OPERATIONS) >= 122
    assert {
        "POST /api/v1/public/processes/{id}/consultations/{consultation_pk}/comments/",
        "GET /api/v1/versions/{id}/pdf/",
        "PATCH /api/v1/versions/{id}/",
        "DELETE /api/v1/versions/{id}/",
        "PATCH /api/v1/meetings/{id}/",
        "POST /api/v1/meetings/{id}/cancel/",
        "GET /api/v1/meetings/{id}/agenda-items/",
        "POST /api/v1/meetings/{id}/agenda-items/",
        "PATCH /api/v1/meetings/{id}/agenda-items/{item_pk}/",
        "DELETE /api/v1/meetings/{id}/agenda-items/{item_pk}/",
        "POST /api/v1/meetings/{id}/agenda-items/{item_pk}/move/",
        "DELETE /api/v1/meetings/{id}/attendance/{attendance_pk}/",
        "POST /api/v1/meetings/{id}/attendance-list/",
        "POST /api/v1/meetings/{id}/attendance-scan/",
        "GET /api/v1/meetings/{id}/verifiers/",
        "PUT /api/v1/meetings/{id}/verifiers/",
        "POST /api/v1/meetings/{id}/minutes/",
        "POST /api/v1/meetings/{id}/minutes/approve/",
        "POST /api/v1/meetings/{id}/minutes/publish/",
        "GET /api/v1/processes/{process_pk}/plan/",
        "PUT /api/v1/processes/{process_pk}/plan/vision/",
        "POST /api/v1/processes/{process_pk}/plan/priorities/",
        "PATCH /api/v1/processes/{process_pk}/plan/priorities/{priority_pk}/",
        "DELETE /api/v1/processes/{process_pk}/plan/priorities/{priority_pk}/",
        "POST /api/v1/processes/{process_pk}/plan/priorities/{priority_pk}/move/",
        "POST /api/v1/processes/{process_pk}/plan/measures/",
        "PATCH /api/v1/processes/{process_pk}/plan/measures/{measure_pk}/",
        "DELETE /api/v1/processes/{process_pk}/plan/measures/{measure_pk}/",
        "POST /api/v1/processes/{process_pk}/plan/measures/{measure_pk}/move/",
        "POST /api/v1/processes/{process_pk}/plan/activities/",
        "PATCH /api/v1/processes/{process_pk}/plan/activities/{activity_pk}/",
        "DELETE /api/v1/processes/{process_pk}/plan/activities/{activity_pk}/",
        "POST /api/v1/processes/{process_pk}/plan/activities/{activity_pk}/move/",
        "POST /api/v1/processes/{process_pk}/plan/pipeline-items/",
        "PATCH /api/v1/processes/{process_pk}/plan/pipeline-items/{pipeline_pk}/",
        "DELETE /api/v1/processes/{process_pk}/plan/pipeline-items/{pipeline_pk}/",
        "GET /api/v1/versions/{id}/diff/",
        "GET /api/v1/processes/{process_pk}/news/",
        "POST /api/v1/processes/{process_pk}/news/",
        "GET /api/v1/processes/{process_pk}/news/{id}/",
        "PATCH /api/v1/processes/{process_pk}/news/{id}/",
        "POST /api/v1/processes/{process_pk}/news/{id}/publish/",
    } <= set(OPERATIONS)


def fuzz(operation: Any, ids: dict[str, int], headers: dict[str, str], app: WSGIHandler) -> None:
    """A few generated requests to one operation with one role's credentials."""

    @settings(
        max_examples=EXAMPLES_PER_ROLE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=ids))
    def run(case: schemathesis.Case) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation(label: str, world: World, db: Any, wsgi_app: WSGIHandler) -> None:
    operation = OPERATIONS[label]
    ids = path_ids(operation.path, world)
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Token {world.tokens[role]}"}
        fuzz(operation, ids, headers, wsgi_app)
