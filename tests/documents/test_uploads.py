"""Uploads are checked by content: every hostile or broken file is refused cleanly and stores
nothing; valid files of every allowed type are accepted and stored under generated names."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from documents import checks, services
from documents.exceptions import UploadRejected
from documents.models import DocumentVersion
from tests.documents import samples
from tests.documents.samples import make_document, stored_files, upload

pytestmark = pytest.mark.django_db

# a process with its steering group, built once for the module
cycle_keys = samples.cycle_keys
cycle = samples.cycle

CORPUS = list(samples.hostile_corpus())
VALID = {
    "docx": (samples.docx_bytes(["Vize", "Priorita 1"], [["Aktivita", "Náklady"]]), checks.DOCX),
    "odt": (samples.odt_bytes(["Zápis"]), checks.ODT),
    "xlsx": (samples.xlsx_bytes(), checks.XLSX),
    "pdf": (samples.pdf_bytes(), checks.PDF),
    "png": (samples.png_bytes(), checks.PNG),
    "jpg": (samples.jpeg_bytes(), checks.JPEG),
}


def test_the_corpus_has_at_least_200_generated_hostile_uploads():
    assert len(CORPUS) >= 200
    assert len({item.label for item in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("item", CORPUS, ids=[item.label for item in CORPUS])
def test_hostile_upload_is_refused_with_a_message_and_stores_nothing(cycle, item):
    document = make_document(cycle)

    with pytest.raises(UploadRejected) as refused:
        upload(cycle, document, item.data, item.filename)

    assert refused.value.http_status == 422
    assert refused.value.code != UploadRejected.code  # a specific check named itself
    assert refused.value.message.strip()
    assert refused.value.errors == {"file": [refused.value.message]}
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []


def test_refusals_read_naturally_in_english_and_have_czech_translations(cycle):
    document = make_document(cycle)
    codes: dict[str, str] = {}
    for item in CORPUS:
        with translation.override("en"), pytest.raises(UploadRejected) as refused:
            upload(cycle, document, item.data, item.filename)
        codes.setdefault(refused.value.code, refused.value.message)
    assert len(codes) >= 20
    for message in codes.values():
        assert message[0].isupper() and message.endswith("."), message


@pytest.mark.parametrize("ext", list(VALID))
def test_valid_upload_is_stored_under_a_generated_name(cycle, ext):
    data, content_type = VALID[ext]
    document = make_document(cycle)

    version = upload(cycle, document, data, f"Můj dokument: verze <1>.{ext}")

    assert version.number == 1
    assert version.status == DocumentVersion.Status.DRAFT
    assert version.content_type == content_type
    assert version.size == len(data)
    assert re.fullmatch(
        rf"documents/{document.pk}/[0-9a-f]{{32}}\.{checks.EXTENSIONS[content_type]}",
        version.file.name,
    )
    assert version.original_filename == f"Můj dokument_ verze _1_.{ext}"
    assert [p.read_bytes() for p in stored_files()] == [data]


def test_type_is_decided_by_content_not_by_name(cycle):
    data, _ = VALID["pdf"]
    version = upload(cycle, make_document(cycle), data, "vypada-jako.docx")
    assert version.content_type == checks.PDF
    assert version.file.name.endswith(".pdf")
    assert version.original_filename == "vypada-jako.docx"


def test_size_cap_comes_from_the_setting(cycle, settings):
    data, _ = VALID["docx"]
    settings.KOMPLAN_UPLOAD_MAX_BYTES = len(data) - 1
    with pytest.raises(UploadRejected) as refused:
        upload(cycle, make_document(cycle), data)
    assert refused.value.code == "too_large"
    assert stored_files() == []
    settings.KOMPLAN_UPLOAD_MAX_BYTES = len(data)
    assert upload(cycle, make_document(cycle), data).size == len(data)


def test_size_cap_reads_no_more_than_the_limit_from_the_stream(settings):
    settings.KOMPLAN_UPLOAD_MAX_BYTES = 1000

    class Endless(io.RawIOBase):
        read_total = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            size = 4096 if size is None or size < 0 else size
            Endless.read_total += size
            return b"\x00" * size

    with pytest.raises(UploadRejected) as refused:
        services.upload_check(stream=Endless(), filename="nekonecny.docx")
    assert refused.value.code == "too_large"
    assert Endless.read_total <= 1001


def test_zip_limits_are_checked_before_decompression(monkeypatch):
    """A bomb by ratio is refused from the central directory alone: nothing is decompressed."""
    bomb = samples.rezip(samples.docx_bytes(["x"]), add=[("word/z.bin", b"\x00" * 20_000_000)])
    opened = []
    monkeypatch.setattr("zipfile.ZipFile.open", lambda *args, **kwargs: opened.append(args) or None)
    with pytest.raises(UploadRejected) as refused:
        checks.inspect_upload(bomb, max_bytes=25 * 1024 * 1024)
    assert refused.value.code == "zip_bomb_ratio"
    assert opened == []


def test_embedded_spreadsheet_in_a_docx_is_accepted(cycle):
    docx = samples.rezip(
        samples.docx_bytes(["Graf"]),
        add=[("word/embeddings/Microsoft_Excel_Worksheet.xlsx", samples.xlsx_bytes())],
    )
    assert upload(cycle, make_document(cycle), docx).content_type == checks.DOCX


# --- through HTTP ---------------------------------------------------------------------------------

# Hostile contents (Django's upload handler already cuts client-side paths from file names).
HTTP_SUBSET = [item for item in CORPUS if not item.label.startswith("name ")][::8]


@pytest.mark.parametrize("item", HTTP_SUBSET, ids=[item.label for item in HTTP_SUBSET])
def test_hostile_upload_through_the_view_is_a_clean_refusal(client, cycle, item):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = item.filename if item.filename.strip() else "soubor"
    response = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": SimpleUploadedFile(name, item.data), "change_summary": "x"},
    )

    assert response.status_code in (400, 422)
    assert "error" in response.content.decode() or "errorlist" in response.content.decode()
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []


def test_refusal_through_the_view_is_shown_in_czech(client, cycle):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    docm = next(item for item in CORPUS if item.label == "DOCM renamed .docx")
    response = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": SimpleUploadedFile("makro.docx", docm.data)},
    )
    assert response.status_code == 422
    with translation.override("cs"):
        from django.utils.translation import gettext

        expected = gettext(
            "The document contains macros, which are not allowed. Save it as a document without "
            "macros (DOCX, XLSX or ODT) and upload it again."
        )
    assert expected.replace("(", "") in response.content.decode().replace("(", "")


def test_valid_upload_through_the_view(client, cycle):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    data, _ = VALID["docx"]
    response = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": SimpleUploadedFile("plan.docx", data), "change_summary": "První verze"},
    )
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.change_summary == "První verze"
    assert version.author == cycle.users["methodologist"]


@pytest.mark.parametrize("who", ["observer", "chair", None])
def test_upload_needs_edit_draft(client, cycle, who):
    document = make_document(cycle)
    if who:
        client.force_login(cycle.users[who])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": SimpleUploadedFile("plan.docx", VALID["docx"][0])},
    )
    assert response.status_code == (403 if who else 404)
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []
