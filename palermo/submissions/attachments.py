"""Turn an uploaded evidence file into a copy that is safe to share.

The people who upload evidence to Palermo Hub may be at risk from the organizations they
document. The file they upload often says more than its visible content: a photo carries the GPS
position where it was taken and the phone that took it, a Word document names its author, the
person who last edited it, their company and the folder on their computer, a PDF carries an XMP
packet and the name of the tool that made it. Files can also be hostile to the people who open the
shared copy: macros, PDF JavaScript, remote templates, HTML disguised as a PDF, ZIP bombs.

``sanitise_attachment`` is a pure function (no database, no file system) that:

* refuses anything over ``max_bytes`` before parsing a single byte of it;
* decides the type from the CONTENT (magic bytes and structure), never from the name or the
  browser's Content-Type; the name is never used at all, not even in a message, so a name like
  ``"invoice\\u202efdp.exe"`` or ``"../../etc/passwd"`` cannot reach storage, logs or HTML;
* accepts only seven kinds (``ALLOWED``) and refuses everything else, including SVG, HTML,
  executables, old binary Office formats and every archive that is not one of the three office
  formats;
* builds a NEW file from what it understood: images are re-encoded from their pixels, PDFs are
  rebuilt from their pages, office documents are rewritten entry by entry with their property
  parts replaced, CSV is re-serialised. Whatever the parser did not understand (trailing bytes,
  a second file glued on, unreferenced PDF objects, old incremental revisions) is not copied;
* reports what it found and what it removed, in words a person can be shown, so the uploader can
  be told what their file carried.

The original bytes are not modified: the caller keeps them privately as evidence (chain of
custody), with ``original_sha256`` recorded at receipt. Only ``clean`` is for others.

Polyglots (decision): a file is REFUSED when HTML or script markup appears in its first 1024
bytes, the window in which browsers and old content sniffers look for it. A real PDF, PNG, JPEG,
ZIP-based document or CSV never has it there, so refusing costs nothing and is easy to explain.
Markup further inside is neutralised rather than refused: the rebuilt copy contains only what the
parser understood (pixels, PDF objects, ZIP entries), and it is always served as an attachment
with ``nosniff`` (ASVS 5.2.2, 3.2.1). The same check runs on the clean copy as a last net.

The function raises ``django.core.exceptions.ValidationError`` with a translated message and a
stable ``code`` for every refusal, and never lets a parser's own exception escape: a hostile file
must give a form error, not a server error.

Known limits (see also the module's tests): parsing is in-process, so a parser bug that loops
(pypdf has had such advisories) is only bounded by the caller running this in a worker with a time
limit; visible content (names typed in the body text, a face in a photo, a legacy Excel comment's
body) is not metadata and is left alone; PDF bookmarks, document-level form definitions and page
labels are not carried over into the rebuilt PDF.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as _noop
from PIL import Image, ImageOps

# Reused so that an image found on its own and an image inside a document are described to the
# person in exactly the same words as an uploaded logo.
from palermo.common.images import _exif_details, _found_metadata

if TYPE_CHECKING:  # pypdf costs ~0.5 s to import: only PDF uploads pay it, at first use
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject

# The parsers log what they read. pypdf's warnings about a malformed file quote its bytes
# ("Invalid Elementary Object ... /Author (Jane Doe)"), and Pillow's TIFF/EXIF reader logs every
# EXIF tag's value, GPS included, at DEBUG. Evidence and the very metadata being removed must not
# reach the server logs, whatever LOG_LEVEL says. Set on the parent loggers so every child
# ("pypdf._reader", "PIL.TiffImagePlugin") inherits it. This belongs in settings.LOGGING too; it
# is repeated here so the guarantee travels with the code that needs it.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)
logging.getLogger("PIL").setLevel(logging.WARNING)

ALLOWED: Final = frozenset({"pdf", "docx", "odt", "xlsx", "csv", "jpeg", "png"})

_EXTENSIONS: Final = {
    "pdf": "pdf",
    "docx": "docx",
    "odt": "odt",
    "xlsx": "xlsx",
    "csv": "csv",
    "jpeg": "jpg",
    "png": "png",
}
_CONTENT_TYPES: Final = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


@dataclass(frozen=True)
class Sanitised:
    """An accepted upload: the facts about the original and the copy others may download."""

    kind: str  # one of ALLOWED, decided from the content, never the name
    original_sha256: str  # of the bytes as uploaded (the caller keeps those privately)
    clean: bytes  # the copy others download
    clean_sha256: str
    # What the upload carried, and the part of it that is not in ``clean``, in words a person
    # understands. English, marked with gettext_noop: stable enough to store, translated when
    # shown (``gettext(label)``), like the labels of palermo.common.images.
    found_metadata: list[str]
    removed_metadata: list[str]
    safe_filename: str  # "evidence-<8 hex>.<ext>", generated, never the user's name
    content_type: str


# --------------------------------------------------------------------------------------------
# Errors. Messages never quote the file's name or anything from inside the file: both are
# attacker-controlled (bidi overrides, markup, paths) and the message ends up in HTML and logs.
# --------------------------------------------------------------------------------------------


def _error(code: str, **params: object) -> ValidationError:
    return ValidationError(_MESSAGES[code], code=code, params=params or None)


_MESSAGES: Final = {
    "file_too_large": _("The file is too large: the limit is %(limit)s MB."),
    "empty_file": _("The file is empty."),
    "unsupported_type": _(
        "This type of file is not accepted. Please upload a PDF, a Word (.docx), OpenDocument "
        "text (.odt) or Excel (.xlsx) document, a CSV table, or a JPEG or PNG image."
    ),
    "legacy_office": _(
        "This looks like an old-format (.doc, .xls) or password-protected Office file. Please "
        "save it as .docx or .xlsx without a password and upload it again."
    ),
    "invalid_csv": _(
        "This text file could not be read as a CSV table: it must be UTF-8 text whose columns "
        "are separated consistently by commas, semicolons, tabs or vertical bars."
    ),
    "polyglot": _(
        "This file contains web-page code (HTML or script) hidden inside it, so it cannot be "
        "accepted."
    ),
    "zip_bomb": _(
        "This document would expand to far more data than it contains, so it cannot be "
        "accepted safely."
    ),
    "too_many_entries": _(
        "This document contains too many internal parts (the limit is %(limit)s)."
    ),
    "unsafe_archive_path": _(
        "This document contains unsafe internal file names (absolute paths, '..', control "
        "characters or duplicates), so it cannot be accepted."
    ),
    "nested_archive": _(
        "This document contains another archive or an embedded object (for example an embedded "
        "spreadsheet) that cannot be checked. Please remove it, or upload that file separately."
    ),
    "encrypted": _(
        "This file is encrypted or password-protected, so its hidden information cannot be "
        "removed. Please remove the password and upload it again."
    ),
    "macros": _(
        "This document contains macros or other executable content, which are not accepted. "
        "Please save it as a regular document without macros and upload it again."
    ),
    "too_many_pixels": _("The image has too many pixels: the limit is %(limit)s megapixels."),
    "damaged": _("The file could not be read: it seems damaged or incomplete."),
}


@dataclass(frozen=True)
class _Limits:
    max_pixels: int
    max_zip_entries: int
    max_unzipped_bytes: int
    max_compression_ratio: int


@dataclass
class _Findings:
    """What the upload carried (``found``) and what of it the clean copy no longer has."""

    found: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def kept(self, label: str) -> None:
        """Found, reported, but left in place (comments: they may be the evidence itself)."""
        if label not in self.found:
            self.found.append(label)

    def dropped(self, label: str) -> None:
        self.kept(label)
        if label not in self.removed:
            self.removed.append(label)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def sanitise_attachment(
    data: bytes,
    *,
    original_name: str = "",
    max_bytes: int = 20_000_000,
    max_pixels: int = 50_000_000,
    max_zip_entries: int = 2000,
    max_unzipped_bytes: int = 200_000_000,
    max_compression_ratio: int = 200,
) -> Sanitised:
    """Validate an uploaded evidence file and return a metadata-free copy of it.

    ``original_name`` is accepted so that call sites can pass what they have, and is deliberately
    ignored: the type comes from the content, and the stored name is generated.
    """
    del original_name  # never trusted, never echoed
    # Checked before anything looks inside: parsing cost must be bounded by the cap.
    if len(data) > max_bytes:
        raise _error("file_too_large", limit=f"{max_bytes / 1_000_000:g}")
    if not data:
        raise _error("empty_file")
    limits = _Limits(max_pixels, max_zip_entries, max_unzipped_bytes, max_compression_ratio)
    # catch_warnings restores the filters on exit. While it runs it is process-wide, which is why
    # the explicit pixel checks, not Pillow's warning, are the real protection (as in images.py).
    with warnings.catch_warnings():
        # Pillow and pypdf warn about every oddity of a malformed file; hostile uploads should
        # not be able to fill the logs, and the metadata concerned is being discarded anyway.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            kind, clean, findings = _sanitise(data, limits)
            _refuse_active_markup(clean)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _error("too_many_pixels", limit=f"{max_pixels / 1_000_000:g}") from None
        # The parsers (Pillow, pypdf, zipfile, zlib, expat, csv) raise a wide, version-dependent
        # range of exceptions on malformed input, RecursionError and MemoryError included. For an
        # upload they all mean the same thing, and none may become a server error.
        except Exception:
            raise _error("damaged") from None
    clean_sha256 = hashlib.sha256(clean).hexdigest()
    return Sanitised(
        kind=kind,
        original_sha256=hashlib.sha256(data).hexdigest(),
        clean=clean,
        clean_sha256=clean_sha256,
        found_metadata=findings.found,
        removed_metadata=findings.removed,
        # Derived from the clean copy: stable for the same content, says nothing of the uploader.
        safe_filename=f"evidence-{clean_sha256[:8]}.{_EXTENSIONS[kind]}",
        content_type=_CONTENT_TYPES[kind],
    )


_PDF_MAGIC: Final = b"%PDF-"
_ZIP_MAGIC: Final = b"PK\x03\x04"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
# OLE compound file: .doc/.xls/.ppt, and also every password-protected .docx/.xlsx.
_CFB_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sanitise(data: bytes, limits: _Limits) -> tuple[str, bytes, _Findings]:
    # The magic must be at offset 0. PDF readers tolerate junk before "%PDF-" and ZIP readers
    # tolerate data before the first entry; requiring offset 0 is what refuses "HTML, then PDF".
    if data.startswith(_CFB_MAGIC):
        raise _error("legacy_office")
    findings = _Findings()
    if not data.startswith((_PDF_MAGIC, _ZIP_MAGIC, _JPEG_MAGIC, _PNG_MAGIC)):
        # Text, or nothing we accept. Plain HTML or SVG is refused there as a wrong type.
        return "csv", _sanitise_csv(data, findings), findings
    # A binary format with web-page markup where sniffers look for it: a polyglot.
    _refuse_active_markup(data)
    if data.startswith(_PDF_MAGIC):
        return "pdf", _sanitise_pdf(data, findings), findings
    if data.startswith(_ZIP_MAGIC):
        kind, clean = _sanitise_zip_document(data, limits, findings)
        return kind, clean, findings
    if data.startswith(_JPEG_MAGIC):
        return "jpeg", _clean_image(data, "jpeg", limits.max_pixels, True, findings), findings
    return "png", _clean_image(data, "png", limits.max_pixels, True, findings), findings


# Tags a browser or an old content sniffer would take as a web page. Every tag name contains a
# letter that is not a hex digit, so a PDF hex string such as "<ab12 ef>" cannot match.
_ACTIVE_MARKUP: Final = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|frameset|svg|object|embed|meta|style"
    rb"|title|img|link|form|base)[\s/>]",
    re.IGNORECASE,
)
_SNIFF_WINDOW: Final = 1024


def _refuse_active_markup(data: bytes) -> None:
    if _ACTIVE_MARKUP.search(data[:_SNIFF_WINDOW]):
        raise _error("polyglot")


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------

_PILLOW_FORMATS: Final = {
    # A JPEG with a multi-picture index (what many phones write) is opened as "MPO".
    "jpeg": (("JPEG",), frozenset({"JPEG", "MPO"})),
    "png": (("PNG",), frozenset({"PNG"})),
    # Accepted only as pictures inside documents, where they are rewritten in the same format.
    "tiff": (("TIFF",), frozenset({"TIFF"})),
    "webp": (("WEBP",), frozenset({"WEBP"})),
}


def _clean_image(
    data: bytes,
    kind: str,
    max_pixels: int,
    apply_orientation: bool,
    findings: _Findings,
    where: str = "",
) -> bytes:
    """Re-encode a picture from its pixels, at full resolution, in the same format.

    JPEG and PNG (TIFF and WebP too, inside documents). Unlike ``clean_logo`` nothing is
    downsized: evidence must keep its detail. Only pixels survive: EXIF (GPS, camera, serial
    numbers, owner, the un-cropped thumbnail), XMP, IPTC, ICC profile, comments, PNG text
    chunks, extra MPO pictures, APNG frames, trailing data.
    """
    openable, accepted = _PILLOW_FORMATS[kind]
    with Image.open(io.BytesIO(data), formats=openable) as image:
        if image.format not in accepted:
            raise _error("unsupported_type")
        width, height = image.size
        if width <= 0 or height <= 0:
            raise _error("damaged")
        # Image.open has parsed only the header: this refuses a pixel flood before decoding it.
        if width * height > max_pixels:
            raise _error("too_many_pixels", limit=f"{max_pixels / 1_000_000:g}")
        extra_frames = getattr(image, "n_frames", 1) > 1
        image.load()
        for label in _found_metadata(image):
            findings.dropped(label + where)
        if extra_frames:
            findings.dropped(_noop("additional pictures or animation frames") + where)
        # A photo's "which way is up" lives in EXIF, which is about to go: bake it into the
        # pixels so the shared copy looks like the original. Pictures inside documents are left
        # as stored, because the document's layout already fixes their on-page box.
        upright = (ImageOps.exif_transpose(image) or image) if apply_orientation else image
        pixels = _evidence_pixels(upright, kind)
    # A new image built from the raw buffer has an empty ``info``: no encoder can carry
    # anything over from the upload, whatever Pillow's defaults become.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "jpeg":
        # High quality: this is evidence, and a second lossy pass must not blur text or faces.
        fresh.save(out, "JPEG", quality=92)
    elif kind == "webp":
        fresh.save(out, "WEBP", quality=92)
    elif kind == "tiff":
        fresh.save(out, "TIFF", compression="tiff_lzw")
    else:
        fresh.save(out, "PNG", compress_level=6)
    return out.getvalue()


_PNG_KEPT_MODES: Final = frozenset({"1", "L", "LA", "RGB", "RGBA", "I;16"})


def _evidence_pixels(image: Image.Image, kind: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if kind == "jpeg":
        # CMYK and YCbCr are converted: without the ICC profile and Adobe marker that are being
        # dropped, a CMYK JPEG would look inverted in some viewers.
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if kind == "webp":
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in _PNG_KEPT_MODES and "transparency" not in image.info:
        # 16-bit greyscale stays 16-bit: scientific or scanner images must not lose precision.
        return image
    if image.mode in ("I", "F"):
        return image.convert("I;16") if not has_alpha else image.convert("RGBA")
    return image.convert("RGBA" if has_alpha else "RGB")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------

_SNIFF_SAMPLE: Final = 4096  # csv.Sniffer's regexes are quadratic on quotes: keep its sample small
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# A bare number such as "-12.5" or "+3" cannot run anything and is left as it is, so tables of
# amounts and coordinates are not defaced.
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def _sanitise_csv(data: bytes, findings: _Findings) -> bytes:
    if b"\x00" in data:
        # NUL bytes: a binary file (executables start with "MZ\x90\x00"), not a table.
        raise _error("unsupported_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error("unsupported_type") from None
    head = text.lstrip()[:16].lower()
    # Markup (HTML, SVG, XML), PDF and RTF are other formats wearing a text coat.
    if head.startswith(("<", "%pdf", "{\\rtf")) or not head:
        raise _error("unsupported_type")
    # A table whose first cells hold a page of HTML is a polyglot all the same.
    _refuse_active_markup(data)
    sample = text[:_SNIFF_SAMPLE]
    if len(text) > _SNIFF_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise _error("invalid_csv") from None
    neutralised = False
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        cleaned = []
        for cell in row:
            # A spreadsheet opening the file would run "=HYPERLINK(...)" or "+cmd|..." (DDE):
            # the leading apostrophe makes it text, as OWASP's CSV-injection guidance says.
            if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
                cell = "'" + cell
                neutralised = True
            cleaned.append(cell)
        writer.writerow(cleaned)
    if neutralised:
        findings.dropped(_noop("formulas neutralised"))
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------
# ZIP-based documents: DOCX, XLSX, ODT
# --------------------------------------------------------------------------------------------

_ODT_MIMETYPE: Final = b"application/vnd.oasis.opendocument.text"
# Above this size a single entry must also respect the compression ratio; below it, small XML
# parts that compress very well (a few KB of repeated tags) are normal and harmless.
_RATIO_FLOOR: Final = 1_000_000
_CHUNK: Final = 1 << 16
_EMBEDDED_PIXELS_FACTOR: Final = 10  # all pictures in a document together: 10x one image's cap

_ARCHIVE_EXTENSIONS: Final = (
    ".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".iso",
    ".docx", ".docm", ".dotx", ".dotm", ".xlsx", ".xlsm", ".xlsb", ".pptx", ".pptm",
    ".odt", ".ods", ".odp", ".odg", ".doc", ".xls", ".ppt",
)  # fmt: skip
_ARCHIVE_MAGICS: Final = (
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!",
    b"\xfd7zXZ\x00", b"BZh", b"MSCF", _CFB_MAGIC,
)  # fmt: skip
_DTD: Final = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


def _sanitise_zip_document(data: bytes, limits: _Limits, findings: _Findings) -> tuple[str, bytes]:
    _refuse_too_many_declared_entries(data, limits.max_zip_entries)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        _check_archive_shape(archive, infos, limits)
        kind = _classify_zip(archive, infos)
        _refuse_active_content(kind, archive, infos, limits)
        if archive.comment:
            findings.dropped(_noop("archive comment"))
        return kind, _rewrite_zip(kind, archive, infos, limits, findings)


def _refuse_too_many_declared_entries(data: bytes, max_entries: int) -> None:
    # zipfile parses the whole central directory before we can count it; a 20 MB upload could
    # declare ~400,000 entries. The end-of-central-directory record says how many there are.
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd < 0 or eocd + 22 > len(data):
        return  # zipfile will refuse it as not a ZIP file
    (total,) = struct.unpack_from("<H", data, eocd + 10)
    if total > max_entries and total != 0xFFFF:  # 0xFFFF means "see the ZIP64 record"
        raise _error("too_many_entries", limit=max_entries)


def _check_archive_shape(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: _Limits
) -> None:
    if len(infos) > limits.max_zip_entries:
        raise _error("too_many_entries", limit=limits.max_zip_entries)
    if not infos:
        raise _error("damaged")
    seen: set[str] = set()
    for info in infos:
        _check_entry_name(info)
        key = info.filename.casefold()  # OPC part names are case-insensitive
        if key in seen:
            # Two entries with one name: different readers pick different ones, a classic way to
            # show the checker one file and the recipient another.
            raise _error("unsafe_archive_path")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _error("encrypted")
    # Sizes as declared: cheap, and refuses most bombs before a single byte is inflated. The
    # streaming read in _read_entry enforces the same limits on the bytes actually produced.
    declared = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    if declared > limits.max_unzipped_bytes:
        raise _error("zip_bomb")
    if declared > _RATIO_FLOOR and declared > max(compressed, 1) * limits.max_compression_ratio:
        raise _error("zip_bomb")
    for info in infos:
        if (
            info.file_size > _RATIO_FLOOR
            and info.file_size > max(info.compress_size, 1) * limits.max_compression_ratio
        ):
            raise _error("zip_bomb")
    # Overlapping entries (Fifield's "better zip bomb") reuse one compressed kernel many times.
    ordered = sorted(infos, key=lambda info: info.header_offset)
    bounds = [info.header_offset for info in ordered[1:]] + [archive.start_dir]
    for info, next_offset in zip(ordered, bounds, strict=True):
        if info.header_offset + 30 + info.compress_size > next_offset:
            raise _error("zip_bomb")


def _check_entry_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename  # before zipfile cut it at a NUL byte
    parts = name.split("/")
    if (
        not name
        or any(ord(char) < 0x20 or char == "\x7f" for char in name)
        or name.startswith("/")
        or "\\" in name  # never used by OOXML or ODF; a Windows path separator in disguise
        or re.match(r"[A-Za-z]:", name)
        or ".." in parts
        or len(name) > 512
    ):
        raise _error("unsafe_archive_path")


def _classify_zip(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    names = {info.filename for info in infos}
    if infos[0].filename == "mimetype":
        # ODF puts an uncompressed "mimetype" entry first so that its type is readable at a fixed
        # offset; anything but an OpenDocument *text* (spreadsheets, presentations) is refused.
        if infos[0].file_size > 200 or archive.read(infos[0]).strip() != _ODT_MIMETYPE:
            raise _error("unsupported_type")
        if "content.xml" not in names or "META-INF/manifest.xml" not in names:
            raise _error("damaged")
        return "odt"
    if "[Content_Types].xml" in names:
        is_word = "word/document.xml" in names
        is_excel = "xl/workbook.xml" in names
        if is_word != is_excel:  # both at once is ambiguous, a polyglot of its own kind
            return "docx" if is_word else "xlsx"
    raise _error("unsupported_type")


_MACRO_PARTS: Final = re.compile(
    r"(?:^|/)(?:vbaproject\.bin|vbadata\.xml|vbaprojectsignature\.bin)$"
    r"|^(?:word|xl)/activex/|^xl/macrosheets/|^xl/dialogsheets/"
    r"|^basic/|^scripts/",
    re.IGNORECASE,
)


def _refuse_active_content(
    kind: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: _Limits
) -> None:
    # Macros and ActiveX run code on the recipient's computer and cannot be cleaned without
    # breaking the document: a .docm renamed .docx is refused, not silently "fixed".
    if any(_MACRO_PARTS.search(info.filename) for info in infos):
        raise _error("macros")
    budget = _Budget(limits.max_unzipped_bytes)
    if kind in ("docx", "xlsx"):
        types = _read_entry(archive, archive.getinfo("[Content_Types].xml"), limits, budget)
        lowered = types.lower()
        if b"macroenabled" in lowered or b"vbaproject" in lowered:
            raise _error("macros")
    else:
        manifest = _read_entry(archive, archive.getinfo("META-INF/manifest.xml"), limits, budget)
        # A password-protected ODT keeps its parts encrypted: nothing inside can be cleaned.
        if b"encryption-data" in manifest:
            raise _error("encrypted")


class _Budget:
    """Uncompressed bytes actually produced so far, against the cap for the whole archive."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise _error("zip_bomb")


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: _Limits, budget: _Budget
) -> bytes:
    # Streamed in chunks with hard caps, because the declared sizes in the headers are written
    # by whoever made the file: the bytes actually inflated are what count.
    chunks: list[bytes] = []
    produced = 0
    ratio_cap = max(info.compress_size, 1) * limits.max_compression_ratio
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            produced += len(chunk)
            budget.spend(len(chunk))
            if produced > info.file_size or (produced > _RATIO_FLOOR and produced > ratio_cap):
                raise _error("zip_bomb")
            chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class _DocumentState:
    kind: str
    limits: _Limits
    findings: _Findings
    authors: _Pseudonyms
    initials: _Pseudonyms
    pixels_left: int


