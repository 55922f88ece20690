"""PDFs (palermo/common/pdf.py, common/pdf_base.html, static/css/print.css): every UN script
renders with our vendored fonts and only with them, the table of contents and the footer carry
page numbers, and nothing but our own CSS and fonts is ever read while rendering."""

import hashlib
import io
import logging
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import polib
import pypdf
import pypdfium2
import pytest
from django.conf import settings
from django.test import override_settings
from fontTools.ttLib import TTFont

from palermo.common import pdf

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).parent / "pdf_templates"
FONTS = ROOT / "static" / "vendor"
SCREENSHOT = ROOT / "docs" / "screenshots" / "pdf-scripts-sample.png"

ENGLISH = "The United Nations Convention against Transnational Organized Crime."
RUSSIAN = "Конвенция Организации Объединённых Наций против транснациональной преступности"
ARABIC = "اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية"
CHINESE = "联合国打击跨国有组织犯罪公约"
SAMPLE = {
    "title": "Sample report",
    "note": "Generated for a test",
    "english": ENGLISH,
    "russian": RUSSIAN + ".",
    "arabic": ARABIC + ".",
    "chinese": CHINESE + "。",
    "rows": range(1, 61),  # two pages of rows after the forced break: pages 2 and 3
}
OUR_FONT = re.compile(r"/[A-Z]{6}\+Palermo-(Sans|Arabic|Chinese|Mono)(-Bold|-Italic)?")


def render_sample():
    engine = settings.TEMPLATES[0]
    with override_settings(TEMPLATES=[{**engine, "DIRS": [*engine["DIRS"], TEMPLATES]}]):
        return pdf.render_pdf("pdf_sample.html", SAMPLE, language="en")


class Rendered:
    def __init__(self, content: bytes, log: list[str]):
        self.content = content
        self.log = log
        self.reader = pypdf.PdfReader(io.BytesIO(content))
        self.texts = [page.extract_text() for page in self.reader.pages]


