"""The guard rules that read the documents register and the structured plan."""

from __future__ import annotations

import pytest
from django.utils import timezone

from documents import services as document_services
from documents.models import Priority
from stakeholders import services as stakeholder_services
from stakeholders.models import Body
from tests.documents.samples import approve, docx_bytes, make_document, upload
from workflow import guards
from workflow.models import PlanningProcess, Transition

pytestmark = pytest.mark.django_db


def _codes(process, transition, **kwargs):
    return [c.code for c in guards.evaluate(process, transition, **kwargs)]


def _approved(cycle, kind, title):
    document = make_document(cycle, kind=kind, title=title)
    version = upload(cycle, document, docx_bytes([title]))
    version = document_services.version_submit(actor=cycle.users["methodologist"], version=version)
    return approve(cycle, version)


def test_each_required_analysis_needs_an_approved_version(cycle):
    conditions = guards.evaluate(cycle.process, Transition.START_WORKING_GROUPS)
    assert [c.code for c in conditions] == ["analysis_not_approved"] * 4
    assert "sociodemografick" in conditions[0].message
    _approved(cycle, "socio_demographic_analysis", "Sociodemografická analýza")
    _approved(cycle, "provider_analysis", "Analýza poskytovatelů")
    # a draft that was never approved does not count
    draft = make_document(cycle, kind="resources_analysis", title="Analýza zdrojů")
    upload(cycle, draft, docx_bytes(["Analýza zdrojů"]))
    assert _codes(cycle.process, Transition.START_WORKING_GROUPS) == ["analysis_not_approved"] * 2
    _approved(cycle, "resources_analysis", "Analýza zdrojů")
    _approved(cycle, "user_needs_survey", "Průzkum potřeb uživatelů")
    assert _codes(cycle.process, Transition.START_WORKING_GROUPS) == []


def test_draft_plan_and_working_group_parts(cycle, superuser):
    group = stakeholder_services.target_group_create(
        actor=superuser, code="seniori", name="Senioři"
    )
    seniors = stakeholder_services.body_create(
        actor=superuser,
        kind=Body.Kind.WORKING_GROUP,
        name="PS Senioři",
        process=cycle.process,
        target_group=group,
    )
    codes = _codes(cycle.process, Transition.OPEN_CONSULTATION)
    assert codes[:2] == ["draft_plan_not_approved", "working_group_part_missing"]
    _approved(cycle, "community_plan", "Návrh komunitního plánu")
    Priority.objects.create(
        process=cycle.process, number="1", title="Senioři doma", working_group=seniors
    )
    codes = _codes(cycle.process, Transition.OPEN_CONSULTATION)
    assert "draft_plan_not_approved" not in codes
    assert "working_group_part_missing" not in codes


def test_final_evaluation_must_be_approved_in_the_last_year(cycle):
    _approved(cycle, "action_plan_evaluation", "Vyhodnocení akčního plánu")
    # Approved this year: it is the final evaluation of a plan ending last year ...
    assert _codes(cycle.process, Transition.CLOSE) == []
    # ... but only a yearly one for a plan that runs on until next year.
    PlanningProcess.objects.filter(pk=cycle.process.pk).update(
        period_end_year=timezone.localdate().year + 1
    )
    assert "final_evaluation_not_approved" in _codes(cycle.reload(), Transition.CLOSE)