class _Pseudonyms:
    """Replace each distinct name by "<prefix> 1", "<prefix> 2", ... consistently in a document.

    Who-said-what in a comment thread survives; who they are does not.
    """

    def __init__(self, prefix: str, separator: str = " ") -> None:
        self._prefix = prefix
        self._separator = separator
        self._names: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if not name.strip():
            return name
        if name not in self._names:
            self._names[name] = f"{self._prefix}{self._separator}{len(self._names) + 1}"
        return self._names[name]


# Fixed timestamp for every rewritten entry: the originals' times say when, and in which time
# zone, the author worked on the file.
_ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


def _rewrite_zip(
    kind: str,
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    limits: _Limits,
    findings: _Findings,
) -> bytes:
    state = _DocumentState(
        kind=kind,
        limits=limits,
        findings=findings,
        authors=_Pseudonyms("Author"),
        initials=_Pseudonyms("A", ""),
        pixels_left=limits.max_pixels * _EMBEDDED_PIXELS_FACTOR,
    )
    budget = _Budget(limits.max_unzipped_bytes)
    if any(info.date_time != _ZIP_EPOCH for info in infos):
        findings.dropped(_noop("file timestamps inside the document"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as rewritten:
        for info in infos:
            if info.is_dir():
                continue  # neither format needs directory entries; their parts carry paths
            content = _read_entry(archive, info, limits, budget)
            content = _clean_entry(info.filename, content, state)
            # A fresh ZipInfo: no extra fields (Unix owner ids, NTFS times), no comment, no
            # "made on" system, no original timestamps.
            fresh = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            # ODF requires "mimetype" first and STORED; infolist order is preserved.
            stored = kind == "odt" and info.filename == "mimetype"
            fresh.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            fresh.external_attr = 0o644 << 16
            rewritten.writestr(fresh, content)
    clean = out.getvalue()
    # The rewritten archive must open again, with the same parts, before anyone downloads it.
    with zipfile.ZipFile(io.BytesIO(clean)) as check:
        if [i.filename for i in check.infolist()] != [i.filename for i in infos if not i.is_dir()]:
            raise _error("damaged")
    return clean


def _clean_entry(name: str, content: bytes, state: _DocumentState) -> bytes:
    lowered = name.lower()
    if _MACRO_PARTS.search(name):
        raise _error("macros")
    if lowered.endswith(_ARCHIVE_EXTENSIONS) or content.startswith(_ARCHIVE_MAGICS):
        # An embedded workbook or OLE object is a whole document with its own author fields that
        # this function cannot see into; it is refused rather than passed on uncleaned.
        raise _error("nested_archive")
    picture = _picture_kind(content)
    if picture is not None:
        return _clean_embedded_picture(content, picture, state)
    if not (lowered.endswith((".xml", ".rels", ".rdf")) or lowered == "mimetype"):
        return content  # fonts, EMF/WMF drawings, GIFs: copied as they are
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 XML is allowed by OOXML but never written by Office or LibreOffice; our byte
        # patterns would not see names in it, so it is refused rather than passed on.
        raise _error("damaged")
    if _DTD.search(content):
        # OPC forbids DTDs, ODF producers never write them, and they are how XML parsers in
        # the recipients' office suites get attacked (XXE, entity expansion).
        raise _error("damaged")
    cleaner = _XML_CLEANERS.get((state.kind, name)) or _pattern_cleaner(state.kind, name)
    if cleaner is None:
        return content
    cleaned = cleaner(content, state)
    if cleaned != content:
        ElementTree.fromstring(cleaned)  # our edits must leave well-formed XML behind
    return cleaned


def _picture_kind(content: bytes) -> str | None:
    if content.startswith(_JPEG_MAGIC):
        return "jpeg"
    if content.startswith(_PNG_MAGIC):
        return "png"
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "webp"
    return None


def _clean_embedded_picture(content: bytes, kind: str, state: _DocumentState) -> bytes:
    # Photos pasted into a report keep their EXIF, GPS included: a classic leak.
    clean = _clean_image(
        content,
        kind,
        state.limits.max_pixels,
        False,
        state.findings,
        where=" (" + _noop("in an embedded picture") + ")",
    )
    with Image.open(io.BytesIO(clean)) as image:
        state.pixels_left -= image.width * image.height
    if state.pixels_left < 0:
        raise _error(
            "too_many_pixels", limit=f"{state.limits.max_pixels * _EMBEDDED_PIXELS_FACTOR / 1e6:g}"
        )
    return clean


# ---- property parts -------------------------------------------------------------------------

_CORE_LABELS: Final = {
    "creator": _noop("author"),
    "lastModifiedBy": _noop("last modified by"),
    "title": _noop("document title"),
    "subject": _noop("subject"),
    "description": _noop("description"),
    "keywords": _noop("keywords"),
    "category": _noop("category"),
    "contentStatus": _noop("status"),
    "created": _noop("creation and modification dates"),
    "modified": _noop("creation and modification dates"),
    "lastPrinted": _noop("last printed date"),
    "revision": _noop("revision number"),
    "identifier": _noop("identifier"),
    "version": _noop("version"),
}
_APP_LABELS: Final = {
    "Company": _noop("company"),
    "Manager": _noop("manager"),
    "Application": _noop("creation tool"),
    "AppVersion": _noop("creation tool"),
    "Template": _noop("template name"),
    "TotalTime": _noop("total editing time"),
    "HyperlinkBase": _noop("hyperlink base"),
}
_ODF_META_LABELS: Final = {
    "initial-creator": _noop("author"),
    "creator": _noop("last modified by"),
    "printed-by": _noop("printed by"),
    "generator": _noop("creation tool"),
    "title": _noop("document title"),
    "subject": _noop("subject"),
    "keyword": _noop("keywords"),
    "description": _noop("description"),
    "creation-date": _noop("creation and modification dates"),
    "date": _noop("creation and modification dates"),
    "print-date": _noop("last printed date"),
    "editing-cycles": _noop("revision number"),
    "editing-duration": _noop("total editing time"),
    "user-defined": _noop("custom properties"),
    "template": _noop("template location"),
}

_MINIMAL_CORE: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_MINIMAL_APP: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>'
)
_MINIMAL_CUSTOM: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>'
)
_MINIMAL_CUSTOM_XML_ITEM: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<empty/>'
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _report_properties(
    content: bytes, labels: dict[str, str], state: _DocumentState, *, depth: int = 1
) -> None:
    root = ElementTree.fromstring(content)
    elements = list(root) if depth == 1 else [el for child in root for el in child]
    found_any = False
    for element in elements:
        has_value = bool((element.text or "").strip()) or len(element) or element.attrib
        if not has_value:
            continue
        found_any = True
        label = labels.get(_local(element.tag))
        if label is not None:
            state.findings.dropped(label)
    if found_any:
        state.findings.dropped(_noop("document properties"))


