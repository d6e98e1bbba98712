"""Versions: numbering, the approval life cycle, publication and supersession, who may do what,
who sees what, and downloads as attachments with their checksum."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from documents import selectors, services
from documents.exceptions import VersionStateConflict
from documents.models import Document, DocumentVersion
from stakeholders.exceptions import NotFound, PermissionDenied, ValidationFailed
from tests.documents import samples
from tests.documents.samples import (
    approve,
    make_document,
    submit_approve_publish,
    upload,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

cycle_keys = samples.cycle_keys
cycle = samples.cycle

Status = DocumentVersion.Status
DOCX = samples.docx_bytes(["Vize", "Priorita 1"])


def test_numbers_are_sequential_per_document(cycle):
    plan, minutes = make_document(cycle), make_document(cycle, kind="minutes", title="Zápis")
    numbers = [upload(cycle, plan, DOCX).number for _ in range(3)]
    numbers.append(upload(cycle, minutes, DOCX).number)
    assert numbers == [1, 2, 3, 1]


def test_life_cycle_submit_approve_publish_supersede(cycle):
    document = make_document(cycle)
    first = submit_approve_publish(cycle, upload(cycle, document, DOCX))
    assert first.status == Status.PUBLISHED and first.published_at is not None
    assert first.approved_by_decision.document_version_id == first.pk

    second = submit_approve_publish(cycle, upload(cycle, document, samples.docx_bytes(["Nová"])))

    first.refresh_from_db()
    assert second.status == Status.PUBLISHED
    assert first.status == Status.SUPERSEDED
    assert first.superseded_by == second and first.superseded_at == second.published_at
    assert DocumentVersion.objects.filter(document=document, status=Status.PUBLISHED).count() == 1


def test_every_state_change_is_in_the_history_with_actor_and_reason(cycle):
    version = submit_approve_publish(cycle, upload(cycle, make_document(cycle), DOCX))
    records = list(version.history.order_by("history_date", "history_id"))
    assert [r.status for r in records] == ["draft", "submitted", "approved", "published"]
    assert [r.history_user for r in records] == [
        cycle.users["methodologist"],
        cycle.users["methodologist"],
        cycle.coordinator,
        cycle.coordinator,
    ]
    assert all(r.history_change_reason for r in records)


def test_an_older_version_is_not_published_over_a_newer_one(cycle):
    document = make_document(cycle)
    older = upload(cycle, document, DOCX)
    newer = upload(cycle, document, DOCX)
    for version in (older, newer):
        services.version_submit(actor=cycle.coordinator, version=version)
    older, newer = approve(cycle, older), approve(cycle, newer)
    services.version_publish(actor=cycle.coordinator, version=newer)
    with pytest.raises(VersionStateConflict):
        services.version_publish(actor=cycle.coordinator, version=older)


def test_attendance_lists_are_never_published(cycle):
    document = make_document(cycle, kind=Document.Kind.ATTENDANCE_LIST, title="Prezenční listina")
    version = upload(cycle, document, samples.pdf_bytes())
    services.version_submit(actor=cycle.coordinator, version=version)
    version = approve(cycle, version)
    with pytest.raises(ValidationFailed):
        services.version_publish(actor=cycle.coordinator, version=version)
    assert DocumentVersion.objects.get(pk=version.pk).status == Status.APPROVED


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("submitted", "submit"),
        ("draft", "publish"),
        ("submitted", "publish"),
        ("published", "publish"),
    ],
)
def test_steps_from_the_wrong_state_are_conflicts(cycle, status, step):
    version = upload(cycle, make_document(cycle), DOCX)
    if status != "draft":
        version = services.version_submit(actor=cycle.coordinator, version=version)
    if status == "published":
        version = services.version_publish(actor=cycle.coordinator, version=approve(cycle, version))
    service = {"submit": services.version_submit, "publish": services.version_publish}[step]
    with pytest.raises(VersionStateConflict):
        service(actor=cycle.coordinator, version=version)


# who may do what: role × action
CASES = [
    ("methodologist", "submit", True),
    ("coordinator", "submit", True),
    ("chair", "submit", False),
    ("observer", "submit", False),
    ("coordinator", "publish", True),
    ("methodologist", "publish", False),
    ("chair", "publish", False),
    ("outsider", "publish", "not_found"),
    ("outsider", "submit", "not_found"),
    ("anonymous", "submit", "not_found"),
]


@pytest.mark.parametrize(("who", "action", "allowed"), CASES)
def test_permissions(cycle, who, action, allowed):
    version = upload(cycle, make_document(cycle), DOCX)
    if action == "publish":
        services.version_submit(actor=cycle.coordinator, version=version)
        version = approve(cycle, version)
    actor = {
        "outsider": UserFactory(username="outsider"),
        "anonymous": AnonymousUser(),
    }.get(who) or cycle.users[who]
    service = {"submit": services.version_submit, "publish": services.version_publish}[action]
    if allowed is True:
        assert service(actor=actor, version=version).status != version.status
        return
    expected = NotFound if allowed == "not_found" else PermissionDenied
    with pytest.raises(expected):
        service(actor=actor, version=version)
    assert DocumentVersion.objects.get(pk=version.pk).status == version.status


def test_author_may_submit_own_version_without_edit_rights(cycle):
    document = make_document(cycle)
    version = upload(cycle, document, DOCX, actor=cycle.users["methodologist"])
    version.__dict__["author_id"] = cycle.users["chair"].pk  # as if the chair had uploaded it
    DocumentVersion.objects.filter(pk=version.pk).update(author=cycle.users["chair"])
    assert services.version_submit(actor=cycle.users["chair"], version=version).status == (
        Status.SUBMITTED
    )


def test_public_sees_only_published_versions(cycle):
    document = make_document(cycle)
    published = submit_approve_publish(cycle, upload(cycle, document, DOCX))
    draft = upload(cycle, document, DOCX)
    hidden = make_document(cycle, kind="minutes", title="Interní zápis")
    upload(cycle, hidden, DOCX)
    public = AnonymousUser()

    assert list(selectors.document_list(actor=public)) == [document]
    assert list(selectors.version_list(actor=public)) == [published]
    with pytest.raises(NotFound):
        selectors.version_get(actor=public, pk=draft.pk)
    member = cycle.users["observer"]
    assert set(selectors.version_list(actor=member)) == set(DocumentVersion.objects.all())
    outsider = UserFactory(username="outsider")
    assert list(selectors.version_list(actor=outsider)) == [published]


def test_download_is_an_attachment_with_its_checksum(client, cycle):
    data = samples.docx_bytes(["Ke stažení"])
    version = upload(cycle, make_document(cycle), data, "Plán 2025.docx")
    client.force_login(cycle.users["observer"])

    response = client.get(reverse("documents:version_download", args=[version.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert response["Content-Disposition"].startswith("attachment;")
    assert "v1.docx" in response["Content-Disposition"]
    assert response["Content-Type"] == version.content_type


def test_anonymous_download_of_a_draft_is_not_found(client, cycle):
    version = upload(cycle, make_document(cycle), DOCX)
    response = client.get(reverse("documents:version_download", args=[version.pk]))
    assert response.status_code == 404


def test_anonymous_download_of_a_published_version(client, cycle):
    version = submit_approve_publish(cycle, upload(cycle, make_document(cycle), DOCX))
    response = client.get(reverse("documents:version_download", args=[version.pk]))
    assert response.status_code == 200
    assert response["X-Content-SHA256"] == version.sha256


def test_document_page_lists_versions(client, cycle, django_assert_max_num_queries):
    document = make_document(cycle)
    for _ in range(3):
        upload(cycle, document, DOCX)
    client.force_login(cycle.users["methodologist"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("documents:document_detail", args=[document.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/download/") == 3


def test_generated_version_keeps_its_provenance(cycle):
    version = services.version_create_generated(
        actor=cycle.coordinator,
        document=make_document(cycle),
        data=DOCX,
        filename="komunitni-plan.docx",
        template="builtin:community_plan",
        generation_data={"activities": 3},
    )
    assert version.provenance == DocumentVersion.Provenance.GENERATED
    assert version.generated_from_template == "builtin:community_plan"
    assert version.generation_data == {"activities": 3}
