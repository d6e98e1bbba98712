"""Versions are compared paragraph by paragraph: DOCX, ODT and PDF text into escaped HTML."""

from __future__ import annotations

import shutil

import pytest
from django.urls import reverse

from documents import services
from documents.exceptions import FeatureUnavailable
from documents.services import diff
from stakeholders.exceptions import ValidationFailed
from tests.documents import samples
from tests.documents.samples import make_document, upload

pytestmark = pytest.mark.django_db

cycle_keys = samples.cycle_keys
cycle = samples.cycle


def test_docx_text_includes_paragraphs_and_table_rows_in_order():
    data = samples.docx_bytes(["Vize", "Priorita 1"], [["Aktivita", "Náklady"], ["Poradna", "10"]])
    assert diff.text_from_docx(data) == [
        "Vize",
        "Priorita 1",
        "Aktivita | Náklady",
        "Poradna | 10",
    ]


def test_odt_text_is_read_without_entities():
    data = samples.odt_bytes(["Zápis z jednání", "Usnesení č. 1"])
    assert diff.text_from_odt(data) == ["Zápis z jednání", "Usnesení č. 1"]


def test_diff_marks_added_removed_and_changed_paragraphs_and_escapes_text():
    result = diff.diff_html(
        ["Vize", "Priorita 1: senioři", "Starý odstavec", "Konec"],
        ["Vize", "Priorita 1: senioři a rodiny", "Konec", "<script>alert(1)</script>"],
    )
    html = str(result.html)
    assert (result.added, result.removed, result.changed, result.unchanged) == (1, 1, 1, 2)
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<del>Starý odstavec</del>" in html
    assert "senioři<ins> a rodiny</ins>" in html.replace("<ins> </ins><ins>", "<ins> ")
    assert "<script>" not in html


def test_identical_texts():
    assert diff.diff_html(["a", "b"], ["a", "b"]).is_identical


def test_version_diff_through_the_view(client, cycle):
    document = make_document(cycle)
    old = upload(cycle, document, samples.docx_bytes(["Vize", "Priorita 1"]))
    new = upload(cycle, document, samples.docx_bytes(["Vize", "Priorita 1", "Priorita 2 <b>"]))
    client.force_login(cycle.users["observer"])

    response = client.get(reverse("documents:version_diff", args=[old.pk, new.pk]))

    assert response.status_code == 200
    assert "<ins>Priorita 2 &lt;b&gt;</ins>" in response.content.decode()


def test_docx_against_odt(cycle):
    document = make_document(cycle)
    old = upload(cycle, document, samples.docx_bytes(["Stejné", "Jiné"]))
    new = upload(cycle, document, samples.odt_bytes(["Stejné", "Nové"]), "plan.odt")
    result = services.version_diff(actor=cycle.coordinator, old=old, new=new)
    assert (result.unchanged, result.changed) == (1, 1)


def test_versions_of_different_documents_are_not_compared(cycle):
    a = upload(cycle, make_document(cycle), samples.docx_bytes(["a"]))
    b = upload(cycle, make_document(cycle, title="Jiný"), samples.docx_bytes(["b"]))
    with pytest.raises(ValidationFailed):
        services.version_diff(actor=cycle.coordinator, old=a, new=b)


def test_images_are_not_compared(cycle):
    document = make_document(cycle)
    a = upload(cycle, document, samples.png_bytes(), "a.png")
    b = upload(cycle, document, samples.png_bytes(), "b.png")
    with pytest.raises(ValidationFailed):
        services.version_diff(actor=cycle.coordinator, old=a, new=b)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_pdf_text_through_pdftotext(cycle):
    document = make_document(cycle)
    old = upload(cycle, document, samples.pdf_bytes("Plan 2025"), "a.pdf")
    new = upload(cycle, document, samples.pdf_bytes("Plan 2026"), "b.pdf")
    result = services.version_diff(actor=cycle.coordinator, old=old, new=new)
    assert result.changed == 1
    assert "<del>2025</del><ins>2026</ins>" in str(result.html)


def test_without_pdftotext_the_feature_says_so(monkeypatch):
    monkeypatch.setattr(diff.shutil, "which", lambda name: None)
    with pytest.raises(FeatureUnavailable) as refused:
        diff.text_from_pdf(samples.pdf_bytes())
    assert "pdftotext" in refused.value.message
    assert refused.value.http_status == 503
