"""Generation as a Celery task: request → queued after commit → progress → one draft version
with provenance; idempotent; failures recorded with the problem; permissions."""

from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
from django.apps import apps

from documents import generation_tasks
from documents.models.plan import DocxTemplate, GenerationJob
from documents.plan_selectors import generation_job_get, generation_job_list
from documents.services import generation, rendering
from documents.services import plan as plan_services
from documents.services.plan import CostInput
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from tests.stakeholders.conftest import World


def versions_of(job: GenerationJob) -> list:
    version_model = apps.get_model("documents", "DocumentVersion")
    return list(
        version_model.objects.filter(document__process=job.process, document__kind=job.kind)
    )


def small_plan(world: World) -> list[str]:
    actor = world.superuser
    priority = plan_services.plan_priority_create(
        actor=actor,
        process=world.process,
        number="1",
        title="Senioři doma",
        working_group=world.wg_seniors,
    )
    measure = plan_services.plan_measure_create(
        actor=actor, priority=priority, number="1.1", title="Terénní služby"
    )
    titles = []
    for n in range(1, 6):
        activity = plan_services.plan_activity_create(
            actor=actor,
            measure=measure,
            number=f"1.1.{n}",
            title=f"Aktivita {n}: rozšíření pečovatelské služby",
            description=f"Popis {n}",
            costs=[CostInput("municipality", Decimal(1000 * n))],
        )
        titles.append(activity.title)
    return titles


def request_and_run(world, django_capture_on_commit_callbacks, **kwargs) -> GenerationJob:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = generation.generation_request(
            actor=world.users["coordinator"], process=world.process, **kwargs
        )
    # The generation is queued once; the run itself may queue others (e.g. cache invalidation).
    queued = [c for c in callbacks if getattr(c, "__module__", "") == generation.__name__]
    assert len(queued) == 1
    job.refresh_from_db()
    return job


def test_plan_is_generated_as_a_draft_version_with_provenance(
    world, django_capture_on_commit_callbacks
):
    titles = small_plan(world)
    job = request_and_run(world, django_capture_on_commit_callbacks, kind="community_plan")

    assert job.state == GenerationJob.State.DONE
    assert job.percent == 100
    [version] = versions_of(job)
    assert job.result_version_id == version.pk
    assert version.status == "draft"
    assert version.provenance == "generated"
    assert version.generated_from_template == "builtin:komunitni_plan.docx"
    assert version.author_id == world.users["coordinator"].pk
    assert version.generation_data["job_id"] == job.pk
    assert len(version.generation_data["context_sha256"]) == 64
    assert [a["title"] for a in version.generation_data["context"]["activities"]] == titles
    with version.file.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    text = "\n".join(p.text for p in document.paragraphs)
    for title in titles:
        assert title in text


def test_the_task_is_queued_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = generation.generation_request(
            actor=world.users["coordinator"], process=world.process, kind="community_plan"
        )
        job.refresh_from_db()
        assert job.state == GenerationJob.State.QUEUED and job.percent == 0
    assert len(callbacks) == 1
    assert versions_of(job) == []


def test_running_the_task_again_creates_no_second_version(
    world, django_capture_on_commit_callbacks
):
    small_plan(world)
    job = request_and_run(world, django_capture_on_commit_callbacks, kind="community_plan")
    first = job.result_version_id
    result = generation_tasks.generate_document.delay(job.pk).get()
    generation.generation_run(job.pk)
    job.refresh_from_db()
    assert result["state"] == "done" and result["version"] == first
    assert job.result_version_id == first
    assert len(versions_of(job)) == 1


def test_a_second_request_makes_the_next_version(world, django_capture_on_commit_callbacks):
    small_plan(world)
    first = request_and_run(world, django_capture_on_commit_callbacks, kind="community_plan")
    second = request_and_run(world, django_capture_on_commit_callbacks, kind="community_plan")
    numbers = sorted(v.number for v in versions_of(second))
    assert numbers == [1, 2]
    assert first.result_version_id != second.result_version_id


