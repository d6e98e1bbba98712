"""The upload size cap holds before the request body is read: an oversized upload gets a clear
refusal (HTTP 413) and stores nothing, with or without an honest Content-Length."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import ERROR, get_messages
from django.core.checks import Tags, run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import translation

from documents.models import DocumentVersion
from documents.services.uploads import too_large_message
from documents.upload_handlers import FORM_ALLOWANCE_BYTES, check_upload_limits
from documents.views import version_upload
from tests.documents import samples
from tests.documents.samples import make_document, stored_files

pytestmark = pytest.mark.django_db

cycle_keys = samples.cycle_keys
cycle = samples.cycle

CAP = 1024 * 1024  # 1 MB for these tests


@pytest.fixture(autouse=True)
def _small_cap(settings):
    settings.KOMPLAN_UPLOAD_MAX_BYTES = CAP
    # Small in-memory limit: anything larger would go to a temporary file under tmp.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024


def czech_too_large() -> str:
    with translation.override("cs"):
        return too_large_message(CAP)


def post_upload(client: Client, document, data: bytes, name: str = "plan.docx"):
    return client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": SimpleUploadedFile(name, data), "change_summary": "Velká verze"},
    )


def test_the_message_is_czech_and_names_the_limit():
    with translation.override("en"):
        english = too_large_message(CAP)
    assert "1 MB" in czech_too_large() and czech_too_large() != english


@pytest.mark.parametrize(
    "size",
    [
        CAP + FORM_ALLOWANCE_BYTES + 1,  # refused by Content-Length, body unread
        CAP + 1,  # Content-Length within the allowance: stopped while streaming
    ],
    ids=["content-length", "streamed"],
)
def test_an_oversized_upload_is_refused_clearly_and_stores_nothing(client, cycle, size):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    # A valid DOCX padded at the end: only its size is wrong.
    docx = samples.docx_bytes(["Plán"])
    response = post_upload(client, document, docx + b"\0" * (size - len(docx)))
    assert response.status_code == 413
    html = response.content.decode()
    assert czech_too_large() in html
    assert document.title in html  # the document page, with the upload form again
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []


def test_a_file_at_the_cap_is_still_accepted(client, cycle):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    data = samples.docx_bytes(["Plán"])
    response = post_upload(client, document, data)
    assert response.status_code == 302
    assert DocumentVersion.objects.get().size == len(data)


class ExplodingStream(io.RawIOBase):
    """A request body that must not be read."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body of an oversized request was read")

    readinto = read  # type: ignore[assignment]


def test_the_body_of_an_oversized_request_is_never_read(cycle):
    document = make_document(cycle)
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("a.docx", b"PK")})
    request = RequestFactory().generic(
        "POST",
        reverse("documents:version_upload", args=[document.pk]),
        data=body,
        content_type=MULTIPART_CONTENT,
    )
    request.META["CONTENT_LENGTH"] = str(50 * CAP)
    request._stream = ExplodingStream()
    request.user = cycle.users["methodologist"]
    request._dont_enforce_csrf_checks = True
    response = version_upload(request, pk=document.pk)
    assert response.status_code == 413
    assert not DocumentVersion.objects.exists()


def test_csrf_is_still_checked_for_uploads_within_the_cap(cycle):
    document = make_document(cycle)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cycle.users["methodologist"])
    response = post_upload(client, document, samples.docx_bytes(["Plán"]))
    assert response.status_code == 403
    assert not DocumentVersion.objects.exists()


def test_the_admin_upload_is_capped_too(client, cycle):
    document = make_document(cycle)
    client.force_login(cycle.users["methodologist"])
    add = reverse("admin:documents_documentversion_add")
    response = client.post(
        add,
        {
            "document": document.pk,
            "upload": SimpleUploadedFile("plan.docx", b"\0" * (CAP + FORM_ALLOWANCE_BYTES + 10)),
            "change_summary": "",
            "change_reason": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == add
    messages = [m.message for m in get_messages(response.wsgi_request) if m.level == ERROR]
    assert messages == [czech_too_large()]
    assert not DocumentVersion.objects.exists()
    assert stored_files() == []


def test_djangos_own_limits_are_below_the_cap(settings):
    from config.settings import base

    settings.KOMPLAN_UPLOAD_MAX_BYTES = base.KOMPLAN_UPLOAD_MAX_BYTES
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = getattr(base, "FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
    assert {m.id for m in run_checks(tags=[Tags.security])}.isdisjoint(
        {"documents.W001", "documents.W002", "documents.E001"}
    )
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024 * 1024
    assert {"documents.W001", "documents.W002"} <= {m.id for m in check_upload_limits()}


def test_the_cap_applies_before_the_csrf_middleware_reads_the_body(cycle):
    # With CSRF enforced, the middleware would parse the body first (without the cap) unless the
    # upload view is exempt there and checks CSRF itself after parsing under the cap.
    document = make_document(cycle)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cycle.users["methodologist"])
    response = post_upload(client, document, b"\0" * (CAP + FORM_ALLOWANCE_BYTES + 1))
    assert response.status_code == 413
    assert not DocumentVersion.objects.exists()
