"""Files for the document tests, built in code: valid DOCX/ODT/XLSX/PDF/PNG/JPEG and a corpus of
hostile or broken uploads that must all be refused."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from docx import Document as DocxDocument

from tests.workflow.conftest import Cycle, build_cycle

ODT_MIME = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = DocxDocument()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip(entries: list[tuple[str, bytes]], *, first_stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),  # a duplicate entry is one of the hostile cases
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore", UserWarning)
        for index, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data, kind)
    return buffer.getvalue()


def odt_content(paragraphs: list[str]) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    ).encode()


MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    b'manifest:version="1.3">'
    b'<manifest:file-entry manifest:full-path="/" '
    b'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    b"</manifest:manifest>"
)


def odt_bytes(paragraphs: list[str], *, extra: list[tuple[str, bytes]] = ()) -> bytes:
    return _zip(
        [
            ("mimetype", ODT_MIME),
            ("content.xml", odt_content(paragraphs)),
            ("META-INF/manifest.xml", MANIFEST),
            *extra,
        ],
        first_stored=True,
    )


def content_types(main_part: str, main_type: str, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{extra}</Types>'
    ).encode()


WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheets><sheet name="List1" sheetId="1"/></sheets></workbook>'
)


def xlsx_bytes(*, main_type: str = XLSX_MAIN, extra: list[tuple[str, bytes]] = ()) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", content_types("xl/workbook.xml", main_type)),
            ("xl/workbook.xml", WORKBOOK),
            *extra,
        ]
    )


def rezip(data: bytes, *, drop: str = "", add: list[tuple[str, bytes]] = (), replace=None) -> bytes:
    """A copy of a zip with an entry dropped, entries added or an entry's bytes replaced."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename == drop:
                continue
            content = archive.read(info)
            if replace and info.filename in replace:
                content = replace[info.filename]
            entries.append((info.filename, content))
    return _zip([*entries, *add])


def pdf_bytes(text: str = "Komunitní plán", *, extra_objects: list[bytes] = (), catalog_extra=b""):
    """A minimal, well-formed one-page PDF (with an xref table and a trailer)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text.encode('ascii', 'replace').decode()}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 2, height: int = 2) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + sof + sos + b"\x00\x00\x00" + b"\xff\xd9"


# --- the hostile corpus -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    label: str
    data: bytes
    filename: str


def _bomb_by_ratio(size: int = 30 * 1024 * 1024) -> bytes:
    base = docx_bytes(["Bomba"])
    return rezip(base, add=[("word/media/zeros.bin", b"\x00" * size)])


def _bomb_by_total() -> bytes:
    """201 entries of 1 MB of zeros each: none is over the ratio limit, together over 200 MB."""
    zeros = b"\x00" * (1024 * 1024)
    return rezip(docx_bytes(["Bomba"]), add=[(f"word/media/z{i}.bin", zeros) for i in range(201)])


def _many_entries(count: int) -> bytes:
    base = docx_bytes(["Mnoho částí"])
    return rezip(base, add=[(f"word/media/p{i}.txt", b"x") for i in range(count)])


def _lying_size(data: bytes) -> bytes:
    """Declare a smaller uncompressed size in the central directory than the entry really has."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer) as archive:
        info = archive.getinfo("word/document.xml")
        header_offset = info.header_offset
    raw = bytearray(data)
    # local header: uncompressed size at offset 22; central directory: at offset 24
    struct.pack_into("<I", raw, header_offset + 22, 10)
    central = raw.rfind(b"PK\x01\x02" + b"", 0)
    position = raw.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", raw, position + 28)[0]
        name = bytes(raw[position + 46 : position + 46 + name_length])
        if name == b"word/document.xml":
            struct.pack_into("<I", raw, position + 24, 10)
        position = raw.find(b"PK\x01\x02", position + 4)
    del central
    return bytes(raw)