@pytest.fixture(scope="module")
def sample():
    """The sample rendered once for the module, with what WeasyPrint logged meanwhile."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        content = render_sample()
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    return Rendered(content, records)


# --- What a pdf holds --------------------------------------------------------------------


def fonts_of(reader):
    """{resource name: font dictionary} over all pages."""
    fonts = {}
    for page in reader.pages:
        for name, font in (page["/Resources"].get("/Font") or {}).items():
            fonts[(page.page_number, name)] = font.get_object()
    return fonts


def glyphs_shown(reader, base_font: re.Pattern) -> set[int]:
    """Glyph ids that the pages draw with a font whose name matches. WeasyPrint writes text as
    `/F 1 Tf` then `[<hex glyph ids>…] TJ` with two bytes a glyph (Identity-H)."""
    shown = set()
    for page in reader.pages:
        names = {
            name: font.get_object()["/BaseFont"]
            for name, font in (page["/Resources"].get("/Font") or {}).items()
        }
        current = None
        data = page.get_contents().get_data()
        for match in re.finditer(rb"(/\S+)\s+[-\d.]+\s+Tf|\[([^\]]*)\]\s*TJ", data):
            if match[1]:
                current = names.get(match[1].decode())
            elif current and base_font.fullmatch(current):
                for hexa in re.findall(rb"<([0-9a-fA-F]*)>", match[2]):
                    shown.update(int(hexa[i : i + 4], 16) for i in range(0, len(hexa), 4))
    return shown


def assert_no_missing_glyphs(reader):
    """WeasyPrint maps a character that no font has to .notdef (a box, "tofu") through a CMap
    of its own (/WP-Encod-0) instead of /Identity-H: no font may need one."""
    for (page, _name), font in fonts_of(reader).items():
        assert font["/Encoding"] == "/Identity-H", (page, font["/BaseFont"])


# --- The document ------------------------------------------------------------------------


def test_sample_has_the_expected_pages_footer_and_running_header(sample):
    assert len(sample.reader.pages) == 3
    for number, text in enumerate(sample.texts, start=1):
        assert f"Page {number} of 3" in text
    assert sample.texts[0].count("Sample report") == 1  # the title, and no header on page 1
    # Pages 2 and 3: the document's title and the current chapter above the text.
    assert "Sample report Annex" in sample.texts[1]
    assert "Sample report Annex" in sample.texts[2]


def test_table_of_contents_gives_each_heading_its_page(sample):
    first = sample.texts[0]
    entries = dict(re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)$", first, re.MULTILINE))
    assert entries == {
        "English": "1",
        "A sub-section": "1",
        "Русский": "1",
        "العربية": "1",
        "中文": "1",
        "Annex": "2",
    }
    # And the entries link to the headings (PDF link annotations to named destinations).
    annotations = [a.get_object() for a in sample.reader.pages[0].get("/Annots", [])]
    assert {str(a["/Dest"]) for a in annotations if a["/Subtype"] == "/Link"} == {
        "english",
        "english-detail",
        "russian",
        "arabic",
        "chinese",
        "annex",
    }


def test_table_header_repeats_on_each_page_and_rows_stay_whole(sample):
    annex, continued = sample.texts[1], sample.texts[2]
    assert annex.startswith("Annex\nState Submissions\n")
    assert continued.startswith("State Submissions\n")
    assert annex.count("State Submissions") == continued.count("State Submissions") == 1
    rows = re.findall(r"^State (\d+) (\d+)$", annex + "\n" + continued, re.MULTILINE)
    assert [(int(a), int(b)) for a, b in rows] == [(n, n) for n in range(1, 61)]


def test_russian_chinese_and_arabic_text_can_be_extracted(sample):
    text = unicodedata.normalize("NFKC", sample.texts[0])
    flat = " ".join(text.split())
    assert ENGLISH in flat
    assert RUSSIAN in flat
    assert CHINESE in flat
    # Arabic: pypdf gives the letters in logical order within each word (the PDF's ToUnicode
    # maps each shaped glyph back to its letters), but a line's words may come out in visual
    # order (right to left) and NFKC folds any presentation forms back to plain letters. So
    # check each word, and that the words come in one order or the other.
    words = ARABIC.split()
    found = [flat.find(word) for word in words]
    assert all(position >= 0 for position in found), words
    assert found in (sorted(found), sorted(found, reverse=True))


def test_only_our_vendored_fonts_are_embedded(sample):
    names = {str(font["/BaseFont"]) for font in fonts_of(sample.reader).values()}
    assert names and all(OUR_FONT.fullmatch(name) for name in names), names
    families = {OUR_FONT.fullmatch(name)[1] for name in names}
    assert families == {"Sans", "Arabic", "Chinese", "Mono"}
    for font in fonts_of(sample.reader).values():
        (descendant,) = font["/DescendantFonts"]
        descriptor = descendant.get_object()["/FontDescriptor"].get_object()
        assert {"/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]  # embedded
    assert_no_missing_glyphs(sample.reader)
    assert not [line for line in sample.log if ".notdef" in line]


def test_arabic_is_shaped_not_drawn_letter_by_letter(sample):
    """Joining forms (initial, medial, final) are reached through the font's GSUB table, never
    through its character map: if some are drawn, HarfBuzz shaped the Arabic."""
    font = TTFont(FONTS / "noto-fonts-20201225" / "NotoNaskhArabic-Regular.ttf")
    isolated = {font.getGlyphID(name) for name in font.getBestCmap().values()}
    shown = glyphs_shown(sample.reader, re.compile(r"/[A-Z]{6}\+Palermo-Arabic"))
    assert shown - isolated, "no contextual Arabic forms drawn"
    assert 0 not in shown


def test_page_one_shows_ink_where_the_arabic_and_chinese_text_is(sample):
    document = pypdfium2.PdfDocument(sample.content)
    try:
        page = document[0]
        scale = 2
        image = page.render(scale=scale).to_pil().convert("L")
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            page.render(scale=1.5).to_pil().save(SCREENSHOT)
        text = page.get_textpage()
        boxes = {"arabic": [], "chinese": []}
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if char in ARABIC.replace(" ", ""):
                boxes["arabic"].append(text.get_charbox(index))
            elif char in CHINESE:
                boxes["chinese"].append(text.get_charbox(index))
        height = page.get_height()
        for script, script_boxes in boxes.items():
            # Ignore the table of contents: the body's line of the script is the lowest.
            bottom = min(box[1] for box in script_boxes)
            line = [box for box in script_boxes if box[1] - bottom < 5]
            assert len(line) >= 10, script
            left, right = min(b[0] for b in line), max(b[2] for b in line)
            low, top = min(b[1] for b in line), max(b[3] for b in line)
            region = image.crop(
                (left * scale, (height - top) * scale, right * scale, (height - low) * scale)
            )
            histogram = region.histogram()
            ink = sum(histogram[:128]) / sum(histogram)
            # Text is a mix of ink and paper: neither blank nor a solid block.
            assert 0.08 < ink < 0.7, (script, ink)
    finally:
        document.close()


# --- Nothing but our CSS and fonts is read ------------------------------------------------

_AUDITED: list[tuple[str, tuple]] | None = None


def _audit(event, args):
    if _AUDITED is not None and event in ("open", "socket.connect", "socket.getaddrinfo"):
        _AUDITED.append((event, args))


sys.addaudithook(_audit)


def test_rendering_fetches_no_url_and_reads_no_other_file(sample, caplog):
    global _AUDITED
    _AUDITED = []
    try:
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            content = render_sample()
    finally:
        events, _AUDITED = _AUDITED, None
    assert not [args for event, args in events if event.startswith("socket.")]
    read = {str(args[0]) for event, args in events if event == "open" and args[0]}
    assert "/etc/passwd" not in read
    static = str(ROOT / "static")
    assert {path for path in read if path.startswith(static)} == {
        str(ROOT / "static/css/print.css"),
        *(str(path) for path in FONTS.glob("noto-fonts-*/*.[ot]tf")),
    }
    refused = " ".join(caplog.messages)
    for url in ("http://example.org/x.png", "file:///etc/passwd", "http://example.org/evil.css"):
        assert url in refused
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 3  # still rendered


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://127.0.0.1/static/css/print.css",
        "ftp://example.org/x.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        f"file://otherhost{ROOT}/static/css/print.css",
        f"file://{ROOT}/static/css/../../pyproject.toml",
        f"file://{ROOT}/static/css/../vendor/world-atlas-2.0.2/LICENSE",
        f"file://{ROOT}/static/vendor/noto-fonts-20201225/OFL.txt",
        f"file://{ROOT}/static/css/missing.css",
        f"file://{ROOT}/palermo/common/pdf.py",
    ],
)
def test_local_path_refuses_everything_but_our_css_and_fonts(url):
    with pytest.raises(ValueError):
        pdf.local_path(url)


def test_local_path_serves_our_css_and_fonts():
    css = ROOT / "static/css/print.css"
    font = FONTS / "noto-fonts-cjk-20220127/NotoSansCJKsc-Regular.otf"
    assert pdf.local_path(css.as_uri()) == css
    assert pdf.local_path(font.as_uri()) == font
    assert pdf.local_path(f"file://localhost{css}?v=1#x") == css


def test_local_path_follows_symlinks_before_deciding(tmp_path, monkeypatch):
    (tmp_path / "css").mkdir()
    secret = tmp_path / "secret.css"
    secret.write_text("body {}")
    (tmp_path / "css" / "link.css").symlink_to(secret)
    monkeypatch.setattr(pdf, "STATIC_DIR", tmp_path)
    with pytest.raises(ValueError):
        pdf.local_path((tmp_path / "css" / "link.css").as_uri())


def test_pillow_flag_that_weasyprint_sets_is_put_back(sample):
    """WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process; our upload checks rely on
    Pillow refusing truncated images."""
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    render_sample()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_stylesheets_outside_our_css_are_refused_up_front():
    with pytest.raises(ValueError):
        pdf.render_pdf("pdf_sample.html", SAMPLE, stylesheets=("../pyproject.toml",))


# --- No system fonts needed ---------------------------------------------------------------

NO_SYSTEM_FONTS = """
import sys
import django
django.setup()
from django.conf import settings
settings.TEMPLATES[0]["DIRS"].append(sys.argv[1])
from palermo.common.pdf import render_pdf
from tests.common.test_pdf import SAMPLE
with open(sys.argv[2], "wb") as out:
    out.write(render_pdf("pdf_sample.html", SAMPLE, language="en"))
