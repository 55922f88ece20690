"""Reports in a real browser: from a State's page to its country brief and its files; a
coordinator publishes a global report edition, and a reader finds it."""

import io
import os

import pytest
from docx import Document
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from palermo.organizations.enums import MemberRole
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from tests.e2e.test_coordinator_journey import coordinator, sign_in  # noqa: F401 - fixture
from tests.organizations.helpers import make_organization, make_user
from tests.submissions.helpers import make_submission

pytestmark = pytest.mark.e2e
SHOTS = "docs/screenshots"


def screenshot(page: Page, name: str) -> None:
    """Rewrite docs/screenshots/ only when asked (SAVE_SCREENSHOTS=1), as the other journeys."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        page.screenshot(path=f"{SHOTS}/{name}", full_page=False)


@pytest.fixture
def published(reference_data, django_user_model):
    author = make_user(django_user_model, "author@example.org", display_name="Ada Author")
    named = make_organization(
        "Lagos Rights Forum", slug="lagos-rights", members={author: MemberRole.EDITOR}, logo=False
    )
    shielded = make_organization(
        "Hidden Kq9-Marker", slug="hidden-kq9", members={author: MemberRole.EDITOR}, logo=False
    )
    return [
        make_submission(
            named,
            author,
            status=SubmissionStatus.PUBLISHED,
            title="Witness protection gaps",
            cluster=None,
        ),
        make_submission(
            shielded,
            author,
            status=SubmissionStatus.PUBLISHED,
            title="Asset recovery in practice",
            tier=IdentityTier.PSEUDONYMOUS,
            cluster=None,
        ),
    ]


def test_a_reader_goes_from_a_state_to_its_brief_and_downloads_it(page: Page, site_url, published):
    page.goto(f"{site_url}/states/NGA/")
    page.get_by_role("link", name="Country brief: civil-society input on this State").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Country brief: Nigeria, review phase"
    )
    expect(page.locator("main")).to_contain_text(published[0].reference)
    expect(page.locator("main")).not_to_contain_text("Hidden Kq9-Marker")
    screenshot(page, "report-country-brief.png")

    with page.expect_download() as pdf_download:
        page.locator(".downloads").get_by_role("link", name="PDF").click()
    pdf = PdfReader(pdf_download.value.path())
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert published[0].reference in text and published[1].reference in text
    assert "Hidden Kq9-Marker" not in text
    assert pdf_download.value.suggested_filename.startswith("palermo-hub-brief-NGA-")

    with page.expect_download() as docx_download:
        page.locator(".downloads").get_by_role("link", name="DOCX").click()
    with open(docx_download.value.path(), "rb") as f:
        document = Document(io.BytesIO(f.read()))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Country brief: Nigeria, review phase" in paragraphs
    assert published[0].reference in paragraphs and "Hidden Kq9-Marker" not in paragraphs


def test_a_coordinator_publishes_a_global_report_that_a_reader_finds(
    page: Page,
    browser,
    site_url,
    published,
    coordinator,  # noqa: F811
):
    sign_in(page, site_url)
    page.goto(f"{site_url}/reports/")
    form = page.locator(
        "section", has=page.get_by_role("heading", name="Publish a report (coordinators)")
    )
    form.get_by_label("Report").select_option("global")
    form.get_by_role("button", name="Publish a snapshot").click()
    # Built by the task (run at once in tests): the page shows the published edition.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Global civil-society report on the review of the Convention"
    )
    expect(page.locator("main")).to_contain_text("Edition 1")

    reader = browser.new_context().new_page()
    reader.goto(f"{site_url}/reports/")
    reader.get_by_role(
        "link", name="Global civil-society report on the review of the Convention"
    ).first.click()
    expect(reader.locator("main")).to_contain_text("This snapshot never changes")
    expect(reader.locator("svg.chart")).to_have_count(4)
    expect(reader.locator("#map-NGA")).to_have_count(1)
    screenshot(reader, "report-global-edition.png")
    with reader.expect_download() as pdf_download:
        reader.locator(".downloads").get_by_role("link", name="PDF").click()
    pdf = PdfReader(pdf_download.value.path())
    assert len(pdf.pages) >= 2
    assert "Hidden Kq9-Marker" not in "\n".join(p.extract_text() for p in pdf.pages)
