"""Retention of ESF records: before the project's retention date no record of its processes is
deleted (the service rule refuses, the ORM refuses in ``pre_delete``, the admin offers no delete);
after it, nothing refuses. Working material (drafts, lines corrected before the minutes are
approved, the plan tree) stays deletable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from documents import services as document_services
from documents.models import Document, DocumentVersion
from documents.models.plan import Priority
from documents.services import plan as plan_services
from stakeholders.exceptions import ValidationFailed
from stakeholders.models import EsfProject
from tests.documents.samples import docx_bytes, make_document, upload
from tests.factories import EsfProjectFactory
from tests.workflow.test_esf import PRESENT, at, held
from tests.workflow.test_workflow_admin import records  # noqa: F401 (a fixture)
from workflow.models import (
    Attendance,
    Comment,
    ConsultationPeriod,
    Decision,
    IndicatorDefinition,
    Meeting,
    NewsItem,
    PlanningProcess,
    Resolution,
    StageTransition,
)
from workflow.services import meetings as meeting_services
from workflow.services import retention
from workflow.services.retention import RetentionError

pytestmark = pytest.mark.django_db

KEPT_UNTIL = dt.date(2033, 12, 31)  # EsfProjectFactory's retention date
AFTER = KEPT_UNTIL + dt.timedelta(days=1)
KEPT_MODELS = [
    PlanningProcess,
    StageTransition,
    Decision,
    ConsultationPeriod,
    Comment,
    NewsItem,
    Meeting,
    Resolution,
    Document,
    DocumentVersion,
]


def admin_url(model: type, page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def link(process: PlanningProcess, project: EsfProject | None = None) -> EsfProject:
    project = project or EsfProjectFactory()
    PlanningProcess.objects.filter(pk=process.pk).update(esf_project=project)
    return project


def end_retention(project: EsfProject) -> None:
    """The retention date passed yesterday."""
    EsfProject.objects.filter(pk=project.pk).update(
        retention_until=timezone.localdate() - dt.timedelta(days=1)
    )


def submitted_version(cycle: Any) -> DocumentVersion:
    draft = upload(cycle, make_document(cycle), docx_bytes(["Analýza poskytovatelů"]))
    return document_services.version_submit(actor=cycle.users["methodologist"], version=draft)


@pytest.fixture
def kept(records) -> dict[type, Any]:  # noqa: F811 (the imported fixture)
    """One record of every kind in a process of an ESF project kept until 31 Dec 2033."""
    cycle = records.cycle
    records.project = link(cycle.process)
    version = submitted_version(cycle)
    rows = {model: records.rows[model] for model in KEPT_MODELS if model in records.rows}
    rows.update(
        {
            PlanningProcess: PlanningProcess.objects.get(pk=cycle.process.pk),
            Document: version.document,
            DocumentVersion: version,
        }
    )
    return rows


# --- the service rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", KEPT_MODELS, ids=lambda m: m.__name__)
def test_a_record_is_kept_through_the_retention_date_and_not_after(kept, model):
    obj = kept[model]
    for today in (None, KEPT_UNTIL):
        with pytest.raises(RetentionError) as refused:
            retention.retention_guard(obj, today=today)
    error = refused.value
    assert (error.code, error.http_status) == ("retention_period", 409)
    assert error.extra["retention_until"] == "2033-12-31"
    assert "CZ.03.2.63/0.0/0.0/19_106/" in error.message and "31. 12. 2033" in error.message
    assert obj in retention.retained(model.objects.all())

    retention.retention_guard(obj, today=AFTER)
    assert obj not in retention.retained(model.objects.all(), today=AFTER)


def test_records_of_processes_without_an_esf_project_are_not_held(cycle):
    version = submitted_version(cycle)
    assert cycle.process.esf_project_id is None
    retention.retention_guard(version)
    retention.retention_guard(cycle.process)
    assert not retention.retained(PlanningProcess.objects.all()).exists()


def test_deleting_a_record_is_refused_whichever_way_until_the_date_passes(kept, records):  # noqa: F811
    comment = kept[Comment]
    # (each in a savepoint: Django's delete rolls back the transaction it runs in)
    with pytest.raises(RetentionError), transaction.atomic():
        comment.delete()
    with pytest.raises(RetentionError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).delete()
    with pytest.raises(RetentionError), transaction.atomic():  # would cascade to attendance
        Meeting.objects.filter(pk=kept[Meeting].pk).delete()
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert Attendance.objects.filter(meeting=kept[Meeting]).exists()

    end_retention(records.project)
    comment.delete()
    assert not Comment.objects.filter(pk=comment.pk).exists()


# --- working material ---------------------------------------------------------------------------


def test_working_material_of_a_kept_process_stays_deletable(cycle):
    """A draft never submitted, an attendance line before the minutes are approved and the plan
    tree are not records yet: their services delete them, each deletion in the history."""
    link(cycle.process)
    draft = upload(cycle, make_document(cycle), docx_bytes(["Pracovní návrh"]))
    document_services.version_delete_draft(
        actor=cycle.coordinator, version=draft, reason="Omylem nahraný soubor"
    )
    assert not DocumentVersion.objects.filter(pk=draft.pk).exists()

    meeting = held(cycle, at(3), guests=[("Eva Hostovaá", "Charita")])
    line = meeting.attendances.get()
    meeting_services.attendance_remove(actor=cycle.coordinator, attendance=line, reason="Překlep")
    assert not Attendance.objects.filter(pk=line.pk).exists()
    assert Attendance.history.filter(id=line.pk, history_type="-").exists()

    priority = plan_services.plan_priority_create(
        actor=cycle.coordinator, process=cycle.process, title="Dostupné terénní služby"
    )
    plan_services.plan_priority_delete(actor=cycle.coordinator, priority=priority)
    assert not Priority.objects.filter(pk=priority.pk).exists()


def test_attendance_becomes_a_record_when_the_minutes_are_approved(cycle):
    link(cycle.process)
    chair = cycle.memberships["chair"].person
    meeting = held(cycle, at(5), body=cycle.steering_group, attend=[(chair, PRESENT)])
    line = meeting.attendances.get()
    retention.retention_guard(line)  # still being compiled

    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.MINUTES_APPROVED)
    with pytest.raises(RetentionError):
        retention.retention_guard(line)
    with pytest.raises(ValidationFailed), transaction.atomic():  # the meetings service froze it
        meeting_services.attendance_remove(actor=cycle.coordinator, attendance=line)
    with pytest.raises(RetentionError), transaction.atomic():
        Attendance.objects.filter(pk=line.pk).delete()


# --- the admin ----------------------------------------------------------------------------------


def delete_actions(response: Any) -> list[str]:
    form = response.context["action_form"]
    return [] if form is None else [name for name, _label in form.fields["action"].choices]


@pytest.mark.parametrize("model", KEPT_MODELS, ids=lambda m: m.__name__)
def test_the_admin_offers_no_delete_for_a_kept_record(client, kept, records, model):  # noqa: F811
    obj = kept[model]
    client.force_login(records.cycle.admin)  # a superuser
    page = client.get(admin_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert admin_url(model, "delete", obj.pk) not in page.content.decode()
    assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert "delete_selected" not in delete_actions(client.get(admin_url(model, "changelist")))


def test_after_the_retention_date_the_admin_offers_the_process_delete_again(client, superuser):
    from tests.workflow.conftest import build_cycle

    cycle = build_cycle(superuser)
    project = link(cycle.process)
    client.force_login(superuser)
    change, delete = (
        admin_url(PlanningProcess, page, cycle.process.pk) for page in ("change", "delete")
    )
    assert delete not in client.get(change).content.decode()
    assert "delete_selected" not in delete_actions(
        client.get(admin_url(PlanningProcess, "changelist"))
    )

    end_retention(project)
    assert delete in client.get(change).content.decode()
    assert "delete_selected" in delete_actions(client.get(admin_url(PlanningProcess, "changelist")))


def test_an_esf_project_with_kept_processes_has_no_delete(client, superuser):
    from tests.workflow.conftest import build_cycle

    cycle = build_cycle(superuser)
    funded = link(cycle.process)
    unused = EsfProjectFactory()
    client.force_login(superuser)
    for project, deletable in ((funded, False), (unused, True)):
        page = client.get(admin_url(EsfProject, "change", project.pk)).content.decode()
        assert (admin_url(EsfProject, "delete", project.pk) in page) is deletable


def test_indicator_definitions_in_use_by_a_kept_project_are_not_deleted(client, superuser):
    from tests.workflow.conftest import build_cycle

    cycle = build_cycle(superuser)
    project = link(cycle.process)
    finished = EsfProjectFactory(
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2019, 12, 31),
        retention_until=dt.date(2020, 1, 1),
    )
    link(build_cycle(superuser, code="3214", name="ORP Sušice").process, finished)
    seeded = IndicatorDefinition.objects.get(code="6 00 00", esf_project=None)
    own = IndicatorDefinition.objects.create(
        esf_project=project, code="6 00 00", name="Účastníci", computation="unique_participants"
    )
    past = IndicatorDefinition.objects.create(
        esf_project=finished, code="6 00 00", name="Účastníci", computation="unique_participants"
    )
    client.force_login(superuser)
    for definition in (seeded, own):
        with pytest.raises(RetentionError):
            retention.retention_guard(definition)
        page = client.get(admin_url(IndicatorDefinition, "change", definition.pk))
        assert admin_url(IndicatorDefinition, "delete", definition.pk) not in page.content.decode()
    # The finished project's own definition goes: the kept project does not use it.
    retention.retention_guard(past)
    response = client.post(admin_url(IndicatorDefinition, "delete", past.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not IndicatorDefinition.objects.filter(pk=past.pk).exists()