def test_progress_is_recorded_and_readable(world, django_capture_on_commit_callbacks):
    small_plan(world)
    job = request_and_run(world, django_capture_on_commit_callbacks, kind="community_plan")
    percents = list(
        GenerationJob.history.filter(id=job.pk)
        .order_by("history_id")
        .values_list("percent", flat=True)
    )
    assert percents == [0, 5, 20, 50, 85, 100]
    seen = generation_job_get(actor=world.users["sg_member"], pk=job.pk)
    assert (seen.state, seen.percent) == ("done", 100)
    assert list(generation_job_list(actor=world.users["coordinator"], process=world.process)) == [
        job
    ]
    with pytest.raises(NotFound):
        generation_job_get(actor=world.users["other_coordinator"], pk=job.pk)


@pytest.mark.parametrize(
    ("kind", "heading"),
    [
        ("minutes", "Zápis z jednání"),
        ("attendance_list", "Prezenční listina"),
        ("settlement_of_comments", "Vypořádání připomínek"),
        ("resolution_extract", "Výpis z usnesení"),
    ],
)
def test_documents_from_plain_data(world, django_capture_on_commit_callbacks, kind, heading):
    job = request_and_run(
        world, django_capture_on_commit_callbacks, kind=kind, data=rendering.sample_context(kind)
    )
    assert job.state == "done", job.message
    [version] = versions_of(job)
    with version.file.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    assert heading in "\n".join(p.text for p in document.paragraphs)


def test_incomplete_data_is_refused_at_request(world):
    data = rendering.sample_context("minutes")
    del data["agenda"]
    with pytest.raises(ValidationFailed) as exc:
        generation.generation_request(
            actor=world.users["coordinator"], process=world.process, kind="minutes", data=data
        )
    assert "agenda" in exc.value.message
    assert not GenerationJob.objects.exists()


def test_a_failing_template_fails_the_job_with_the_problem(
    world, django_capture_on_commit_callbacks
):
    small_plan(world)
    broken = DocxTemplate.objects.create(
        kind="community_plan",
        territory=world.territory,
        name="Rozbitá",
        sha256="0" * 64,
        file="x.docx",
    )
    _store(broken, _docx("{{ plan.title }}", "{{ plan.neexistuje }}"))
    job = request_and_run(
        world, django_capture_on_commit_callbacks, kind="community_plan", template=broken
    )
    assert job.state == GenerationJob.State.FAILED
    assert "neexistuje" in job.message
    assert versions_of(job) == []
    # a failed job is not retried by running its task again
    generation_tasks.generate_document(job.pk)
    job.refresh_from_db()
    assert job.state == GenerationJob.State.FAILED


def test_a_malicious_template_fails_the_job_and_runs_nothing(
    world, django_capture_on_commit_callbacks, tmp_path
):
    canary = tmp_path / "canary"
    evil = DocxTemplate.objects.create(
        kind="community_plan", territory=None, name="Zlá", sha256="0" * 64, file="y.docx"
    )
    _store(
        evil,
        _docx(
            "{{ ().__class__.__base__.__subclasses__() }}"
            "{{ cycler.__init__.__globals__.os.mkdir('" + str(canary) + "') }}"
        ),
    )
    job = request_and_run(
        world, django_capture_on_commit_callbacks, kind="community_plan", template=evil
    )
    assert job.state == GenerationJob.State.FAILED
    assert "__class__" in job.message
    assert not canary.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("wg_member", PermissionDenied),
        ("sg_member", PermissionDenied),
        ("auditor", PermissionDenied),
        ("other_coordinator", NotFound),
    ],
)
def test_who_may_not_request_generation(world, who, error):
    with pytest.raises(error):
        generation.generation_request(
            actor=world.users[who], process=world.process, kind="community_plan"
        )
    assert not GenerationJob.objects.exists()


def test_a_template_of_another_kind_or_territory_is_refused(world):
    other = DocxTemplate.objects.create(
        kind="community_plan",
        territory=world.other_territory,
        name="Sušice",
        sha256="0" * 64,
        file="z.docx",
    )
    with pytest.raises(ValidationFailed):
        generation.generation_request(
            actor=world.users["coordinator"],
            process=world.process,
            kind="community_plan",
            template=other,
        )


def test_task_for_a_missing_job_does_nothing(db):
    assert generation_tasks.generate_document(987654)["state"] == "missing"


# --- helpers ----------------------------------------------------------------------------------


def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _store(template: DocxTemplate, content: bytes) -> None:
    """Give a template row real bytes and their checksum (bypassing upload validation)."""
    import hashlib

    from django.core.files.base import ContentFile

    template.file.save("template.docx", ContentFile(content), save=False)
    template.sha256 = hashlib.sha256(content).hexdigest()
    template.save()
