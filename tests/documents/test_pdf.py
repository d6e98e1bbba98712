"""A published DOCX/ODT version is offered as PDF, converted once by LibreOffice and cached with
its own checksum. In CI (CI=true) LibreOffice must be installed and these tests must run."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents import services
from documents.exceptions import FeatureUnavailable, IntegrityProblem
from documents.models import DocumentIntegrityIncident, DocumentVersion
from documents.services import pdf
from stakeholders.exceptions import ValidationFailed
from tests.documents import samples
from tests.documents.samples import make_document, stored_files, submit_approve_publish, upload

pytestmark = pytest.mark.django_db

cycle_keys = samples.cycle_keys
cycle = samples.cycle

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
needs_soffice = pytest.mark.skipif(
    pdf.soffice_path() is None and not IN_CI,
    reason="LibreOffice (soffice) is not installed; CI installs it and runs these tests",
)
ACTIVITIES = ["Aktivita 1.1.1 Poradna pro seniory", "Aktivita 1.1.2 Odlehčovací služba"]


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        return data.decode("latin-1")
    source = tmp_path / "out.pdf"
    source.write_bytes(data)
    return subprocess.run(  # noqa: S603
        ["pdftotext", "-enc", "UTF-8", str(source), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()


@needs_soffice
def test_published_docx_is_offered_as_pdf_once(client, cycle, tmp_path):
    version = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle), samples.docx_bytes(ACTIVITIES))
    )
    client.force_login(cycle.users["observer"])

    response = client.get(reverse("documents:version_pdf", args=[version.pk]))

    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    version.refresh_from_db()
    assert response["X-Content-SHA256"] == version.pdf_sha256 == hashlib.sha256(body).hexdigest()
    assert version.pdf_size == len(body)
    text = _pdf_text(body, tmp_path)
    for activity in ACTIVITIES:
        assert activity in text

    files = stored_files()
    again = client.get(reverse("documents:version_pdf", args=[version.pk]))
    assert b"".join(again.streaming_content) == body
    assert stored_files() == files  # generated once
    assert version.history.filter(history_change_reason="PDF rendition generated").count() <= 1


@needs_soffice
def test_published_odt_converts_and_the_public_gets_it(client, cycle):
    version = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle), samples.odt_bytes(ACTIVITIES), "plan.odt")
    )
    response = client.get(reverse("documents:version_pdf", args=[version.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@needs_soffice
def test_the_cached_pdf_is_checked_against_its_checksum(cycle):
    version = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle), samples.docx_bytes(ACTIVITIES))
    )
    version = services.version_pdf_ensure(actor=cycle.coordinator, version=version)
    with default_storage.open(version.pdf_file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    with pytest.raises(IntegrityProblem):
        services.version_pdf_open(actor=cycle.coordinator, version=version)
    assert DocumentIntegrityIncident.objects.get().rendition == "pdf"


def test_drafts_and_pdfs_are_not_converted(cycle):
    draft = upload(cycle, make_document(cycle), samples.docx_bytes(ACTIVITIES))
    with pytest.raises(ValidationFailed):
        services.version_pdf_open(actor=cycle.coordinator, version=draft)
    published_pdf = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle, title="PDF"), samples.pdf_bytes(), "a.pdf")
    )
    with pytest.raises(ValidationFailed):
        services.version_pdf_open(actor=cycle.coordinator, version=published_pdf)


def test_without_libreoffice_the_feature_says_so(client, cycle, monkeypatch):
    monkeypatch.setattr(pdf, "soffice_path", lambda: None)
    version = submit_approve_publish(
        cycle, upload(cycle, make_document(cycle), samples.docx_bytes(ACTIVITIES))
    )
    with pytest.raises(FeatureUnavailable) as refused:
        services.version_pdf_open(actor=cycle.coordinator, version=version)
    assert "LibreOffice" in refused.value.message

    client.force_login(cycle.users["observer"])
    response = client.get(reverse("documents:version_pdf", args=[version.pk]))
    assert response.status_code == 503
    assert DocumentVersion.objects.get(pk=version.pk).pdf_file == ""


def test_publication_queues_the_pdf_after_commit(
    cycle, django_capture_on_commit_callbacks, monkeypatch
):
    prepared = []
    monkeypatch.setattr(
        "documents.tasks.version_pdf_prepare.delay", lambda version_id: prepared.append(version_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        version = submit_approve_publish(
            cycle, upload(cycle, make_document(cycle), samples.docx_bytes(ACTIVITIES))
        )
    assert prepared == [version.pk]