def _replace_core(content: bytes, state: _DocumentState) -> bytes:
    _report_properties(content, _CORE_LABELS, state)
    return _MINIMAL_CORE


def _replace_app(content: bytes, state: _DocumentState) -> bytes:
    # Only the labelled fields are worth telling the person about; page and word counts, sheet
    # names and the like are dropped too but are not "about" anyone.
    root = ElementTree.fromstring(content)
    for element in root:
        label = _APP_LABELS.get(_local(element.tag))
        if label is not None and (element.text or "").strip():
            state.findings.dropped(label)
    return _MINIMAL_APP


def _replace_custom(content: bytes, state: _DocumentState) -> bytes:
    if len(ElementTree.fromstring(content)):
        state.findings.dropped(_noop("custom properties"))
    return _MINIMAL_CUSTOM


def _replace_custom_xml_item(content: bytes, state: _DocumentState) -> bytes:
    # customXml items hold SharePoint columns, cover-page fields (company address, e-mail,
    # phone) and bibliography sources. The body keeps its own cached copy of anything shown.
    root = ElementTree.fromstring(content)
    if len(root) or (root.text or "").strip():
        state.findings.dropped(_noop("custom XML data"))
    return _MINIMAL_CUSTOM_XML_ITEM


def _replace_odf_meta(content: bytes, state: _DocumentState) -> bytes:
    _report_properties(content, _ODF_META_LABELS, state, depth=2)
    version = re.search(rb'office:version="(\d\.\d)"', content)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="'
        + (version.group(1) if version else b"1.2")
        + b'"><office:meta/></office:document-meta>'
    )


