"""A submitted version never changes: not through the services, not through the ORM, not through
the admin; a stored file that changed behind our back is detected on download and recorded."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse

from documents import services
from documents.exceptions import IntegrityProblem, VersionImmutable
from documents.models import DocumentIntegrityIncident, DocumentVersion
from tests.documents import samples
from tests.documents.samples import make_document, stored_files, submit_approve_publish, upload

pytestmark = pytest.mark.django_db

cycle_keys = samples.cycle_keys
cycle = samples.cycle

DOCX = samples.docx_bytes(["Původní text"])


@pytest.fixture
def submitted(cycle):
    version = upload(cycle, make_document(cycle), DOCX)
    return services.version_submit(actor=cycle.users["methodologist"], version=version)


# --- services ---------------------------------------------------------------------------------


def test_a_draft_may_still_be_edited_and_deleted(cycle):
    version = upload(cycle, make_document(cycle), DOCX)
    version = services.version_update_draft(
        actor=cycle.coordinator, version=version, change_summary="Opraveno"
    )
    assert version.change_summary == "Opraveno"
    services.version_delete_draft(actor=cycle.coordinator, version=version, reason="Omyl")
    assert not DocumentVersion.objects.exists()


def test_service_refuses_to_edit_a_submitted_version(cycle, submitted):
    with pytest.raises(VersionImmutable):
        services.version_update_draft(
            actor=cycle.coordinator, version=submitted, change_summary="Jinak"
        )
    assert DocumentVersion.objects.get(pk=submitted.pk).change_summary == "Nová verze"


def test_service_refuses_to_delete_a_submitted_version(cycle, submitted):
    with pytest.raises(VersionImmutable):
        services.version_delete_draft(actor=cycle.coordinator, version=submitted, reason="x")
    assert DocumentVersion.objects.filter(pk=submitted.pk).exists()
    assert len(stored_files()) == 1


# --- ORM ----------------------------------------------------------------------------------------

CHANGES = {
    "number": 7,
    "file": "documents/1/jiny.docx",
    "original_filename": "jiny.docx",
    "sha256": "0" * 64,
    "size": 1,
    "content_type": "application/pdf",
    "change_summary": "Přepsáno",
    "provenance": "generated",
    "generated_from_template": "x",
    "generation_data": {"x": 1},
    "author_id_snapshot": 999,
}


@pytest.mark.parametrize(("field", "value"), CHANGES.items(), ids=list(CHANGES))
def test_orm_save_refuses_a_content_change(submitted, field, value):
    version = DocumentVersion.objects.get(pk=submitted.pk)
    setattr(version, field, value)
    with pytest.raises(VersionImmutable) as refused:
        version.save()
    assert field in refused.value.extra["fields"]
    assert DocumentVersion.objects.get(pk=submitted.pk).sha256 == submitted.sha256


def test_orm_save_refuses_moving_the_status_back(submitted):
    version = DocumentVersion.objects.get(pk=submitted.pk)
    version.__dict__["status"] = DocumentVersion.Status.DRAFT  # past the protected field
    with pytest.raises(VersionImmutable):
        version.save()


def test_orm_save_refuses_rewriting_recorded_facts(submitted):
    version = DocumentVersion.objects.get(pk=submitted.pk)
    version.submitted_at = version.submitted_at.replace(year=2000)
    with pytest.raises(VersionImmutable):
        version.save()


def test_orm_delete_is_refused_for_instances_and_querysets(submitted):
    with pytest.raises(VersionImmutable):
        DocumentVersion.objects.get(pk=submitted.pk).delete()
    with pytest.raises(VersionImmutable), transaction.atomic():
        DocumentVersion.objects.filter(pk=submitted.pk).delete()
    assert DocumentVersion.objects.filter(pk=submitted.pk).exists()


def test_the_database_refuses_a_version_without_checksum_or_size(cycle):
    # A draft, so that the check constraint answers (a submitted version is also guarded by the
    # PostgreSQL trigger, tests/documents/test_db_immutability.py).
    draft = upload(cycle, make_document(cycle), DOCX)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=draft.pk).update(sha256="")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=draft.pk).update(size=0)


def test_the_database_allows_one_published_version_per_document(cycle):
    document = make_document(cycle)
    first = submit_approve_publish(cycle, upload(cycle, document, DOCX))
    second = upload(cycle, document, DOCX)
    second = services.version_submit(actor=cycle.users["methodologist"], version=second)
    second = samples.approve(cycle, second)
    # approved → published is an allowed move: only the one-published rule refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=second.pk).update(
            status="published", published_at=first.published_at
        )


# --- admin --------------------------------------------------------------------------------------


def test_admin_offers_no_way_to_change_a_version(client, cycle, submitted):
    client.force_login(cycle.admin)  # even a superuser
    change_url = reverse("admin:documents_documentversion_change", args=[submitted.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="sha256"' not in page.content and b'name="file"' not in page.content

    response = client.post(
        change_url,
        {"sha256": "0" * 64, "size": "1", "change_summary": "Přepsáno", "number": "9"},
    )

    assert response.status_code == 403
    fresh = DocumentVersion.objects.get(pk=submitted.pk)
    assert (fresh.sha256, fresh.size, fresh.change_summary, fresh.number) == (
        submitted.sha256,
        submitted.size,
        submitted.change_summary,
        submitted.number,
    )


def test_admin_cannot_delete_a_submitted_version(client, cycle, submitted):
    client.force_login(cycle.admin)
    url = reverse("admin:documents_documentversion_delete", args=[submitted.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:documents_documentversion_changelist")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [submitted.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert DocumentVersion.objects.filter(pk=submitted.pk).exists()


def test_admin_add_page_uploads_through_the_service(client, cycle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = make_document(cycle)
    client.force_login(cycle.coordinator)
    add_url = reverse("admin:documents_documentversion_add")
    assert client.get(add_url).status_code == 200

    macro = next(i for i in samples.hostile_corpus() if i.label == "DOCM renamed .docx")
    refused = client.post(
        add_url,
        {"document": document.pk, "upload": SimpleUploadedFile("m.docx", macro.data)},
    )
    assert refused.status_code == 200  # the form again, with the refusal
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []

    response = client.post(
        add_url,
        {
            "document": document.pk,
            "upload": SimpleUploadedFile("plan.docx", DOCX),
            "change_summary": "Z administrace",
        },
    )
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert (version.number, version.change_summary, version.sha256) == (
        1,
        "Z administrace",
        hashlib.sha256(DOCX).hexdigest(),
    )


def test_admin_deletes_a_draft_through_the_service(client, cycle):
    version = upload(cycle, make_document(cycle), DOCX)
    client.force_login(cycle.coordinator)
    url = reverse("admin:documents_documentversion_delete", args=[version.pk])
    with transaction.atomic():
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert not DocumentVersion.objects.exists()


# --- tampering with stored bytes ----------------------------------------------------------------


def _tamper(version: DocumentVersion, data: bytes) -> None:
    path = default_storage.path(version.file.name)
    with open(path, "wb") as handle:
        handle.write(data)


def test_tampered_bytes_are_refused_loudly_on_download(client, cycle, submitted, caplog):
    _tamper(submitted, DOCX.replace(b"word", b"WORD", 1))
    client.force_login(cycle.users["observer"])

    with caplog.at_level(logging.ERROR, logger="documents.integrity"):
        response = client.get(reverse("documents:version_download", args=[submitted.pk]))

    assert response.status_code == 500
    assert "X-Content-SHA256" not in response
    assert "checksum" in caplog.text or "sha256" in caplog.text
    incident = DocumentIntegrityIncident.objects.get()
    assert incident.version_id == submitted.pk
    assert incident.kind == DocumentIntegrityIncident.Kind.MISMATCH
    assert incident.expected_sha256 == submitted.sha256
    assert incident.actual_sha256 not in ("", submitted.sha256)
    assert incident.actor_id_snapshot == cycle.users["observer"].pk


def test_tampered_bytes_are_refused_by_the_service(cycle, submitted):
    _tamper(submitted, b"x" * submitted.size)
    with pytest.raises(IntegrityProblem):
        services.version_open(actor=cycle.coordinator, version=submitted)
    assert DocumentIntegrityIncident.objects.count() == 1


def test_a_missing_file_is_an_integrity_problem(cycle, submitted):
    default_storage.delete(submitted.file.name)
    with pytest.raises(IntegrityProblem):
        services.version_open(actor=cycle.coordinator, version=submitted)
    assert DocumentIntegrityIncident.objects.get().kind == DocumentIntegrityIncident.Kind.MISSING
