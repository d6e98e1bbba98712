"""Comparing two versions of a document: text extracted paragraph by paragraph, diffed into HTML.

DOCX through python-docx (paragraphs and table rows, in document order), ODT through its
``content.xml`` with a parser that loads no DTD, resolves no entities and opens no network,
PDF through ``pdftotext`` (Debian ``poppler-utils``) when it is installed.
"""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from lxml import etree

from documents import checks, permissions
from documents.exceptions import FeatureUnavailable
from documents.models import DocumentVersion
from documents.services.versions import version_read_bytes
from stakeholders.exceptions import NotFound, ValidationFailed
from stakeholders.services import Actor

PDFTOTEXT_TIMEOUT = 60
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_WORDS = re.compile(r"\s+|[^\s]+")


def _clean(text: str) -> str:
    return " ".join(text.split())


def text_from_docx(data: bytes) -> list[str]:
    from docx import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = DocxDocument(io.BytesIO(data))
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs.append(_clean(block.text))
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = _clean(cell.text)
                    if not cells or cells[-1] != text:  # merged cells repeat their text
                        cells.append(text)
                paragraphs.append(" | ".join(cells))
    return [p for p in paragraphs if p]


def text_from_odt(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    root = checks.parse_xml(content, "content.xml")
    paragraphs = []
    for element in root.iter(f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"):
        # Nested paragraphs (in frames, notes) are read on their own.
        parts = [element.text or ""]
        for child in element:
            if child.tag in (f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"):
                parts.append(child.tail or "")
                continue
            if child.tag in (f"{{{_TEXT_NS}}}s", f"{{{_TEXT_NS}}}tab", f"{{{_TEXT_NS}}}line-break"):
                parts.append(" ")
            else:
                parts.append(
                    etree.tostring(child, method="text", encoding="unicode", with_tail=False)
                )
            parts.append(child.tail or "")
        text = _clean("".join(parts))
        if text:
            paragraphs.append(text)
    return paragraphs


def pdftotext_available() -> bool:
    return shutil.which("pdftotext") is not None


def text_from_pdf(data: bytes) -> list[str]:
    binary = shutil.which("pdftotext")
    if binary is None:
        raise FeatureUnavailable(
            _(
                "Text cannot be extracted from PDF files on this server: the program pdftotext "
                "(Debian package poppler-utils) is not installed."
            )
        )
    with tempfile.TemporaryDirectory(prefix="komplan-pdftotext-") as tmp:
        source = Path(tmp) / "input.pdf"
        source.write_bytes(data)
        try:
            result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                [binary, "-enc", "UTF-8", "-nopgbrk", str(source), "-"],
                capture_output=True,
                timeout=PDFTOTEXT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ValidationFailed(_("Reading the text of the PDF took too long.")) from exc
    if result.returncode != 0:
        raise ValidationFailed(_("The text of the PDF cannot be read."))
    text = result.stdout.decode("utf-8", errors="replace")
    blocks = re.split(r"\n\s*\n", text)
    return [b for b in (_clean(block) for block in blocks) if b]


def text_extract(data: bytes, content_type: str) -> list[str]:
    """The paragraphs of a document's text, in order."""
    if content_type == checks.DOCX:
        return text_from_docx(data)
    if content_type == checks.ODT:
        return text_from_odt(data)
    if content_type == checks.PDF:
        return text_from_pdf(data)
    raise ValidationFailed(
        _("Versions can be compared only for DOCX, ODT and PDF documents."),
        code="diff_not_supported",
    )


# --- the HTML diff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffResult:
    html: SafeString
    added: int
    removed: int
    changed: int
    unchanged: int

    @property
    def is_identical(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _words_diff(old: str, new: str) -> str:
    """One changed paragraph: the words removed and inserted, escaped."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def diff_html(old: list[str], new: list[str]) -> DiffResult:
    """Paragraph-by-paragraph comparison as HTML: unchanged, removed, added, and changed
    paragraphs (with the changed words marked). All text is escaped."""
    rows: list[str] = []
    added = removed = changed = unchanged = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            unchanged += i2 - i1
            rows.extend(f'<p class="diff-same">{escape(p)}</p>' for p in old[i1:i2])
        elif op == "delete":
            removed += i2 - i1
            rows.extend(f'<p class="diff-removed"><del>{escape(p)}</del></p>' for p in old[i1:i2])
        elif op == "insert":
            added += j2 - j1
            rows.extend(f'<p class="diff-added"><ins>{escape(p)}</ins></p>' for p in new[j1:j2])
        else:
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                changed += 1
                rows.append(f'<p class="diff-changed">{_words_diff(old[i1 + k], new[j1 + k])}</p>')
            for p in old[i1 + pairs : i2]:
                removed += 1
                rows.append(f'<p class="diff-removed"><del>{escape(p)}</del></p>')
            for p in new[j1 + pairs : j2]:
                added += 1
                rows.append(f'<p class="diff-added"><ins>{escape(p)}</ins></p>')
    html = mark_safe("\n".join(rows))  # noqa: S308 (every piece of text above is escaped)
    return DiffResult(html=html, added=added, removed=removed, changed=changed, unchanged=unchanged)


def version_diff(*, actor: Actor, old: DocumentVersion, new: DocumentVersion) -> DiffResult:
    """Compare two versions of one document. Needs: both visible to the actor.

    The bytes of both are re-checked against their sha256 before their text is read.
    """
    for version in (old, new):
        if not permissions.can_view_version(actor, version):
            raise NotFound(_("Document version not found."))
    if old.document_id != new.document_id:
        raise ValidationFailed(_("Only versions of the same document can be compared."))
    old_text = text_extract(
        version_read_bytes(actor=actor, version=old, during="diff"), old.content_type
    )
    new_text = text_extract(
        version_read_bytes(actor=actor, version=new, during="diff"), new.content_type
    )
    return diff_html(old_text, new_text)
