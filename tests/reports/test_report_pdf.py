"""The country brief as a PDF: it opens, has its pages and contents, renders Arabic and
Chinese with our fonts, and one page is kept as an image in docs/ (SAVE_SCREENSHOTS=1)."""

import io
import os
from pathlib import Path

import pypdfium2
import pytest
from django.test import Client
from pypdf import PdfReader

from palermo.submissions.enums import SubmissionStatus
from tests.common.test_pdf import OUR_FONT, assert_no_missing_glyphs, fonts_of
from tests.submissions.helpers import make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "brief-pdf-ar-zh.png"
ARABIC_TITLE = "حماية الشهود في الممارسة العملية"
CHINESE_TITLE = "证人保护的实际情况"


@pytest.fixture
def brief_pdf(observatorio, org_editor):
    make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.PUBLISHED,
        title=ARABIC_TITLE,
        language="ar",
        cluster=None,
    )
    make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.PUBLISHED,
        title=CHINESE_TITLE,
        language="zh",
        cluster=None,
    )
    # Read in Arabic: the interface text, the page direction and the running header too.
    response = Client(HTTP_ACCEPT_LANGUAGE="ar").get("/states/NGA/brief.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_brief_pdf_opens_with_its_pages_and_scripts(brief_pdf):
    reader = PdfReader(io.BytesIO(brief_pdf))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert CHINESE_TITLE in text
    # Arabic comes out in visual order per line; every word is there.
    assert all(word[::-1] in text or word in text for word in ARABIC_TITLE.split())
    names = {str(font["/BaseFont"]) for font in fonts_of(reader).values()}
    assert names and all(OUR_FONT.fullmatch(name) for name in names), names
    assert any("Arabic" in n for n in names) and any("Chinese" in n for n in names)
    assert_no_missing_glyphs(reader)


def test_the_brief_pdf_page_shows_ink_for_its_text(brief_pdf):
    document = pypdfium2.PdfDocument(brief_pdf)
    try:
        page = document[0]
        image = page.render(scale=1.5).to_pil()
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            image.save(SCREENSHOT)
        histogram = image.convert("L").histogram()
        ink = sum(histogram[:128]) / sum(histogram)
        assert 0.005 < ink < 0.5, ink  # a page of text: not blank, not a solid block
    finally:
        document.close()