def _encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag bit on every entry (local headers and central directory)."""
    raw = bytearray(data)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = raw.find(signature)
        while position >= 0:
            flags = struct.unpack_from("<H", raw, position + flag_offset)[0]
            struct.pack_into("<H", raw, position + flag_offset, flags | 0x1)
            position = raw.find(signature, position + 4)
    return bytes(raw)


def _raw_zip_with_name(name: str, base: bytes) -> bytes:
    if "\x00" not in name:
        return rezip(base, add=[(name, b"evil")])
    # zipfile cuts names at NUL when writing: write a placeholder and patch the raw bytes.
    placeholder = name.replace("\x00", "X")
    return rezip(base, add=[(placeholder, b"evil")]).replace(placeholder.encode(), name.encode())


def hostile_corpus() -> Iterator[Hostile]:
    """At least 200 uploads that must be refused, each generated here."""
    docx = docx_bytes(["Analýza poskytovatelů", "Druhý odstavec"], [["A", "B"], ["1", "2"]])
    odt = odt_bytes(["Zápis z jednání"])
    xlsx = xlsx_bytes()
    pdf = pdf_bytes()
    png = png_bytes()
    jpeg = jpeg_bytes()
    valid = {"docx": docx, "odt": odt, "xlsx": xlsx, "pdf": pdf, "png": png, "jpg": jpeg}

    # 0-byte files under every allowed name
    for ext in [*valid, "doc", "txt", ""]:
        yield Hostile(f"empty .{ext}", b"", f"prazdny.{ext}" if ext else "prazdny")

    # wrong magic bytes: other formats and random junk named as allowed types
    foreign = {
        "exe": b"MZ\x90\x00\x03" + b"\x00" * 200,
        "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
        "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "rtf": b"{\\rtf1\\ansi Hello}",
        "ole-doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,
        "gzip": b"\x1f\x8b\x08\x00" + b"\x00" * 100,
        "rar": b"Rar!\x1a\x07\x00" + b"\x00" * 100,
        "7z": b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100,
        "text": "Prostý text, žádný dokument".encode(),
        "shell": b"#!/bin/sh\nrm -rf /\n",
        "php": b"<?php system($_GET['c']); ?>",
        "bmp": b"BM" + b"\x00" * 100,
        "tiff": b"II*\x00" + b"\x00" * 100,
        "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        "bom-pdf": b"\xef\xbb\xbf%PDF-1.7\n",
        "space-pdf": b" %PDF-1.7\n" + pdf,
        "null": b"\x00" * 1024,
    }
    for name, data in foreign.items():
        for ext in ("docx", "pdf", "png"):
            yield Hostile(f"{name} named .{ext}", data, f"soubor.{ext}")

    # truncated files of every allowed type, cut at several points
    for ext, data in valid.items():
        for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
            cut = max(1, int(len(data) * fraction))
            yield Hostile(f"truncated {ext} at {fraction:.0%}", data[:cut], f"useknuty.{ext}")
        yield Hostile(
            f"{ext} minus last byte", data[:-1] if ext != "pdf" else data[:-7], f"x.{ext}"
        )

    # zip bombs: by ratio, by declared total size, by entry count; nested archives
    yield Hostile("zip bomb by ratio (30 MB of zeros)", _bomb_by_ratio(), "bomba.docx")
    yield Hostile("zip bomb by total size", _bomb_by_total(), "bomba2.docx")
    for count in (1001, 1500, 5000):
        yield Hostile(f"{count} entries", _many_entries(count), "mnoho.docx")
    yield Hostile("lying uncompressed size", _lying_size(docx), "lze.docx")
    inner_bomb = _bomb_by_ratio(5 * 1024 * 1024)
    yield Hostile(
        "nested zip outside embeddings", rezip(docx, add=[("word/inner.zip", inner_bomb)]), "n.docx"
    )
    yield Hostile("zip in a zip only", _zip([("inner.zip", docx)]), "zip.docx")
    yield Hostile(
        "nested twice in embeddings",
        rezip(
            docx,
            add=[("word/embeddings/a.docx", rezip(docx, add=[("word/embeddings/b.docx", docx)]))],
        ),
        "hnizdo.docx",
    )
    yield Hostile(
        "macro workbook embedded",
        rezip(docx, add=[("word/embeddings/sheet.xlsm", xlsx_bytes(main_type=XLSM_MAIN))]),
        "vlozeny.docx",
    )

    # encrypted and broken archives
    for ext in ("docx", "odt", "xlsx"):
        yield Hostile(f"encrypted {ext}", _encrypted(valid[ext]), f"heslo.{ext}")
        yield Hostile(f"{ext} with zeroed central directory", _zero_central(valid[ext]), f"z.{ext}")
        yield Hostile(f"{ext} with flipped bytes", _flip(valid[ext]), f"f.{ext}")
    yield Hostile("plain zip", _zip([("readme.txt", b"hello")]), "archiv.docx")
    yield Hostile("empty zip", b"PK\x05\x06" + b"\x00" * 18, "prazdny.docx")
    yield Hostile("zip header only", b"PK\x03\x04" + b"\x00" * 26, "hlavicka.docx")

    # path traversal and absolute names inside archives
    for evil in (
        "../../etc/passwd",
        "..\\..\\windows\\system32\\x.dll",
        "/etc/cron.d/evil",
        "C:/Windows/evil.exe",
        "word/../../evil.xml",
        "word\\..\\evil.xml",
        "a/b/../../../c",
        "word/\x00hidden.xml",
    ):
        yield Hostile(f"entry {evil!r} in docx", _raw_zip_with_name(evil, docx), "cesta.docx")
        yield Hostile(f"entry {evil!r} in odt", _raw_zip_with_name(evil, odt), "cesta.odt")
    yield Hostile(
        "duplicate entry", _zip([*_entries(docx), ("word/document.xml", b"<x/>")]), "dvakrat.docx"
    )

    # macros: DOCM renamed .docx, vbaProject.bin, XLSM, ODT Basic
    docm = rezip(
        docx,
        replace={"[Content_Types].xml": content_types("word/document.xml", DOCM_MAIN)},
        add=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")],
    )
    yield Hostile("DOCM renamed .docx", docm, "makro.docx")
    yield Hostile(
        "DOCM content type without vba part",
        rezip(docx, replace={"[Content_Types].xml": content_types("word/document.xml", DOCM_MAIN)}),
        "makro2.docx",
    )
    yield Hostile(
        "vbaProject.bin in a docx",
        rezip(docx, add=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
        "vba.docx",
    )
    yield Hostile(
        "vbaProject.bin upper case",
        rezip(docx, add=[("word/VBAPROJECT.BIN", b"\xd0\xcf\x11\xe0")]),
        "vba2.docx",
    )
    yield Hostile("XLSX with macros", xlsx_bytes(main_type=XLSM_MAIN), "makra.xlsx")
    yield Hostile(
        "XLSX with vbaProject.bin",
        xlsx_bytes(extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
        "makra2.xlsx",
    )
    yield Hostile(
        "XLSM renamed .xlsx with both",
        xlsx_bytes(main_type=XLSM_MAIN, extra=[("xl/vbaProject.bin", b"\xd0\xcf")]),
        "makra3.xlsx",
    )
    yield Hostile(
        "ODT with Basic macros",
        odt_bytes(["x"], extra=[("Basic/Standard/Module1.xml", b"<x/>")]),
        "makro.odt",
    )
    yield Hostile(
        "ODT with scripts", odt_bytes(["x"], extra=[("Scripts/python/evil.py", b"x")]), "s.odt"
    )
    yield Hostile(
        "DOTX template",
        rezip(
            docx,
            replace={
                "[Content_Types].xml": content_types(
                    "word/document.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                )
            },
        ),
        "sablona.docx",
    )

    # incomplete OOXML / ODT
    yield Hostile("docx without document.xml", rezip(docx, drop="word/document.xml"), "bez.docx")
    yield Hostile("docx without content types", rezip(docx, drop="[Content_Types].xml"), "b.docx")
    yield Hostile("xlsx without workbook", rezip(xlsx, drop="xl/workbook.xml"), "bez.xlsx")
    yield Hostile(
        "odt with compressed mimetype",
        _zip([("mimetype", ODT_MIME), ("content.xml", odt_content(["x"]))]),
        "komp.odt",
    )
    yield Hostile(
        "odt mimetype not first",
        _zip([("content.xml", odt_content(["x"])), ("mimetype", ODT_MIME)]),
        "poradi.odt",
    )
    for mime in (
        b"application/vnd.oasis.opendocument.spreadsheet",
        b"application/vnd.oasis.opendocument.presentation",
        b"application/vnd.oasis.opendocument.text-template",
        b"application/x-evil",
        b"",
    ):
        yield Hostile(
            f"odt with mimetype {mime!r}",
            _zip([("mimetype", mime), ("content.xml", odt_content(["x"]))], first_stored=True),
            "jiny.odt",
        )
    yield Hostile(
        "odt without content.xml", _zip([("mimetype", ODT_MIME)], first_stored=True), "bez.odt"
    )
    encrypted_manifest = MANIFEST.replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1" manifest:checksum="x"/>'
        b"</manifest:file-entry></manifest:manifest>",
    )
    yield Hostile(
        "odt encrypted by manifest",
        _zip(
            [
                ("mimetype", ODT_MIME),
                ("content.xml", b"\x00\x01garbage"),
                ("META-INF/manifest.xml", encrypted_manifest),
            ],
            first_stored=True,
        ),
        "sifra.odt",
    )

    # XML attacks inside documents
    billion = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<root>&lol2;</root>"
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    for label, payload in (("billion laughs", billion), ("XXE", xxe), ("broken XML", b"<x><y>")):
        yield Hostile(
            f"{label} in document.xml",
            rezip(docx, replace={"word/document.xml": payload}),
            "xml.docx",
        )
        yield Hostile(
            f"{label} in content types",
            rezip(docx, replace={"[Content_Types].xml": payload}),
            "ct.docx",
        )
        yield Hostile(
            f"{label} in ODT content",
            _zip([("mimetype", ODT_MIME), ("content.xml", payload)], first_stored=True),
            "xml.odt",
        )

    # PDFs with active content
    js_variants = {
        "OpenAction JavaScript": b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ",
        "JS name only": b"/AA << /O << /JS (x) >> >> ",
        "hex-escaped JavaScript": b"/OpenAction << /S /J#61vaScript /JS (x) >> ",
        "hex-escaped JS": b"/OpenAction << /S /JavaScript /#4A#53 (x) >> ",
        "Launch action": b"/OpenAction << /S /Launch /F (cmd.exe) >> ",
        "embedded files": b"/Names << /EmbeddedFiles << /Names [(a) 6 0 R] >> >> ",
        "RichMedia": b"/RichMedia 6 0 R ",
        "XFA form": b"/AcroForm << /XFA 6 0 R >> ",
    }
    for label, extra in js_variants.items():
        yield Hostile(f"PDF with {label}", pdf_bytes(catalog_extra=extra), "js.pdf")
    yield Hostile(
        "PDF with JavaScript object",
        pdf_bytes(
            extra_objects=[b"<< /Type /Action /S /JavaScript /JS (this.exportDataObject()) >>"]
        ),
        "js2.pdf",
    )
    yield Hostile(
        "PDF with EmbeddedFile stream",
        pdf_bytes(extra_objects=[b"<< /Type /EmbeddedFile /Length 1 >>\nstream\nx\nendstream"]),
        "priloha.pdf",
    )
    objstm = zlib.compress(b"6 0 << /S /JavaScript /JS (app.alert(1)) >>")
    yield Hostile(
        "PDF with JavaScript hidden in an object stream",
        pdf_bytes(
            extra_objects=[
                b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
                % len(objstm)
                + objstm
                + b"\nendstream"
            ]
        ),
        "objstm.pdf",
    )
    yield Hostile(
        "encrypted PDF", pdf_bytes().replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"), "e.pdf"
    )
    yield Hostile("PDF without %%EOF", pdf.replace(b"%%EOF", b""), "bez.pdf")
    yield Hostile("PDF with data after %%EOF", pdf + b"MZ\x90\x00 executable", "za.pdf")
    yield Hostile("PDF header only", b"%PDF-1.7\n%%EOF\n", "hlavicka.pdf")

    # polyglots
    yield Hostile("PDF + ZIP polyglot", pdf + docx, "poly.pdf")
    yield Hostile("ZIP + PDF polyglot", docx + pdf, "poly2.docx")
    polyglot_png = png[:-12] + _png_chunk(b"tEXt", docx) + png[-12:]
    yield Hostile("PNG carrying a zip", polyglot_png, "poly.png")
    yield Hostile("JPEG + ZIP", jpeg + docx, "poly.jpg")
    yield Hostile("PNG + trailing PDF", png + pdf, "poly2.png")
    yield Hostile(
        "JPEG with zip in comment",
        jpeg[:2]
        + b"\xff\xfe"
        + struct.pack(">H", 2 + len(docx) % 60000)
        + docx[: len(docx) % 60000]
        + jpeg[2:],
        "c.jpg",
    )

    # broken images
    yield Hostile("PNG with bad IHDR CRC", png[:29] + b"\x00\x00\x00\x00" + png[33:], "crc.png")
    yield Hostile("PNG zero width", png_bytes(width=0), "nula.png")
    yield Hostile("PNG gigantic", _png_header_only(100_000, 100_000), "obr.png")
    yield Hostile("PNG pixel bomb", _png_header_only(20_000, 20_000), "obr2.png")
    yield Hostile("PNG bad bit depth", _png_header_only(2, 2, depth=7), "bd.png")
    yield Hostile("PNG missing IEND", png[:-12], "bez.png")
    yield Hostile("PNG magic only", png[:8], "magic.png")
    yield Hostile("JPEG magic only", b"\xff\xd8\xff", "magic.jpg")
    yield Hostile("JPEG zero size", jpeg_bytes(width=0, height=0), "nula.jpg")
    yield Hostile("JPEG gigantic", jpeg_bytes(width=60_000, height=60_000), "obr.jpg")
    yield Hostile("JPEG without end marker", jpeg[:-2], "bez.jpg")
    yield Hostile("JPEG with garbage segments", b"\xff\xd8\xff\xe0\x00\x01" + b"\xff\xd9", "g.jpg")
    yield Hostile("JPEG scan before frame", b"\xff\xd8" + jpeg[-16:], "sos.jpg")

    # hostile names on otherwise valid files
    names = [
        "../../etc/passwd.docx",
        "..\\..\\boot.ini.docx",
        "/etc/shadow.pdf",
        "C:\\Windows\\system32\\evil.docx",
        "C:evil.docx",
        "a/b.docx",
        "soubor\x00.exe.docx",
        "." * 300 + ".docx",
        "a" * 256 + ".docx",
        "ž" * 300 + ".pdf",
        "..",
        ".",
        "   ",
        "..docx/../x",
    ]
    for name in names:
        for ext in ("docx", "pdf"):
            yield Hostile(f"name {name[:30]!r} ({ext})", valid[ext], name)


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def _zero_central(data: bytes) -> bytes:
    position = data.find(b"PK\x01\x02")
    return data[:position] + b"\x00" * (len(data) - position)


def _flip(data: bytes) -> bytes:
    raw = bytearray(data)
    for position in range(100, len(raw) - 100, 97):
        raw[position] ^= 0x5A
    return bytes(raw)


def _png_header_only(width: int, height: int, depth: int = 8) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + _png_chunk(b"IEND", b"")
    )


# --- shared fixtures and helpers of the document tests -----------------------------------------


@pytest.fixture(scope="module")
def cycle_keys(django_db_setup, django_db_blocker) -> Any:
    """The cycle is built once per module in a transaction rolled back after the module."""
    from django.db import transaction

    from tests.factories import SuperUserFactory

    with django_db_blocker.unblock(), transaction.atomic():
        built = build_cycle(SuperUserFactory(username="spravce"))
        yield {
            "admin": built.admin.pk,
            "process": built.process.pk,
            "steering_group": built.steering_group.pk,
            "users": {k: u.pk for k, u in built.users.items()},
            "memberships": {k: m.pk for k, m in built.memberships.items()},
        }
        transaction.set_rollback(True)


@pytest.fixture
def cycle(cycle_keys, db) -> Cycle:
    """A process with its steering group: coordinator, methodologist, four voters, an observer
    (fresh instances for each test; what a test writes is rolled back)."""
    from django.contrib.auth import get_user_model

    from stakeholders.models import Body, Membership
    from workflow.models import PlanningProcess

    users = get_user_model().objects.in_bulk(cycle_keys["users"].values())
    memberships = Membership.objects.in_bulk(cycle_keys["memberships"].values())
    return Cycle(
        admin=get_user_model().objects.get(pk=cycle_keys["admin"]),
        process=PlanningProcess.objects.get(pk=cycle_keys["process"]),
        steering_group=Body.objects.get(pk=cycle_keys["steering_group"]),
        users={k: users[pk] for k, pk in cycle_keys["users"].items()},
        memberships={k: memberships[pk] for k, pk in cycle_keys["memberships"].items()},
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def make_document(cycle: Cycle, *, kind: str = "community_plan", title: str = "Komunitní plán"):
    from documents import services

    return services.document_create(
        actor=cycle.coordinator, process=cycle.process, kind=kind, title=title
    )


def upload(cycle: Cycle, document, data: bytes, filename: str = "plan.docx", actor=None):
    from documents import services

    return services.version_upload(
        actor=actor or cycle.users["methodologist"],
        document=document,
        stream=io.BytesIO(data),
        filename=filename,
        change_summary="Nová verze",
    )


def decide(cycle: Cycle, version, *, votes: str = "for"):
    """A steering-group decision on the version, taken at a meeting by all four voters."""
    from workflow import services as workflow_services
    from workflow.services.documents import document_version_decision_create

    decision = document_version_decision_create(
        actor=cycle.coordinator,
        version=version,
        body=cycle.steering_group,
        title=f"Schválení verze {version.number}",
        mode="meeting",
    )
    workflow_services.decision_set_present(
        actor=cycle.coordinator, decision=decision, memberships=cycle.voters
    )
    for membership in cycle.voters:
        workflow_services.vote_cast(
            actor=cycle.coordinator, decision=decision, membership=membership, choice=votes
        )
    return workflow_services.decision_close(actor=cycle.coordinator, decision=decision)


def approve(cycle: Cycle, version):
    from workflow.services.documents import document_version_approve

    decision = decide(cycle, version)
    return document_version_approve(
        actor=cycle.coordinator, version_id=version.pk, decision_id=decision.pk
    )


def submit_approve_publish(cycle: Cycle, version):
    from documents import services

    version = services.version_submit(actor=cycle.users["methodologist"], version=version)
    version = approve(cycle, version)
    return services.version_publish(actor=cycle.coordinator, version=version)
