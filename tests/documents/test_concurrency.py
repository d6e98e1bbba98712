"""Concurrent uploads to one document on PostgreSQL get unique, consecutive numbers."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection

from documents import services
from documents.models import DocumentVersion
from tests.documents import samples
from tests.documents.samples import stored_files
from tests.workflow.conftest import build_cycle

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 12
ROUNDS = 3


def _race(document, actor, payloads: list[bytes]) -> list[object]:
    barrier = threading.Barrier(len(payloads))
    outcomes: list[object] = [None] * len(payloads)

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = services.version_upload(
                actor=actor,
                document=document,
                stream=io.BytesIO(payloads[index]),
                filename=f"verze-{index}.docx",
                change_summary=f"Souběžné nahrání {index}",
            )
        except Exception as exc:  # kept and reported by the assertion below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_concurrent_uploads_get_unique_consecutive_numbers(superuser):
    assert connection.vendor == "postgresql"
    cycle = build_cycle(superuser)
    payloads = [samples.docx_bytes([f"Verze {i}"]) for i in range(THREADS)]
    for round_number in range(ROUNDS):
        document = services.document_create(
            actor=cycle.coordinator,
            process=cycle.process,
            kind="community_plan",
            title=f"Komunitní plán {round_number}",
        )
        outcomes = _race(document, cycle.users["methodologist"], payloads)

        failures = [o for o in outcomes if not isinstance(o, DocumentVersion)]
        assert failures == [], round_number
        numbers = sorted(o.number for o in outcomes)
        assert numbers == list(range(1, THREADS + 1)), round_number
        stored = DocumentVersion.objects.filter(document=document)
        assert sorted(stored.values_list("number", flat=True)) == numbers
        # each number carries the bytes of the upload that got it
        by_summary = {v.change_summary: v for v in stored}
        for index, payload in enumerate(payloads):
            version = by_summary[f"Souběžné nahrání {index}"]
            assert version.size == len(payload)
    assert len(stored_files()) == THREADS * ROUNDS