# ---- names inside the body: comments, tracked changes, people, paths ------------------------

_Cleaner = Callable[[bytes, "_DocumentState"], bytes]

_AUTHOR_ATTR: Final = re.compile(
    rb"""(\s[A-Za-z_][\w.-]*:(author|initials)\s*=\s*)(?:"([^"]*)"|'([^']*)')"""
)
_PRESENCE_INFO: Final = re.compile(rb"<w15:presenceInfo\b[^>]*?(?:/>|>\s*</w15:presenceInfo>)")
_XLSX_AUTHOR: Final = re.compile(rb"(<author>)([^<]*)(</author>)")
_XLSX_PERSON: Final = re.compile(rb"<person\b[^>]*>")
_XLSX_ABS_PATH: Final = re.compile(rb"<([\w.-]+:)absPath\b[^>]*?(?:/>|>\s*</\1absPath>)")
_XLSX_SHARING_USER: Final = re.compile(
    rb"""(<(?:[\w.-]+:)?fileSharing\b[^>]*?)\s+userName\s*=\s*(?:"[^"]*"|'[^']*')"""
)
_ODF_CREATOR: Final = re.compile(
    rb"(<(dc:creator|meta:creator-initials|loext:sender-initials)>)([^<]*)(</\2>)"
)
_ODF_PRINTER: Final = re.compile(
    rb'(<config:config-item\b[^>]*\bconfig:name="(?:PrinterName|PrinterSetup)"[^>]*>)'
    rb"([^<]*)(</config:config-item>)"
)
_RELATIONSHIP: Final = re.compile(rb"<Relationship\b[^>]*>")
_XML_ATTR: Final = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LOCAL_TARGET: Final = re.compile(r"^(?:file:|\\\\|//|[A-Za-z]:[\\/]|/)", re.IGNORECASE)


