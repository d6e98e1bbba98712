"""Content checks of uploaded files: what a file is, decided from its bytes, never its name.

Allowed: DOCX, ODT, XLSX, PDF, PNG, JPEG. Zip-based formats are checked on their central
directory (entry count, declared uncompressed size, per-entry compression ratio, encryption, entry
names) before any member is decompressed; members are then decompressed in bounded chunks so
that a directory that lies about sizes cannot inflate past the limits. Every refusal raises
``UploadRejected`` with a stable ``code`` and a message for the user.

Pure functions over bytes: no storage, no database.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree

from documents.exceptions import UploadRejected

# Zip limits. Office documents have tens of entries and rarely exceed a few tens of MB unpacked.
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRY_RATIO = 100  # uncompressed / compressed, for entries larger than RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024
MAX_NESTING = 1  # archives embedded in a document (an Excel chart in a DOCX), one level deep
CHUNK = 64 * 1024
MAX_XML_MEMBER = 50 * 1024 * 1024
# Images: refuse decompression bombs by their declared dimensions.
MAX_IMAGE_SIDE = 30_000
MAX_IMAGE_PIXELS = 150_000_000
# PDF: object streams are decompressed (bounded) to look for actions hidden inside them.
MAX_PDF_INFLATED = 100 * 1024 * 1024
MAX_FILENAME_LENGTH = 255

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {DOCX: "docx", XLSX: "xlsx", ODT: "odt", PDF: "pdf", PNG: "png", JPEG: "jpg"}
TEXT_TYPES = frozenset({DOCX, ODT, PDF})

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_MANIFEST_NS = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
_MACRO_NAME = re.compile(
    r"(^|/)(vbaproject\.bin|vbadata\.xml|vbaprojectsignature\.bin)$|(^|/)(basic|scripts)/",
    re.IGNORECASE,
)
_DRIVE = re.compile(r"^[a-zA-Z]:")


@dataclass(frozen=True)
class Inspected:
    """What an accepted upload is."""

    content_type: str
    extension: str
    size: int
    sha256: str


def reject(code: str, message: str) -> UploadRejected:
    return UploadRejected(message, code=code, errors={"file": [message]})


def safe_xml_parser() -> etree.XMLParser:
    """No DTDs, no entities, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, what: str) -> etree._Element:
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise reject(
            "xml_doctype",
            _("The file contains an XML document type declaration (%(part)s); it is refused.")
            % {"part": what},
        )
    try:
        return etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise reject(
            "xml_broken", _("The file is damaged: %(part)s cannot be read.") % {"part": what}
        ) from exc


# --- file names ---------------------------------------------------------------------------------


def sanitize_filename(name: str) -> str:
    """The uploaded name as safe metadata; refuses names that try to be paths.

    The stored file always gets a generated name; this value is only displayed and offered as
    the download name.
    """
    if name is None:
        name = ""
    if len(name) > MAX_FILENAME_LENGTH:
        raise reject(
            "filename_too_long",
            _("The file name is too long (at most %(limit)s characters).")
            % {"limit": MAX_FILENAME_LENGTH},
        )
    if "\x00" in name or "/" in name or "\\" in name or _DRIVE.match(name):
        raise reject(
            "filename_path",
            _("The file name must not contain a path or special characters; rename the file."),
        )
    if name.strip(" .") == "" and name != "":
        raise reject("filename_path", _("The file name is not valid; rename the file."))
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = "".join(
        "_" if unicodedata.category(ch).startswith("C") or ch in '<>:"|?*' else ch for ch in cleaned
    )
    cleaned = cleaned.strip().lstrip(".")
    return cleaned or "document"


# --- entry point --------------------------------------------------------------------------------


