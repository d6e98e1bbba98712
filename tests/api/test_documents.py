"""Documents over HTTP: multipart upload checked by content, download with its sha256 in the
headers (re-checked against the stored bytes), a draft's summary edited and a draft deleted
(never a submitted version), the PDF rendition of a published version (503 ``pdf_unavailable``
without LibreOffice), generation requests with their progress."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import DocumentIntegrityIncident, DocumentVersion
from documents.services.pdf import soffice_path
from tests.api.conftest import Api, World, problem_of
from tests.documents.samples import docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
needs_soffice = pytest.mark.skipif(
    soffice_path() is None and not IN_CI,
    reason="LibreOffice (soffice) is not installed; CI installs it and runs this test",
)


def _upload(api: Api, world: World, name: str, data: bytes, role: str = "coordinator") -> Any:
    return api.client(role).post(
        f"/api/v1/documents/{world['charter']}/versions/",
        {"file": SimpleUploadedFile(name, data), "change_summary": "Druhá verze"},
        format="multipart",
    )


def test_upload_stores_a_draft_with_its_checksum(api: Api, world: World) -> None:
    data = pdf_bytes("Základní listina, verze 2")
    response = _upload(api, world, "listina.pdf", data)
    assert response.status_code == 201, response.content
    version = response.json()
    assert (version["number"], version["status"]) == (2, "draft")
    assert version["sha256"] == hashlib.sha256(data).hexdigest()
    assert version["content_type"] == "application/pdf"
    assert version["original_filename"] == "listina.pdf"
    listed = api.client("coordinator").get(f"/api/v1/documents/{world['charter']}/versions/")
    assert [v["number"] for v in listed.json()] == [2, 1]


def test_an_upload_refused_by_content_stores_nothing(api: Api, world: World) -> None:
    before = DocumentVersion.objects.count()
    response = _upload(api, world, "listina.docx", b"MZ\x90\x00 not a document at all")
    assert response.status_code == 422
    body = problem_of(response)
    assert body["code"] == "upload_rejected" or body["subcode"]
    assert DocumentVersion.objects.count() == before


def test_an_upload_needs_a_file(api: Api, world: World) -> None:
    response = api.client("coordinator").post(
        f"/api/v1/documents/{world['charter']}/versions/", {"change_summary": "bez souboru"}
    )
    assert response.status_code == 400
    assert "file" in problem_of(response)["errors"]


def test_download_names_the_checksum(api: Api, world: World) -> None:
    response = api.client("wg_member").get(f"/api/v1/versions/{world['charter_v1']}/download/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    digest = hashlib.sha256(content).digest()
    version = DocumentVersion.objects.get(pk=world["charter_v1"])
    assert digest.hex() == version.sha256 == response["X-Content-SHA256"]
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert response["Digest"] == f"SHA-256={base64.b64encode(digest).decode()}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == version.content_type


def test_altered_bytes_are_not_served(api: Api, world: World) -> None:
    version = DocumentVersion.objects.get(pk=world["charter_v1"])
    with default_storage.open(version.file.name, "wb") as stored:
        stored.write(docx_bytes(["Podvržený obsah"]))
    response = api.client("coordinator").get(f"/api/v1/versions/{version.pk}/download/")
    assert response.status_code == 500
    assert problem_of(response)["code"] == "integrity_problem"
    assert DocumentIntegrityIncident.objects.filter(version=version).exists()


def test_submit_then_the_bytes_are_fixed(api: Api, world: World) -> None:
    client = api.client("coordinator")
    submitted = client.post(f"/api/v1/versions/{world['charter_v1']}/submit/", {}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    again = client.post(f"/api/v1/versions/{world['charter_v1']}/submit/", {}, format="json")
    assert again.status_code == 409
    body = problem_of(again)
    assert (body["code"], body["subcode"]) == ("conflict", "version_state_conflict")


def test_generation_request_and_its_progress(
    api: Api, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = api.client("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post(
            f"/api/v1/processes/{world['process']}/generation-jobs/",
            {"kind": "community_plan"},
            format="json",
        )
    assert requested.status_code == 202, requested.content
    job = client.get(f"/api/v1/generation-jobs/{requested.json()['id']}/").json()
    assert (job["state"], job["percent"]) == ("done", 100), job
    version = client.get(f"/api/v1/versions/{job['result_version']}/").json()
    assert (version["status"], version["provenance"]) == ("draft", "generated")
    jobs = client.get(f"/api/v1/processes/{world['process']}/generation-jobs/").json()
    assert [j["id"] for j in jobs["results"]] == [job["id"]]
    hidden = api.client("other_territory").get(f"/api/v1/generation-jobs/{job['id']}/")
    assert hidden.status_code == 404
    refused = api.client("wg_member").post(
        f"/api/v1/processes/{world['process']}/generation-jobs/",
        {"kind": "community_plan"},
        format="json",
    )
    assert refused.status_code == 403


def test_the_public_reads_published_documents_only(api: Api, world: World) -> None:
    listed = api.client().get("/api/v1/documents/").json()["results"]
    assert [d["id"] for d in listed] == [world["plan"]]
    assert api.client().get(f"/api/v1/versions/{world['plan_v1']}/").status_code == 200
    assert api.client().get(f"/api/v1/versions/{world['charter_v1']}/").status_code == 404


def test_a_drafts_summary_changes_until_it_is_submitted(api: Api, world: World) -> None:
    client = api.client("coordinator")
    url = f"/api/v1/versions/{world['charter_v1']}/"
    edited = client.patch(
        url, {"change_summary": "První verze po poradě", "reason": "Upřesnění"}, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["change_summary"] == "První verze po poradě"
    version = DocumentVersion.objects.get(pk=world["charter_v1"])
    assert version.history.first().history_change_reason == "Upřesnění"
    unchanged = client.patch(url, {}, format="json")
    assert unchanged.json()["change_summary"] == "První verze po poradě"

    submitted = client.patch(
        f"/api/v1/versions/{world['analysis_v1']}/", {"change_summary": "Jinak"}, format="json"
    )
    assert submitted.status_code == 409
    body = problem_of(submitted)
    assert (body["code"], body["subcode"]) == ("conflict", "version_immutable")


def test_a_draft_is_deleted_and_a_submitted_version_stays(api: Api, world: World) -> None:
    uploaded = _upload(api, world, "listina.pdf", pdf_bytes("Omylem nahraný soubor"))
    draft = uploaded.json()
    client = api.client("coordinator")
    refused = api.client("steering_member").delete(f"/api/v1/versions/{draft['id']}/")
    assert refused.status_code == 403
    assert problem_of(refused)["code"] == "forbidden"

    deleted = client.delete(f"/api/v1/versions/{draft['id']}/?reason=Nahr%C3%A1no+omylem")
    assert deleted.status_code == 204, deleted.content
    assert client.get(f"/api/v1/versions/{draft['id']}/").status_code == 404
    listed = client.get(f"/api/v1/documents/{world['charter']}/versions/").json()
    assert [v["number"] for v in listed] == [1]
    trace = DocumentVersion.history.filter(id=draft["id"], history_type="-").get()
    assert trace.history_change_reason == "Nahráno omylem"

    record = client.delete(f"/api/v1/versions/{world['analysis_v1']}/")
    assert record.status_code == 409
    body = problem_of(record)
    assert (body["code"], body["subcode"]) == ("conflict", "version_not_deletable")
    assert DocumentVersion.objects.filter(pk=world["analysis_v1"]).exists()


@needs_soffice
def test_the_public_gets_the_pdf_of_a_published_version(api: Api, world: World) -> None:
    url = f"/api/v1/versions/{world['plan_v1']}/pdf/"
    response = api.client().get(url)
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    digest = hashlib.sha256(content).digest()
    version = DocumentVersion.objects.get(pk=world["plan_v1"])
    assert response["X-Content-SHA256"] == version.pdf_sha256 == digest.hex()
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    again = api.client("other_territory").get(url)  # converted once, then read back
    assert b"".join(again.streaming_content) == content


def test_without_libreoffice_the_pdf_is_503_pdf_unavailable(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a server where LibreOffice is not installed
    response = api.client("coordinator").get(f"/api/v1/versions/{world['plan_v1']}/pdf/")
    assert response.status_code == 503
    body = problem_of(response)
    assert body["code"] == "pdf_unavailable"
    assert "LibreOffice" in body["detail"]
    assert DocumentVersion.objects.get(pk=world["plan_v1"]).pdf_file == ""


def test_only_published_docx_and_odt_versions_are_offered_as_pdf(api: Api, world: World) -> None:
    response = api.client("coordinator").get(f"/api/v1/versions/{world['charter_v1']}/pdf/")
    assert response.status_code == 400
    body = problem_of(response)
    assert (body["code"], body["subcode"]) == ("validation_error", "pdf_not_published")


def test_two_versions_are_compared_paragraph_by_paragraph(api: Api, world: World) -> None:
    client = api.client("coordinator")

    def upload(paragraphs: list[str]) -> dict[str, Any]:
        response = client.post(
            f"/api/v1/documents/{world['charter']}/versions/",
            {"file": SimpleUploadedFile("listina.docx", docx_bytes(paragraphs))},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        return response.json()

    first = upload(["Základní listina KPSS"])
    second = upload(["Základní listina KPSS Klatovsko", "<b>Nový</b> odstavec"])
    diff = client.get(f"/api/v1/versions/{second['id']}/diff/?against={first['id']}")
    assert diff.status_code == 200, diff.content
    body = diff.json()
    assert (body["old"], body["new"]) == (first["id"], second["id"])
    assert (body["added"], body["changed"], body["identical"]) == (1, 1, False)
    assert "&lt;b&gt;Nový&lt;/b&gt;" in body["html"]  # the text is escaped
    assert "<ins>" in body["html"]
    missing = client.get(f"/api/v1/versions/{second['id']}/diff/")
    assert missing.status_code == 400
    assert problem_of(missing)["code"] == "validation_error"