with open(sys.argv[3], "wb") as out:  # a hieroglyph: none of our fonts has it
    out.write(render_pdf("pdf_sample.html", {**SAMPLE, "english": "\\U00013000"}, language="en"))
"""


def test_rendering_needs_no_system_fonts(tmp_path):
    """In a process whose fontconfig knows no font at all, the sample renders the same: our
    fonts, every script, no .notdef. The hieroglyph shows that the check would see a gap."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig></fontconfig>\n"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "PYTHONPATH": str(ROOT),
    }
    covered, gap = tmp_path / "covered.pdf", tmp_path / "gap.pdf"
    result = subprocess.run(
        [sys.executable, "-c", NO_SYSTEM_FONTS, str(TEMPLATES), str(covered), str(gap)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No fonts configured in FontConfig" in result.stderr  # really no system font

    reader = pypdf.PdfReader(covered)
    assert len(reader.pages) == 3
    names = {str(font["/BaseFont"]) for font in fonts_of(reader).values()}
    assert all(OUR_FONT.fullmatch(name) for name in names), names
    assert_no_missing_glyphs(reader)
    flat = " ".join(reader.pages[0].extract_text().split())
    assert RUSSIAN in flat and CHINESE in flat

    with pytest.raises(AssertionError):
        assert_no_missing_glyphs(pypdf.PdfReader(gap))
    assert ".notdef glyph rendered" in result.stderr and "U+13000" in result.stderr


# --- The fonts themselves ------------------------------------------------------------------


def test_vendored_fonts_match_vendored_md_and_stay_small():
    """Every file of static/vendor/noto-fonts-*/ is listed in VENDORED.md with its SHA-256
    (scripts/vendor_fonts.py --check rebuilds them from Debian's packages)."""
    listed = dict(
        re.findall(
            r"^\| `(noto-fonts-[^`]+)` \| [\d,]+ \| `([0-9a-f]{64})` \|$",
            (FONTS / "VENDORED.md").read_text(),
            re.MULTILINE,
        )
    )
    files = sorted(FONTS.glob("noto-fonts-*/*"))
    assert sorted(listed) == [str(path.relative_to(FONTS)) for path in files]
    for path in files:
        assert (
            hashlib.sha256(path.read_bytes()).hexdigest() == listed[str(path.relative_to(FONTS))]
        ), path
    assert sum(path.stat().st_size for path in files) < 10_000_000


def test_every_translated_string_is_covered_by_our_fonts():
    """A translation that uses a character outside our subsets (e.g. a hanzi beyond GB 2312)
    would fall back to a system font, or to a box where there is none."""
    covered = set()
    for path in FONTS.glob("noto-fonts-*/*-Regular.[ot]tf"):
        covered |= set(TTFont(path).getBestCmap())
    missing = {}
    for catalog in sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(catalog)):
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            for char in "".join(texts):
                if ord(char) not in covered and unicodedata.category(char)[0] != "C":
                    missing.setdefault(catalog.parts[-3], set()).add(char)
    assert not missing