def inspect_upload(data: bytes, *, max_bytes: int) -> Inspected:
    """Decide what the bytes are and whether they are acceptable; raise UploadRejected if not."""
    size = len(data)
    if size == 0:
        raise reject("empty", _("The file is empty."))
    if size > max_bytes:
        raise reject(
            "too_large",
            _("The file is too large: %(size)s MB, the limit is %(limit)s MB.")
            % {"size": _mb(size), "limit": _mb(max_bytes)},
        )
    if data.startswith(b"PK\x03\x04"):
        content_type = _inspect_office_zip(data)
    elif data.startswith(b"%PDF-"):
        _inspect_pdf(data)
        content_type = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        _inspect_png(data)
        content_type = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        _inspect_jpeg(data)
        content_type = JPEG
    else:
        raise reject("unknown_type", _not_allowed_message())
    if content_type in (PDF, PNG, JPEG) and _looks_like_zip(data):
        raise reject(
            "polyglot",
            _("The file is at the same time a %(kind)s and an archive; such files are refused.")
            % {"kind": EXTENSIONS[content_type].upper()},
        )
    return Inspected(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _not_allowed_message() -> str:
    return _(
        "This type of file is not allowed. Upload a DOCX, ODT, XLSX or PDF document, "
        "or a PNG or JPEG image."
    )


def _looks_like_zip(data: bytes) -> bool:
    if b"PK\x05\x06" not in data[-(65536 + 22) :]:
        return False
    return zipfile.is_zipfile(io.BytesIO(data))


# --- zip-based formats ---------------------------------------------------------------------------


def _check_zip_ends(data: bytes) -> None:
    """The archive ends with its end-of-directory record: nothing may be appended after it."""
    position = data.rfind(b"PK\x05\x06")
    if position < 0 or position + 22 > len(data):
        raise reject(
            "zip_broken", _("The file is damaged or incomplete (the archive cannot be read).")
        )
    (comment_length,) = struct.unpack_from("<H", data, position + 20)
    if position + 22 + comment_length != len(data):
        raise reject(
            "polyglot", _("The document has other data attached after its end; it is refused.")
        )


def _open_zip(data: bytes, depth: int) -> zipfile.ZipFile:
    _check_zip_ends(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise reject(
            "zip_broken", _("The file is damaged or incomplete (the archive cannot be read).")
        ) from exc
    _check_directory(infos, depth)
    return archive


def _check_directory(infos: list[zipfile.ZipInfo], depth: int) -> None:
    """Limits from the central directory alone, before anything is decompressed."""
    if len(infos) == 0:
        raise reject("zip_empty", _("The file is damaged: the archive is empty."))
    if len(infos) > MAX_ZIP_ENTRIES:
        raise reject(
            "zip_too_many_entries",
            _("The document consists of too many parts (%(count)s, at most %(limit)s).")
            % {"count": len(infos), "limit": MAX_ZIP_ENTRIES},
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise reject(
                "encrypted",
                _("The document is encrypted or password-protected; upload it without a password."),
            )
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in info.orig_filename
            or _DRIVE.match(name)
            or any(part == ".." for part in name.split("/"))
        ):
            raise reject(
                "zip_path_traversal",
                _("The document contains a part with a dangerous path; it is refused."),
            )
        if info.is_dir() and info.file_size:
            raise reject(
                "zip_broken", _("The file is damaged or incomplete (the archive cannot be read).")
            )
        key = name.lower()
        if key in seen:
            raise reject(
                "zip_duplicate_entry", _("The document contains a part twice; it is refused.")
            )
        seen.add(key)
        if _MACRO_NAME.search(name):
            raise reject("macros", _macro_message())
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise reject(
                "zip_compression",
                _("The document uses an unsupported compression method; save it again."),
            )
        total += info.file_size
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_ENTRY_RATIO * max(
            info.compress_size, 1
        ):
            raise reject("zip_bomb_ratio", _zip_bomb_message())
    if total > MAX_ZIP_UNCOMPRESSED:
        raise reject("zip_bomb_size", _zip_bomb_message())


def _zip_bomb_message() -> str:
    return _(
        "The document unpacks to far more data than it contains (a possible zip bomb); "
        "it is refused."
    )


def _macro_message() -> str:
    return _(
        "The document contains macros, which are not allowed. Save it as a document without "
        "macros (DOCX, XLSX or ODT) and upload it again."
    )


def _read_members(archive: zipfile.ZipFile, depth: int) -> dict[str, bytes]:
    """Decompress every member in bounded chunks (verifying CRCs); keep the small XML ones."""
    kept: dict[str, bytes] = {}
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        produced = 0
        head = b""
        buffer = bytearray()
        keep = info.filename.lower().endswith((".xml", ".rels")) or info.filename in ("mimetype",)
        try:
            with archive.open(info) as member:
                while True:
                    chunk = member.read(CHUNK)
                    if not chunk:
                        break
                    produced += len(chunk)
                    total += len(chunk)
                    if produced > info.file_size or total > MAX_ZIP_UNCOMPRESSED:
                        raise reject("zip_bomb_size", _zip_bomb_message())
                    if len(head) < 8:
                        head = (head + chunk)[:8]
                    if keep or head.startswith(b"PK\x03\x04"):
                        if len(buffer) + len(chunk) > MAX_XML_MEMBER:
                            raise reject("zip_bomb_size", _zip_bomb_message())
                        buffer.extend(chunk)
        except UploadRejected:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise reject(
                "zip_broken", _("The file is damaged or incomplete (a part cannot be unpacked).")
            ) from exc
        if produced != info.file_size:
            raise reject("zip_broken", _("The file is damaged: a part has the wrong size."))
        if head.startswith(b"PK\x03\x04"):
            _check_nested(info.filename, bytes(buffer), depth)
        elif keep:
            kept[info.filename] = bytes(buffer)
    return kept


def _check_nested(name: str, data: bytes, depth: int) -> None:
    """An archive inside the document: allowed only as an embedded object, one level deep."""
    if depth >= MAX_NESTING or "/embeddings/" not in f"/{name.lower()}":
        raise reject(
            "zip_nested", _("The document contains another archive inside it; it is refused.")
        )
    nested = _open_zip(data, depth + 1)
    members = _read_members(nested, depth + 1)
    types = members.get("[Content_Types].xml", b"")
    if b"macroEnabled" in types or b"vbaProject" in types:
        raise reject("macros", _macro_message())


def _inspect_office_zip(data: bytes) -> str:
    archive = _open_zip(data, 0)
    names = archive.namelist()
    if names and names[0] == "mimetype":
        content_type = _inspect_odt(archive)
    elif "[Content_Types].xml" in names:
        content_type = _inspect_ooxml(archive)
    else:
        raise reject("zip_not_document", _not_allowed_message())
    return content_type


def _inspect_ooxml(archive: zipfile.ZipFile) -> str:
    members = _read_members(archive, 0)
    root = parse_xml(members.get("[Content_Types].xml", b""), "[Content_Types].xml")
    types: dict[str, str] = {}
    for element in root:
        content_type = (element.get("ContentType") or "").strip()
        if "macroenabled" in content_type.lower() or "vbaproject" in content_type.lower():
            raise reject("macros", _macro_message())
        if element.tag == f"{_CT_NS}Override":
            types[(element.get("PartName") or "").lstrip("/")] = content_type
    if types.get("word/document.xml") == _DOCX_MAIN and "word/document.xml" in members:
        parse_xml(members["word/document.xml"], "word/document.xml")
        return DOCX
    if types.get("xl/workbook.xml") == _XLSX_MAIN and "xl/workbook.xml" in members:
        parse_xml(members["xl/workbook.xml"], "xl/workbook.xml")
        return XLSX
    if "word/document.xml" in members or "xl/workbook.xml" in members:
        raise reject(
            "ooxml_unexpected_type",
            _(
                "The document is not a plain DOCX or XLSX (it may be a template or a "
                "macro-enabled file); save it as a normal document and upload it again."
            ),
        )
    raise reject(
        "ooxml_incomplete", _("The file is damaged: required parts of the document are missing.")
    )


def _inspect_odt(archive: zipfile.ZipFile) -> str:
    first = archive.infolist()[0]
    if first.compress_type != zipfile.ZIP_STORED:
        raise reject("odt_mimetype", _("The ODT file is damaged: its type marker is compressed."))
    members = _read_members(archive, 0)
    mimetype = members.get("mimetype", b"")
    if mimetype != ODT.encode():
        raise reject(
            "odt_wrong_type",
            _("Only OpenDocument text documents (ODT) are allowed from the OpenDocument family."),
        )
    if "content.xml" not in members:
        raise reject(
            "odt_incomplete", _("The file is damaged: required parts of the document are missing.")
        )
    manifest = members.get("META-INF/manifest.xml")
    if manifest is not None:
        root = parse_xml(manifest, "META-INF/manifest.xml")
        if root.find(f".//{_MANIFEST_NS}encryption-data") is not None:
            raise reject(
                "encrypted",
                _("The document is encrypted or password-protected; upload it without a password."),
            )
    parse_xml(members["content.xml"], "content.xml")
    return ODT


# --- PDF ----------------------------------------------------------------------------------------

_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_FORBIDDEN = {
    b"JavaScript": "pdf_javascript",
    b"JS": "pdf_javascript",
    b"Launch": "pdf_launch",
    b"EmbeddedFile": "pdf_embedded_file",
    b"EmbeddedFiles": "pdf_embedded_file",
    b"RichMedia": "pdf_embedded_file",
    b"XFA": "pdf_javascript",
    b"Encrypt": "encrypted",
}
_PDF_STREAM_START = re.compile(rb"stream\r?\n")


def _pdf_names(data: bytes) -> set[bytes]:
    def decode(name: bytes) -> bytes:
        return _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name)

    return {decode(name) for name in _PDF_NAME.findall(data)}


def _inspect_pdf(data: bytes) -> None:
    tail = data[-2048:].rstrip(b"\r\n\t\f\x00 ")
    if not tail.endswith(b"%%EOF"):
        raise reject(
            "pdf_truncated",
            _("The PDF file is incomplete or has data after its end; it is refused."),
        )
    if b"obj" not in data or (b"trailer" not in data and b"/XRef" not in data):
        raise reject("pdf_broken", _("The PDF file is damaged (it has no objects)."))
    names = _pdf_names(data) | _pdf_names(_inflate_object_streams(data))
    for name, code in _PDF_FORBIDDEN.items():
        if name in names:
            raise reject(code, _pdf_message(code))
    if b"OpenAction" in names and (b"JavaScript" in names or b"JS" in names):
        raise reject("pdf_javascript", _pdf_message("pdf_javascript"))


def _pdf_message(code: str) -> str:
    messages = {
        "pdf_javascript": _("The PDF contains JavaScript or active content, which is not allowed."),
        "pdf_launch": _("The PDF contains an action that launches programs; it is refused."),
        "pdf_embedded_file": _("The PDF contains embedded files; upload them separately."),
        "encrypted": _("The PDF is encrypted or password-protected; upload it without a password."),
    }
    return messages[code]


def _inflate_object_streams(data: bytes) -> bytes:
    """Object streams (where objects may hide) decompressed, within a total budget."""
    out = bytearray()
    position = 0
    while True:
        marker = data.find(b"/ObjStm", position)
        if marker < 0:
            break
        match = _PDF_STREAM_START.search(data, marker, marker + 4096)
        position = marker + 7
        if match is None:
            continue
        header = data[max(0, marker - 2048) : match.start()]
        if b"/FlateDecode" not in header:
            continue
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            raise reject("pdf_broken", _("The PDF file is damaged (an unfinished stream)."))
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start:end], MAX_PDF_INFLATED - len(out) + 1)
        except zlib.error:
            continue
        out.extend(chunk)
        if len(out) > MAX_PDF_INFLATED:
            raise reject(
                "pdf_bomb",
                _("The PDF unpacks to far more data than it contains; it is refused."),
            )
        position = end
    return bytes(out)


