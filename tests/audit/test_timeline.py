"""The audit timeline of a process: who may read it, what it merges, filters, exports, and a
query count that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from audit.services import audit_record
from stakeholders import services as stakeholder_services
from stakeholders.models import Body, Membership
from stakeholders.services import record_save
from tests.factories import UserFactory
from tests.public.builders import published_version, schedule
from workflow import services
from workflow.models import Meeting, Resolution, StageTransition
from workflow.selectors_audit import history_sources, timeline
from workflow.services import meetings as meeting_services

pytestmark = pytest.mark.django_db

SUBMITTER_NAME = "Jarmila Tajná"
SUBMITTER_EMAIL = "jarmila.tajna@example.cz"
MODELS = {
    "workflow.planningprocess",
    "workflow.stagetransition",
    "workflow.decision",
    "documents.document",
    "documents.documentversion",
    "workflow.consultationperiod",
    "workflow.comment",
    "workflow.meeting",
    "workflow.resolution",
}


def url(process, **params) -> str:
    base = reverse("workflow_audit:timeline", args=[process.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def export_url(process, fmt: str, **params) -> str:
    base = reverse("workflow_audit:export", args=[process.pk, fmt])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def add_auditor(cycle, *, is_staff: bool = True):
    audit_body = stakeholder_services.body_create(
        actor=cycle.admin, kind=Body.Kind.AUDIT, name="Audit ESF", process=cycle.process
    )
    user = UserFactory(username=f"auditor-{cycle.process.pk}", is_staff=is_staff)
    person = stakeholder_services.person_create(
        actor=cycle.admin, first_name="Auditor", last_name="ESF", user=user
    )
    stakeholder_services.membership_create(
        actor=cycle.admin,
        person=person,
        body=audit_body,
        role=Membership.Role.AUDITOR,
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )
    return user


def fill(cycle, *, rounds: int = 1) -> None:
    """Audit events and history rows of every model the timeline merges, ``rounds`` times."""
    process, coordinator = cycle.process, cycle.coordinator
    for n in range(rounds):
        version = published_version(process, cycle.steering_group, title=f"Návrh {n}")
        consultation = schedule(cycle, document_version=version, title=f"Připomínky {n}")
        services.comment_submit_public(
            consultation_id=consultation.pk,
            name=SUBMITTER_NAME,
            email=SUBMITTER_EMAIL,
            text="Doplnit terénní služby.",
            consents_to_processing=True,
            idempotency_token=uuid.uuid4(),
        )
        services.meeting_create(
            actor=coordinator,
            kind=Meeting.Kind.BODY_MEETING,
            title=f"Jednání {n}",
            starts_at=timezone.now() + dt.timedelta(days=7),
            body=cycle.steering_group,
        )
        StageTransition.objects.create(
            process=process,
            transition="start_mapping",
            from_stage="preparation",
            to_stage="mapping",
            actor=coordinator,
            actor_id_snapshot=coordinator.pk,
            reason="Zahájení mapování",
        )
        Resolution.objects.create(
            body=cycle.steering_group,
            process=process,
            number=f"RS/{uuid.uuid4().hex[:8]}/2025",
            adopted_on=timezone.localdate(),
            title="Doporučení návrhu",
            submitted_by="Ing. Petr Navrhovatel",
            members_total=5,
            present=4,
            votes_for=4,
            votes_against=0,
            votes_abstained=0,
            outcome=Resolution.Outcome.ADOPTED,
        )
        audit_record(
            process_id=process.pk,
            kind=AuditEvent.Kind.VERSION_PUBLISHED,
            actor_id=coordinator.pk,
            obj=version,
            payload={"version_id": version.pk, "sha256": version.sha256, "number": 1},
        )
        audit_record(
            process_id=process.pk,
            kind=AuditEvent.Kind.CONSULTATION_OPENED,
            actor_id=cycle.admin.pk,
            obj=consultation,
            payload={"consultation_id": consultation.pk},
        )


@pytest.fixture
def filled(cycle):
    fill(cycle)
    return cycle


def test_the_history_sources_are_the_nine_models():
    assert {source.label for source in history_sources()} == MODELS


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("methodologist", 200), ("auditor", 200), ("chair", 403),
     ("observer", 403), ("other_territory", 404), ("admin", 200)],
)  # fmt: skip
def test_who_may_read_the_trail(client, filled, other_cycle, who, status):
    users = {
        **filled.users,
        "auditor": add_auditor(filled),
        "other_territory": other_cycle.coordinator,
        "admin": filled.admin,
    }
    client.force_login(users[who])
    assert client.get(url(filled.process)).status_code == status
    assert client.get(export_url(filled.process, "csv")).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, filled):
    response = client.get(url(filled.process))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(export_url(filled.process, "csv")).status_code == 302


def test_the_page_merges_events_and_field_changes_without_personal_data(client, filled):
    client.force_login(filled.coordinator)
    response = client.get(url(filled.process))
    assert response.status_code == 200
    entries = response.context["page"].object_list
    assert {e.source for e in entries if not e.is_event} == MODELS
    # the services' own events (e.g. permissions granted to the members) and the ones added here
    assert {"version_published", "consultation_opened"} <= {e.kind for e in entries if e.is_event}
    event = next(e for e in entries if e.kind == "version_published")
    assert event.seq >= 1 and len(event.hash) == 64 and ("sha256", "a" * 64) in event.facts
    comment = next(e for e in entries if e.source == "workflow.comment")
    changed = {c.field: c.new for c in comment.changes}
    assert changed["submitter_name"] == changed["submitter_email"] != SUBMITTER_NAME
    html = response.content.decode()
    for secret in (SUBMITTER_NAME, SUBMITTER_EMAIL, "Petr Navrhovatel"):
        assert secret not in html
    assert 'data-kind="version_published"' in html and 'data-kind="created"' in html
    head = response.context["head"]
    events = AuditEvent.objects.filter(process=filled.process)
    assert head.last_seq == events.count() >= 2 and head.last_hash in html


def test_a_change_shows_old_and_new_values(client, filled):
    meeting = Meeting.objects.get(process=filled.process)
    meeting_services.meeting_update(
        actor=filled.coordinator,
        meeting=meeting,
        title="Jednání přesunuté",
        starts_at=meeting.starts_at,
        reason="Změna názvu",
    )
    client.force_login(filled.coordinator)
    entries = (
        client.get(url(filled.process, kind="changes:workflow.meeting")).context["page"].object_list
    )
    changed = next(e for e in entries if e.kind == "changed")
    title = next(c for c in changed.changes if c.field == "title")
    assert (title.old, title.new) == ("Jednání 0", "Jednání přesunuté")
    assert changed.reason == "Změna názvu"
    assert changed.actor_id == filled.coordinator.pk


def test_filters_by_kind_actor_and_date(client, filled):
    client.force_login(filled.coordinator)

    def entries(**params):
        response = client.get(url(filled.process, **params))
        assert response.status_code == 200, response.content
        return response.context["page"].object_list

    everything = entries()
    only_published = entries(kind="version_published")
    assert [e.kind for e in only_published] == ["version_published"]
    changes = entries(kind="changes")
    assert changes and not any(e.is_event for e in changes)
    assert len(changes) == len(everything) - sum(e.is_event for e in everything)
    decisions = entries(kind="changes:workflow.decision")
    assert decisions and {e.source for e in decisions} == {"workflow.decision"}
    by_admin = entries(actor=filled.admin.pk)
    assert by_admin and {e.actor_id for e in by_admin} == {filled.admin.pk}
    assert any(e.kind == "consultation_opened" for e in by_admin)
    assert not any(e.kind == "version_published" for e in by_admin)
    today = timezone.localdate()
    assert len(entries(date_from=today, date_to=today)) == len(everything)
    assert entries(date_from=today + dt.timedelta(days=1)) == []
    assert entries(date_to=today - dt.timedelta(days=1)) == []
    bad = client.get(url(filled.process, date_from=today, date_to=today - dt.timedelta(days=1)))
    assert bad.status_code == 400


def test_the_date_range_is_whole_days_in_prague(cycle):
    with time_machine.travel(dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        # 00:30 on 2 March in Prague
        audit_record(process_id=cycle.process.pk, kind="vote_cast", actor_id=None, payload={})
    found = timeline(
        actor=cycle.coordinator,
        process=cycle.process,
        kind="vote_cast",
        date_from=dt.date(2025, 3, 2),
        date_to=dt.date(2025, 3, 2),
    )
    assert found.rows().count() == 1
    assert (
        timeline(
            actor=cycle.coordinator,
            process=cycle.process,
            kind="vote_cast",
            date_to=dt.date(2025, 3, 1),
        )
        .rows()
        .count()
        == 0
    )


def test_staff_see_names_others_see_ids(client, filled):
    client.force_login(filled.coordinator)
    names = {
        e.actor_id: e.actor_name
        for e in client.get(url(filled.process)).context["page"].object_list
    }
    assert names[filled.coordinator.pk] == (
        filled.coordinator.get_full_name() or filled.coordinator.username
    )
    outsider = add_auditor(filled, is_staff=False)
    client.force_login(outsider)
    response = client.get(url(filled.process))
    assert {e.actor_name for e in response.context["page"].object_list} == {""}
    assert f"#{filled.coordinator.pk}" in response.content.decode()
    assert filled.coordinator.username not in response.content.decode().split("<main>")[1]


def test_the_csv_export_streams_the_filtered_trail_and_is_recorded(client, filled):
    client.force_login(filled.coordinator)
    expected = timeline(actor=filled.coordinator, process=filled.process).rows().count()
    response = client.get(export_url(filled.process, "csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # Every entry, plus the export event recorded before the export was written.
    assert len(rows) == 1 + expected + 1
    assert rows[1][3] == "export_generated"
    kinds = [row[3] for row in rows[1:]]
    assert "version_published" in kinds and "created" in kinds
    for secret in (SUBMITTER_NAME, SUBMITTER_EMAIL):
        assert secret not in text
    export = AuditEvent.objects.get(kind="export_generated")
    assert export.actor_id == filled.coordinator.pk
    assert export.payload == {
        "export": "audit_timeline",
        "format": "csv",
        "filters": {"kind": "", "actor_id": None, "date_from": None, "date_to": None},
    }
    filtered = client.get(export_url(filled.process, "csv", kind="version_published"))
    lines = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))))
    assert [row[3] for row in lines[1:]] == ["version_published"]
    assert AuditEvent.objects.filter(kind="export_generated").count() == 2


def test_the_xlsx_export(client, filled):
    client.force_login(filled.coordinator)
    response = client.get(export_url(filled.process, "xlsx", kind="changes"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 12
    assert {row[2] for row in rows[1:]} == MODELS
    assert client.get(export_url(filled.process, "pdf")).status_code == 400


def test_exported_cells_are_never_formulas(client, cycle):
    record_save(
        StageTransition(
            process=cycle.process,
            transition="start_mapping",
            from_stage="preparation",
            to_stage="mapping",
            actor=cycle.coordinator,
            actor_id_snapshot=cycle.coordinator.pk,
            reason="Zahájení",
        ),
        actor=cycle.coordinator,
        reason='=HYPERLINK("http://example.com","x")',
    )
    client.force_login(cycle.coordinator)
    response = client.get(
        export_url(cycle.process, "xlsx", kind="changes:workflow.stagetransition")
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    reasons = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert reasons == ['\'=HYPERLINK("http://example.com","x")']


def test_pages_do_not_overlap_and_the_export_order_matches(client, cycle):
    with time_machine.travel(timezone.now(), tick=False):  # many rows share one instant
        fill(cycle, rounds=7)
    found = timeline(actor=cycle.coordinator, process=cycle.process)
    total = found.rows().count()
    assert total > 60
    first, second = found.page(1), found.page(2)
    keys = lambda page: [(e.source, e.object_id, e.at, e.seq) for e in page.object_list]  # noqa: E731
    assert len(first.object_list) == 50
    assert not set(keys(first)) & set(keys(second))
    streamed = list(found.iter_entries(chunk_size=7))
    assert len(streamed) == total
    assert [(e.source, e.kind, e.object_id) for e in streamed[:50]] == [
        (e.source, e.kind, e.object_id) for e in first.object_list
    ]
    client.force_login(cycle.coordinator)
    page_two = client.get(url(cycle.process, page=2))
    assert page_two.status_code == 200 and page_two.context["page"].number == 2


def _queries(client, process, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(process, **params)).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_rows(client, cycle):
    client.force_login(cycle.coordinator)
    fill(cycle, rounds=1)
    small = _queries(client, cycle.process)
    small_meetings = _queries(client, cycle.process, kind="changes:workflow.meeting")
    small_events = _queries(client, cycle.process, kind="version_published")
    fill(cycle, rounds=6)
    assert timeline(actor=cycle.coordinator, process=cycle.process).rows().count() > 60
    # The same tables on the page: the same queries, whatever the number of rows.
    assert _queries(client, cycle.process, kind="changes:workflow.meeting") == small_meetings
    assert _queries(client, cycle.process, kind="version_published") == small_events
    # Fewer tables on the first page can only mean fewer queries.
    assert _queries(client, cycle.process) <= small <= 40
