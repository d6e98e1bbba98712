"""PostgreSQL itself refuses to change or delete a document version past draft.

The trigger of ``documents/migrations/0002_version_immutability_trigger.py`` holds against raw
SQL and queryset updates, which pass by ``DocumentVersion.save()``; the moves of the approval
cycle (submitted → approved → published → superseded) and the one-time bookkeeping they write
still work. On other databases the model's guard is the only one (tests/documents/
test_immutability.py), so these tests need PostgreSQL (``make test-services`` requires it).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from documents import services
from documents.models import DocumentVersion
from tests.documents import samples
from tests.documents.samples import make_document, submit_approve_publish, upload

REQUIRED = os.environ.get("KOMPLAN_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not REQUIRED,
        reason="the immutability trigger exists on PostgreSQL only",
    ),
]

cycle_keys = samples.cycle_keys
cycle = samples.cycle

DOCX = samples.docx_bytes(["Původní text"])
TABLE = DocumentVersion._meta.db_table

# column → a different value of the right type (document and author are set per test)
NEW_VALUES: dict[str, Any] = {
    "file": "documents/podvrh.docx",
    "original_filename": "podvrh.docx",
    "sha256": "0" * 64,
    "size": 12345,
    "content_type": "application/pdf",
    "number": 99,
    "change_summary": "Přepsáno",
    "provenance": "generated",
    "created_at": timezone.now() - dt.timedelta(days=400),
}


@pytest.fixture
def submitted(cycle) -> DocumentVersion:
    assert connection.vendor == "postgresql"
    version = upload(cycle, make_document(cycle), DOCX)
    return services.version_submit(actor=cycle.users["methodologist"], version=version)


def raw_update(pk: int, column: str, value: Any) -> None:
    with connection.cursor() as cursor:
        sql = f'UPDATE "{TABLE}" SET "{column}" = %s WHERE id = %s'  # noqa: S608 (fixed names)
        cursor.execute(sql, [value, pk])


def raw_delete(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{TABLE}" WHERE id = %s', [pk])  # noqa: S608 (fixed name)


def stored(pk: int) -> dict[str, Any]:
    return DocumentVersion.objects.filter(pk=pk).values().get()


def refused(action: Any, *args: Any) -> str:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        action(*args)
    return str(caught.value)


def columns(cycle) -> dict[str, Any]:
    other_document = make_document(cycle, title="Jiný dokument")
    return {
        **NEW_VALUES,
        "document_id": other_document.pk,
        "author_id": cycle.coordinator.pk,
        "author_id_snapshot": cycle.coordinator.pk,
        "generated_from_template": "docx_template:1:abc",
    }


def test_raw_updates_of_immutable_columns_are_refused(cycle, submitted):
    before = stored(submitted.pk)
    for column, value in columns(cycle).items():
        message = refused(raw_update, submitted.pk, column, value)
        assert "immutable" in message and column in message
    assert stored(submitted.pk) == before


def test_a_queryset_update_is_refused_as_well(submitted):
    message = refused(
        lambda: DocumentVersion.objects.filter(pk=submitted.pk).update(sha256="f" * 64)
    )
    assert "sha256" in message
    assert stored(submitted.pk)["sha256"] == submitted.sha256


def test_a_draft_may_still_change_and_be_deleted(cycle):
    draft = upload(cycle, make_document(cycle), DOCX)
    raw_update(draft.pk, "change_summary", "Opraveno")
    raw_update(draft.pk, "original_filename", "plan-opraveny.docx")
    assert stored(draft.pk)["change_summary"] == "Opraveno"
    raw_delete(draft.pk)
    assert not DocumentVersion.objects.filter(pk=draft.pk).exists()


def test_a_submitted_version_cannot_be_deleted(submitted):
    message = refused(raw_delete, submitted.pk)
    assert "cannot be deleted" in message
    assert DocumentVersion.objects.filter(pk=submitted.pk).exists()


def test_the_status_moves_only_forward(submitted):
    for status in ("draft", "published", "superseded"):
        message = refused(raw_update, submitted.pk, "status", status)
        assert f"from submitted to {status}" in message
    assert stored(submitted.pk)["status"] == "submitted"


def test_recorded_facts_are_written_once(submitted):
    message = refused(raw_update, submitted.pk, "submitted_at", timezone.now())
    assert "submitted_at" in message
    raw_update(submitted.pk, "approved_at", timezone.now())  # empty until now: allowed
    message = refused(raw_update, submitted.pk, "approved_at", None)
    assert "approved_at" in message


def test_the_approval_cycle_and_the_pdf_bookkeeping_still_work(cycle):
    document = make_document(cycle)
    first = submit_approve_publish(cycle, upload(cycle, document, DOCX))
    second = submit_approve_publish(cycle, upload(cycle, document, samples.docx_bytes(["Nová"])))
    first.refresh_from_db()
    assert (first.status, first.superseded_by_id) == ("superseded", second.pk)
    assert second.status == "published"
    # A derived PDF is recorded once on a published version.
    raw_update(second.pk, "pdf_sha256", "a" * 64)
    raw_update(second.pk, "pdf_size", 10)
    raw_update(second.pk, "pdf_file", "documents/pdf/x.pdf")
    assert "pdf_sha256" in refused(raw_update, second.pk, "pdf_sha256", "b" * 64)
    # Saving the unchanged row through the ORM writes every column again: allowed.
    DocumentVersion.objects.get(pk=first.pk).save()