# --- images -------------------------------------------------------------------------------------


def _image_too_large(width: int, height: int) -> bool:
    return (
        width <= 0
        or height <= 0
        or width > MAX_IMAGE_SIDE
        or height > MAX_IMAGE_SIDE
        or width * height > MAX_IMAGE_PIXELS
    )


def _inspect_png(data: bytes) -> None:
    broken = reject("png_broken", _("The PNG image is damaged or incomplete."))
    if len(data) < 8 + 25 + 12 or data[12:16] != b"IHDR":
        raise broken
    (length,) = struct.unpack(">I", data[8:12])
    if length != 13:
        raise broken
    ihdr = data[12:29]
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(ihdr) & 0xFFFFFFFF != crc:
        raise broken
    width, height, depth, colour = struct.unpack(">IIBB", ihdr[4:14])
    if depth not in (1, 2, 4, 8, 16) or colour not in (0, 2, 3, 4, 6):
        raise broken
    if _image_too_large(width, height):
        raise reject("image_dimensions", _("The image dimensions are out of range; it is refused."))
    if not data.endswith(b"\x00\x00\x00\x00IEND\xaeB`\x82"):
        raise reject("png_trailing", _("The PNG image is incomplete or has data after its end."))


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _inspect_jpeg(data: bytes) -> None:
    broken = reject("jpeg_broken", _("The JPEG image is damaged or incomplete."))
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise broken
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise broken
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            raise broken
        if marker in _SOF_MARKERS:
            if length < 8:
                raise broken
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            if _image_too_large(width, height):
                raise reject(
                    "image_dimensions", _("The image dimensions are out of range; it is refused.")
                )
            return
        if marker == 0xDA:  # image data before any frame header
            raise broken
        position += 2 + length
    raise broken