def _xml_text(raw: bytes) -> str:
    # Pseudonyms are keyed by the name as a person wrote it, whatever its XML escaping.
    return (
        raw.decode("utf-8", "replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _note_author_names(state: _DocumentState) -> None:
    state.findings.dropped(_noop("names of comment and revision authors"))


def _clean_word_part(content: bytes, state: _DocumentState, name: str) -> bytes:
    if re.search(r"^word/comments\w*\.xml$", name) and b"<w:comment " in content:
        state.findings.kept(_noop("comments"))
    if name == "word/document.xml" and re.search(rb"<w:(?:ins|del|moveFrom|moveTo)\b", content):
        state.findings.kept(_noop("tracked changes"))

    def pseudonym(match: re.Match[bytes]) -> bytes:
        value = match.group(3) if match.group(3) is not None else match.group(4)
        if not value.strip():
            return match.group(0)
        _note_author_names(state)
        table = state.authors if match.group(2) == b"author" else state.initials
        return match.group(1) + b'"' + table(_xml_text(value)).encode() + b'"'

    content = _AUTHOR_ATTR.sub(pseudonym, content)
    if name == "word/people.xml" and _PRESENCE_INFO.search(content):
        # The presence record holds the account: an e-mail address or directory user id.
        state.findings.dropped(_noop("user accounts of comment authors"))
        content = _PRESENCE_INFO.sub(b"", content)
    return content


def _clean_excel_comments(content: bytes, state: _DocumentState) -> bytes:
    if b"<comment " in content:
        state.findings.kept(_noop("comments"))
    originals: list[bytes] = []

    def pseudonym(match: re.Match[bytes]) -> bytes:
        if not match.group(2).strip():
            return match.group(0)
        _note_author_names(state)
        originals.append(match.group(2))
        return match.group(1) + state.authors(_xml_text(match.group(2))).encode() + match.group(3)

    content = _XLSX_AUTHOR.sub(pseudonym, content)
    # Excel also starts each legacy comment's text with "Name:" in a bold run.
    for original in originals:
        replacement = state.authors(_xml_text(original)).encode()
        content = content.replace(b">" + original + b":<", b">" + replacement + b":<")
    return content


def _clean_excel_persons(content: bytes, state: _DocumentState) -> bytes:
    def person(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        attrs = {m.group(1): (m.group(2) or m.group(3) or b"") for m in _XML_ATTR.finditer(tag)}
        name = _xml_text(attrs.get(b"displayName", b""))
        if not name.strip():
            return tag
        _note_author_names(state)
        alias = state.authors(name).encode()
        for attr, value in ((b"displayName", alias), (b"userId", alias), (b"providerId", b"None")):
            tag = re.sub(
                rb"(\s" + attr + rb"\s*=\s*)(?:\"[^\"]*\"|'[^']*')", rb'\1"' + value + b'"', tag
            )
        return tag

    return _XLSX_PERSON.sub(person, content)


def _clean_workbook(content: bytes, state: _DocumentState) -> bytes:
    if _XLSX_ABS_PATH.search(content):
        # Excel records the folder the workbook was saved in: "C:\Users\<name>\...".
        state.findings.dropped(_noop("file location on the author's computer"))
        content = _XLSX_ABS_PATH.sub(b"", content)
    if _XLSX_SHARING_USER.search(content):
        state.findings.dropped(_noop("user name"))
        content = _XLSX_SHARING_USER.sub(rb"\1", content)
    return content


def _clean_relationships(content: bytes, state: _DocumentState) -> bytes:
    def relationship(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        attrs = {m.group(1): (m.group(2) or m.group(3) or b"") for m in _XML_ATTR.finditer(tag)}
        if attrs.get(b"TargetMode") != b"External":
            return tag
        target = _xml_text(attrs.get(b"Target", b""))
        is_template = attrs.get(b"Type", b"").endswith(b"/attachedTemplate")
        if _LOCAL_TARGET.match(target):
            # A template or linked file on the author's disk names their account; a UNC path
            # (\\host\share) would also make the recipient's computer contact that host.
            state.findings.dropped(_noop("file paths from the author's computer"))
        elif is_template:
            # A remote template is fetched when the document opens: a known way to deliver
            # macros to the recipient after the file has passed every check.
            state.findings.dropped(_noop("remote template reference"))
        else:
            return tag  # an ordinary web link in the text: content, kept
        basename = re.split(r"[\\/]", unquote(target))[-1]
        safe = re.sub(r"[^A-Za-z0-9._-]", "", basename)[:100].lstrip(".") or "template"
        return re.sub(
            rb"""(\sTarget\s*=\s*)(?:"[^"]*"|'[^']*')""",
            lambda m: m.group(1) + b'"' + safe.encode() + b'"',
            tag,
        )

    return _RELATIONSHIP.sub(relationship, content)


def _clean_odf_body(content: bytes, state: _DocumentState) -> bytes:
    if b"<office:annotation" in content:
        state.findings.kept(_noop("comments"))
    if b"<text:changed-region" in content:
        state.findings.kept(_noop("tracked changes"))

    def creator(match: re.Match[bytes]) -> bytes:
        if not match.group(3).strip():
            return match.group(0)
        _note_author_names(state)
        table = state.authors if match.group(2) == b"dc:creator" else state.initials
        return match.group(1) + table(_xml_text(match.group(3))).encode() + match.group(4)

    return _ODF_CREATOR.sub(creator, content)


def _clean_odf_settings(content: bytes, state: _DocumentState) -> bytes:
    def printer(match: re.Match[bytes]) -> bytes:
        if not match.group(2).strip():
            return match.group(0)
        state.findings.dropped(_noop("printer name and settings"))
        return match.group(1) + match.group(3)

    return _ODF_PRINTER.sub(printer, content)


_XML_CLEANERS: Final[dict[tuple[str, str], _Cleaner]] = {
    ("docx", "docProps/core.xml"): _replace_core,
    ("docx", "docProps/app.xml"): _replace_app,
    ("docx", "docProps/custom.xml"): _replace_custom,
    ("xlsx", "docProps/core.xml"): _replace_core,
    ("xlsx", "docProps/app.xml"): _replace_app,
    ("xlsx", "docProps/custom.xml"): _replace_custom,
    ("xlsx", "xl/workbook.xml"): _clean_workbook,
    ("odt", "meta.xml"): _replace_odf_meta,
    ("odt", "content.xml"): _clean_odf_body,
    ("odt", "styles.xml"): _clean_odf_body,
    ("odt", "settings.xml"): _clean_odf_settings,
}


def _pattern_cleaner(kind: str, name: str) -> _Cleaner | None:
    if kind in ("docx", "xlsx"):
        if name.endswith(".rels"):
            return _clean_relationships
        if re.fullmatch(r"customXml/item\d+\.xml", name):
            return _replace_custom_xml_item
    if kind == "docx" and name.startswith("word/") and name.endswith(".xml"):
        return lambda content, state: _clean_word_part(content, state, name)
    if kind == "xlsx":
        if re.fullmatch(r"xl/comments\w*\.xml", name):
            return _clean_excel_comments
        if name.startswith("xl/persons/") and name.endswith(".xml"):
            return _clean_excel_persons
        if name.startswith("xl/threadedComments/"):
            return _note_comments_only
    return None


def _note_comments_only(content: bytes, state: _DocumentState) -> bytes:
    if b"<threadedComment " in content:
        state.findings.kept(_noop("comments"))
    return content


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

# Action types that run code, start programs, send data or open other files. A link's action
# that is one of these is removed; a plain web link or a jump inside the document is kept.
_DANGEROUS_ACTIONS: Final = frozenset(
    {
        "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
        "/RichMediaExecute", "/Rendition", "/Sound", "/Movie",
    }
)  # fmt: skip
_DANGEROUS_URI: Final = re.compile(r"^(?:javascript|vbscript|data|file):", re.IGNORECASE)
# Annotations that carry a file, a sound, a film or a 3D model, each with its own metadata.
_EMBEDDING_ANNOTATIONS: Final = frozenset(
    {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
)
_MARKUP_ANNOTATIONS: Final = frozenset(
    {
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
        "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
        "/Redact",
    }
)  # fmt: skip
_INFO_LABELS: Final = {
    "/Author": _noop("author"),
    "/Creator": _noop("creation tool"),
    "/Producer": _noop("creation tool"),
    "/Title": _noop("document title"),
    "/Subject": _noop("subject"),
    "/Keywords": _noop("keywords"),
    "/CreationDate": _noop("creation and modification dates"),
    "/ModDate": _noop("creation and modification dates"),
}
# Keys removed from every dictionary reachable from the pages: per-object XMP (images and
# fonts have their own), automatic actions, application-private data, stale page thumbnails.
_PDF_DROPPED_KEYS: Final = {
    "/Metadata": _noop("XMP"),
    "/AA": _noop("automatic actions (JavaScript triggers)"),
    "/PieceInfo": _noop("application private data"),
    "/LastModified": _noop("creation and modification dates"),
    "/Thumb": _noop("page thumbnails"),
}
_MAX_PDF_OBJECTS: Final = 2_000_000
_PDF_PAGE_KEYS: Final = frozenset(
    {
        "/Type", "/Parent", "/Resources", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox",
        "/ArtBox", "/BoxColorInfo", "/Contents", "/Rotate", "/Group", "/Annots", "/UserUnit",
        "/Tabs",
    }
)  # fmt: skip
_PDF_INFO_KEYS: Final = frozenset({"/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate"})


def _sanitise_pdf(data: bytes, findings: _Findings) -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # Even an "open without password" PDF is refused: its strings and streams are
        # ciphertext to us, so nothing in it could be checked or cleaned.
        raise _error("encrypted")
    if not reader.pages:
        raise _error("damaged")
    _report_pdf_document(reader, findings)
    writer = PdfWriter()
    # Pages only: the catalog (document JavaScript, OpenAction, embedded files, XMP, forms with
    # their scripts) and the trailer (/Info) of the upload are never copied. The new writer's
    # own /Info (it names pypdf) goes too.
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None
    _clean_pdf_pages(writer, findings)
    # What was unhooked above (a removed annotation, an XMP stream) would still be written as an
    # unreferenced object: drop every object the pages no longer reach.
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    clean = out.getvalue()
    check = PdfReader(io.BytesIO(clean), strict=False)
    if len(check.pages) != len(reader.pages):
        raise _error("damaged")
    return clean


def _resolve(obj: object) -> object:
    get_object = getattr(obj, "get_object", None)
    return get_object() if callable(get_object) else obj


def _report_pdf_document(reader: PdfReader, findings: _Findings) -> None:
    from pypdf.generic import DictionaryObject

    info = _resolve(reader.trailer.get("/Info"))
    if isinstance(info, DictionaryObject) and len(info):
        findings.dropped(_noop("PDF info dictionary"))
        for key in info:
            label = _INFO_LABELS.get(str(key), _noop("custom properties"))
            findings.dropped(label)
    catalog = _resolve(reader.trailer.get("/Root"))
    if not isinstance(catalog, DictionaryObject):
        raise _error("damaged")
    if "/Metadata" in catalog:
        findings.dropped(_noop("XMP"))
    names = _resolve(catalog.get("/Names"))
    if isinstance(names, DictionaryObject):
        if "/JavaScript" in names:
            findings.dropped(_noop("JavaScript"))
        if "/EmbeddedFiles" in names:
            findings.dropped(_noop("embedded files"))
    open_action = _resolve(catalog.get("/OpenAction"))
    if isinstance(open_action, DictionaryObject) and _is_dangerous_action(open_action):
        findings.dropped(_noop("JavaScript"))
    if "/AA" in catalog:
        findings.dropped(_noop("automatic actions (JavaScript triggers)"))
    acroform = _resolve(catalog.get("/AcroForm"))
    if isinstance(acroform, DictionaryObject) and "/XFA" in acroform:
        findings.dropped(_noop("XFA form scripts"))
    if "/PieceInfo" in catalog:
        findings.dropped(_noop("application private data"))


def _is_dangerous_action(action: object, depth: int = 0) -> bool:
    from pypdf.generic import ArrayObject, DictionaryObject

    action = _resolve(action)
    if depth > 32:
        return True  # an action chain this long exists only to hide something
    if isinstance(action, ArrayObject):
        return any(_is_dangerous_action(item, depth + 1) for item in action)
    if not isinstance(action, DictionaryObject):
        return False
    kind = str(action.get("/S", ""))
    if kind in _DANGEROUS_ACTIONS or "/JS" in action:
        return True
    if kind == "/URI":
        uri = str(_resolve(action.get("/URI", "")))
        # Browsers ignore leading spaces and control characters in a URL: so must we.
        if _DANGEROUS_URI.match(re.sub(r"[\x00-\x20]", "", uri)):
            return True
    return "/Next" in action and _is_dangerous_action(action["/Next"], depth + 1)


def _clean_pdf_pages(writer: PdfWriter, findings: _Findings) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    containers = (IndirectObject, ArrayObject, DictionaryObject)
    for page in writer.pages:
        # Allow-list of page keys: what draws the page, and its annotations. Anything else (and
        # whatever only it referenced) is dropped with the unreferenced objects afterwards.
        for key in [key for key in page if key not in _PDF_PAGE_KEYS]:
            label = _PDF_DROPPED_KEYS.get(key)
            if label is not None:
                findings.dropped(label)
            del page[key]
    # Iterative walk (no recursion limit to hit) over EVERYTHING the copied pages still reach,
    # since all of it will be written: the visited set, not a list of keys, stops the loops.
    stack: list[object] = list(writer.pages)
    seen: set[int] = set()
    while stack:
        obj = _resolve(stack.pop())
        if not isinstance(obj, (DictionaryObject, ArrayObject)) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > _MAX_PDF_OBJECTS:
            raise _error("damaged")
        if isinstance(obj, ArrayObject):
            stack.extend(item for item in obj if isinstance(item, containers))
            continue
        _clean_pdf_dictionary(obj, findings)
        annots = _resolve(obj.get("/Annots"))
        if isinstance(annots, ArrayObject):
            kept = ArrayObject(a for a in annots if _keep_annotation(a, findings))
            if kept:
                obj[NameObject("/Annots")] = kept
            else:
                del obj["/Annots"]
        stack.extend(value for value in obj.values() if isinstance(value, containers))


def _clean_pdf_dictionary(obj: DictionaryObject, findings: _Findings) -> None:
    from pypdf.generic import StreamObject

    for key, label in _PDF_DROPPED_KEYS.items():
        if key in obj:
            del obj[key]
            findings.dropped(label)
    for key in ("/A", "/Next", "/OpenAction"):
        if key in obj and _is_dangerous_action(obj[key]):
            del obj[key]
            findings.dropped(_noop("links that run scripts or start programs"))
    if "/JS" in obj:
        # A script reachable some other way (a copied name tree, a widget): keep the husk,
        # lose the code.
        del obj["/JS"]
        findings.dropped(_noop("JavaScript"))
    if "/EF" in obj:  # a file specification that carries the file itself
        del obj["/EF"]
        findings.dropped(_noop("embedded files"))
    if isinstance(obj, StreamObject) and str(obj.get("/Type", "")) == "/EmbeddedFile":
        for key in ("/Filter", "/DecodeParms", "/Params"):
            obj.pop(key, None)
        StreamObject.set_data(obj, b"")
        findings.dropped(_noop("embedded files"))
    # A copy of an information dictionary reached from a page (no /Type, no action, no subtype)
    # would carry the author as surely as the trailer's.
    if not ({"/Type", "/S", "/Subtype"} & set(obj)) and _PDF_INFO_KEYS & set(obj):
        findings.dropped(_noop("PDF info dictionary"))
        for key in _PDF_INFO_KEYS | {"/Title", "/Subject", "/Keywords"}:
            obj.pop(key, None)
    if str(obj.get("/Subtype", "")) == "/Image":
        _strip_pdf_jpeg(obj, findings)


def _keep_annotation(annotation: object, findings: _Findings) -> bool:
    from pypdf.generic import DictionaryObject

    annotation = _resolve(annotation)
    if not isinstance(annotation, DictionaryObject):
        return False
    subtype = str(annotation.get("/Subtype", ""))
    if subtype in _EMBEDDING_ANNOTATIONS:
        findings.dropped(_noop("embedded files"))
        return False
    if subtype == "/Link" and "/A" in annotation and _is_dangerous_action(annotation["/A"]):
        findings.dropped(_noop("links that run scripts or start programs"))
        return False
    if subtype in _MARKUP_ANNOTATIONS:
        if "/Contents" in annotation or "/RC" in annotation:
            findings.kept(_noop("comments"))
        # In a markup annotation /T is the name of the person who wrote the comment.
        if "/T" in annotation:
            del annotation["/T"]
            findings.dropped(_noop("names of comment and revision authors"))
    return True


def _strip_pdf_jpeg(image: object, findings: _Findings) -> None:
    from pypdf.generic import ArrayObject, StreamObject

    if not isinstance(image, StreamObject):
        return
    filters = _resolve(image.get("/Filter"))
    if isinstance(filters, ArrayObject):
        filters = filters[0] if len(filters) == 1 else None
    if str(filters) != "/DCTDecode":
        return
    # The stream's bytes as stored (still JPEG): pypdf has no public getter for encoded data,
    # and get_data() may try to decode it.
    raw = image._data
    stripped = _strip_jpeg_segments(raw, findings)
    if stripped is not raw:
        # The image data is copied, not re-encoded: the picture is bit-for-bit what it was.
        StreamObject.set_data(image, stripped)


# APPn markers a decoder needs: APP0 "JFIF" (without a thumbnail) and APP14 "Adobe" (colour
# transform). Everything else before the image data is metadata.
_JPEG_APP_LABELS: Final = (
    (0xE1, b"Exif\x00", _noop("EXIF")),
    (0xE1, b"http://ns.adobe.com/xap/", _noop("XMP")),
    (0xE2, b"ICC_PROFILE", _noop("ICC profile")),
    (0xE2, b"MPF", _noop("additional pictures or animation frames")),
    (0xED, b"Photoshop", _noop("IPTC/Photoshop data")),
)


def _strip_jpeg_segments(data: bytes, findings: _Findings) -> bytes:
    """Remove metadata segments from a JPEG without touching its compressed pixels.

    Returns ``data`` itself (the same object) when it cannot be parsed or has nothing to remove.
    """
    where = " (" + _noop("in an embedded picture") + ")"
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(b"\xff\xd8")
    labels: list[str] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return data
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers
            out += data[pos : pos + 2]
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        segment = data[pos : pos + 2 + length]
        if length < 2 or len(segment) < 2 + length:
            return data
        payload = segment[4:]
        if marker == 0xDA:  # start of scan: the rest is image data, up to the end marker
            end = data.find(b"\xff\xd9", pos)
            if end < 0:
                return data
            # Anything after the end marker (a second picture, a ZIP) is not part of the image.
            if end + 2 < len(data):
                labels.append(_noop("data hidden after the picture"))
            out += data[pos : end + 2]
            break
        keep_app0 = marker == 0xE0 and payload.startswith(b"JFIF\x00") and length == 16
        keep_adobe = marker == 0xEE and payload.startswith(b"Adobe")
        if (0xE0 <= marker <= 0xEF or marker == 0xFE) and not (keep_app0 or keep_adobe):
            labels.append(_jpeg_segment_label(marker, payload))
            if marker == 0xE1 and payload.startswith(b"Exif\x00"):
                labels.extend(_exif_labels(payload))
        else:
            out += segment
        pos += 2 + length
    else:
        return data
    if not labels:
        return data
    for label in labels:
        findings.dropped(label + where)
    return bytes(out)


def _jpeg_segment_label(marker: int, payload: bytes) -> str:
    if marker == 0xFE:
        return _noop("comment")
    for app, prefix, label in _JPEG_APP_LABELS:
        if marker == app and payload.startswith(prefix):
            return label
    return _noop("other embedded metadata")


def _exif_labels(tiff: bytes) -> list[str]:
    exif = Image.Exif()
    try:
        exif.load(tiff)
    except Exception:
        return []
    return [label for label, present in _exif_details(exif) if present]


__all__ = ["ALLOWED", "Sanitised", "sanitise_attachment"]
