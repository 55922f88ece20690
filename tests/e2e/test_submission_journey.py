"""A submission's whole life in the browser: drafted, approved by a second editor, co-signed,
sent with a signed receipt, published by a coordinator, and checked at /verify/.

Five people, five browser contexts, one live server. The fixtures only create the people,
their two organizations and the coordinator; every step of the journey is a click or a
form in Chromium. Approval is the step that sends a submission to the coordinators
(services.TRANSITIONS: internal review -> submitted), and it is what issues the receipt."""

import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, expect

from palermo.organizations.enums import MemberRole
from palermo.reference.models import State
from palermo.reviews.roles import ensure_coordinators_group
from palermo.submissions.enums import SubmissionStatus
from palermo.submissions.models import Submission
from tests.organizations.helpers import PASSWORD, make_organization, make_user

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A secret of its own: allauth remembers used codes in the cache, which is not flushed.
COORDINATOR_SECRET = "ONSWG4TFORZW63LFORUGS3THEBXW4ZJA"
STATE = "ITA"
TITLE = "Witness protection in mafia trials: the law and what happens in court"
RECOMMENDATION = "Fund the witness protection service so that protection starts before the trial."
SOURCE = "Annual report of the Central Protection Service"


def totp_code(secret: str) -> str:
    """The current code; near the end of a 30-second step, wait for the next one (the
    server accepts only the current step)."""
    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def watch(context: BrowserContext, problems: list[str]) -> None:
    """Record console errors and warnings, page errors and 4xx/5xx answers."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            problems.append(f"console {message.type}: {message.text} ({message.location})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
    context.on("response", on_response)


def sign_in(page: Page, site_url: str, email: str) -> None:
    """Through the header's "Sign in" link; the header holds other forms, so stay in <main>."""
    page.goto(site_url + "/")
    page.locator("nav.account-nav").get_by_role("link", name="Sign in").click()
    form = page.locator("main form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign In", exact=True).click()


def expect_signed_in(page: Page) -> None:
    expect(page.locator("nav.account-nav").get_by_role("button", name="Sign out")).to_be_visible()


def messages(page: Page):
    return page.locator("main .messages")


def png_with_metadata() -> bytes:
    """A small picture carrying hidden text chunks, as a phone or an editor might leave."""
    info = PngInfo()
    info.add_text("Author", "Field researcher 7")
    info.add_text("Comment", "Taken outside the courthouse")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "darkslategray").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.fixture
def cast(reference_data, django_user_model):
    cache.clear()  # rate limits and used TOTP codes from earlier tests
    people = {
        name: make_user(django_user_model, f"{name}@example.org", display_name=display)
        for name, display in [
            ("editor-a", "Anna Alfieri"),
            ("editor-b", "Bruno Bellini"),
            ("partner-editor", "Paula Pereira"),
            ("coordinator", "Cora Coordinator"),
        ]
    }
    lead = make_organization(
        "Lead org",
        slug="lead-org",
        members={people["editor-a"]: MemberRole.EDITOR, people["editor-b"]: MemberRole.EDITOR},
    )
    partner = make_organization(
        "Partner org", slug="partner-org", members={people["partner-editor"]: MemberRole.EDITOR}
    )
    # Working on the same State puts it in the lead's "who else works on this" panel.
    partner.countries.add(State.objects.get(code=STATE))
    coordinator = people["coordinator"]
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    coordinator.groups.add(ensure_coordinators_group())
    TOTP.activate(coordinator, COORDINATOR_SECRET)
    return {"lead": lead, "partner": partner, **people}


def test_a_submission_from_draft_to_a_verified_receipt(new_context, site_url, cast, tmp_path):
    problems: list[str] = []

    def browser() -> Page:
        context = new_context(accept_downloads=True)
        watch(context, problems)
        return context.new_page()

    state = State.objects.get(code=STATE)

    # 1. Editor A starts a submission from the State's page, drafts it and saves.
    anna = browser()
    sign_in(anna, site_url, "editor-a@example.org")
    expect_signed_in(anna)
    anna.goto(f"{site_url}/states/{STATE}/")
    anna.get_by_role("link", name="Start a submission on this State").click()
    expect(anna).to_have_url(re.compile(rf"/submissions/new/\?state={STATE}$"))
    expect(anna.get_by_role("heading", level=1)).to_have_text("Start a submission")
    expect(anna.locator("main p.lead")).to_contain_text("For Lead org.")
    form = anna.locator("main form[method=post]")
    expect(form.locator("select[name=state]")).to_have_value(str(state.pk))
    form.get_by_label("UNTOC", exact=True).check()
    form.locator("select[name=articles]").select_option(label=["UNTOC art. 24", "UNTOC art. 26"])
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=summary]").fill(
        "Witnesses in organized-crime trials wait months for protection."
    )
    form.locator("textarea[name=law]").fill(
        "Law 82/1991, as amended in 2018, provides protection for witnesses of justice."
    )
    form.locator("textarea[name=practice]").fill(
        "In 2024 we followed twelve trials in Palermo; in seven, protection began after "
        "the witness had testified."
    )
    expect(form.locator("input[name=tier][value=attributed]")).to_be_checked()
    form.locator("textarea[name='rec-0-text']").fill(RECOMMENDATION)
    form.locator("select[name='rec-0-addressee']").select_option("state")
    form.locator("select[name='rec-0-priority']").select_option("high")
    form.locator("select[name='rec-0-articles']").select_option(label="UNTOC art. 24")
    form.locator("input[name='src-0-title']").fill(SOURCE)
    form.locator("input[name='src-0-url']").fill("https://example.org/sco-annual-report-2024")
    form.locator("input[name='src-0-date']").fill("2025-03-31")
    form.locator("select[name='src-0-kind']").select_option("report")
    form.get_by_role("button", name="Save", exact=True).click()

    submission = Submission.objects.get(title=TITLE)
    detail_url = f"{site_url}/submissions/{submission.reference}/"
    expect(anna).to_have_url(detail_url)
    expect(messages(anna)).to_contain_text(f"Draft {submission.reference} saved (version 1).")
    status = anna.locator("section.what-now")
    expect(status).to_contain_text("Draft · version 1")
    expect(status).to_contain_text("Shown publicly as: Lead org")
    expect(anna.locator("main dl.facts")).to_contain_text("UNTOC art. 24, UNTOC art. 26")
    expect(anna.locator("main")).to_contain_text(RECOMMENDATION)
    assert submission.organization == cast["lead"] and submission.state == state

    # An evidence file: attached, its hidden text removed from the copy others download.
    picture = tmp_path / "courthouse.png"
    picture.write_bytes(png_with_metadata())
    files = anna.locator("section[aria-labelledby=files-heading]")
    files.locator("input[type=file]").set_input_files(picture)
    files.get_by_role("button", name="Attach", exact=True).click()
    expect(anna).to_have_url(detail_url)
    expect(messages(anna)).to_contain_text("Attached as")
    expect(messages(anna)).to_contain_text("removed from the copy others download")
    expect(files.locator("li")).to_have_count(1)
    expect(files.locator("li")).to_contain_text("PNG")
    expect(status).to_contain_text("Draft · version 2")

    # Invite Partner org from the "who else works on this" panel.
    cosigners = anna.locator("section[aria-labelledby=cosigners-heading]")
    suggestion = cosigners.locator("li").filter(has_text="Partner org")
    suggestion.get_by_role("button", name="Invite to co-sign").click()
    expect(messages(anna)).to_contain_text("Partner org is invited to co-sign.")
    expect(cosigners.locator("ul").first).to_contain_text("Partner org · Invited")
    save_screenshot(anna, "submission-journey-draft.png", full_page=True)

    # Ask the organization's other editors to approve it.
    status.get_by_role("button", name="Ask the organization's editors to approve").click()
    expect(messages(anna)).to_contain_text("Done: Ask the organization's editors to approve.")
    expect(status).to_contain_text("Internal review · version 2")

    # Four eyes: A is not offered the approval, and a forged request is refused.
    approve = status.get_by_role("button", name="Approve and submit to the coordinators")
    expect(approve).to_have_count(0)
    expect(status.get_by_role("button", name="Back to draft")).to_be_visible()
    token = anna.locator("main form.transition input[name=csrfmiddlewaretoken]").first
    forged = anna.request.post(
        f"{detail_url}steps/approve/",
        form={"csrfmiddlewaretoken": token.input_value(), "note": ""},
        headers={"Referer": detail_url},
        max_redirects=0,
    )
    assert forged.status == 403, forged.status
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.INTERNAL_REVIEW

    # 2. Editor B approves, which sends it to the coordinators with a signed receipt.
    bruno = browser()
    sign_in(bruno, site_url, "editor-b@example.org")
    expect_signed_in(bruno)
    bruno.locator("nav.account-nav").get_by_role("link", name="Submissions").click()
    expect(bruno.get_by_role("heading", level=1)).to_have_text("My organizations' submissions")
    row = bruno.locator("main table tbody tr").filter(has_text=submission.reference)
    expect(row).to_contain_text("Internal review")
    row.get_by_role("link", name=submission.reference).click()
    expect(bruno).to_have_url(detail_url)
    b_status = bruno.locator("section.what-now")
    b_status.get_by_role("button", name="Approve and submit to the coordinators").click()
    expect(messages(bruno)).to_contain_text("Done: Approve and submit to the coordinators.")
    expect(b_status).to_contain_text("Submitted to the coordinators · version 2")
    expect(bruno.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(b_status.get_by_role("link", name="Versions and changes")).to_be_visible()
    workflow = bruno.locator("section[aria-labelledby=history-heading] li")
    expect(workflow).to_have_count(2)
    expect(workflow.nth(0)).to_contain_text("Draft → Internal review · Anna Alfieri")
    expect(workflow.nth(1)).to_contain_text(
        "Internal review → Submitted to the coordinators · Bruno Bellini"
    )

    # 3. Partner org's editor finds the invitation and co-signs.
    paula = browser()
    sign_in(paula, site_url, "partner-editor@example.org")
    expect_signed_in(paula)
    paula.locator("nav.account-nav").get_by_role("link", name="Submissions").click()
    paula.locator("main").get_by_role("link", name="Invitations to co-sign").click()
    expect(paula).to_have_url(f"{site_url}/cosigning/")
    expect(paula.get_by_role("heading", level=1)).to_have_text("Invitations to co-sign")
    invitation = paula.locator("main table tbody tr").filter(has_text=TITLE)
    expect(invitation).to_contain_text("Lead org")
    expect(invitation).to_contain_text("Partner org")
    expect(invitation).to_contain_text("Invited")
    invitation.get_by_role("link", name=TITLE).click()
    expect(paula).to_have_url(detail_url)
    p_cosigners = paula.locator("section[aria-labelledby=cosigners-heading]")
    p_cosigners.get_by_role("button", name="Co-sign").click()
    expect(messages(paula)).to_contain_text("Recorded.")
    expect(p_cosigners.locator("ul").first).to_contain_text("Partner org · Co-signed")
    expect(p_cosigners.get_by_role("button", name="Withdraw our co-signature")).to_be_visible()
    # Every link the co-signer is offered opens (versions and the receipt files are the
    # lead's and the coordinators' records: not offered, rather than a dead link).
    expect(paula.get_by_role("link", name="Versions and changes")).to_have_count(0)
    hrefs = paula.locator("main a[href^='/']").evaluate_all("links => links.map(a => a.href)")
    assert any("/attachments/" in href for href in hrefs), hrefs
    for href in hrefs:
        assert paula.request.get(href, max_redirects=0).status == 200, href
    paula.goto(f"{site_url}/cosigning/")
    expect(paula.locator("main table tbody tr").filter(has_text=TITLE)).to_contain_text("Co-signed")

    # 4. The lead keeps the signed receipt, as JSON and as PDF.
    anna.reload()
    expect(status).to_contain_text("Submitted to the coordinators · version 2")
    expect(cosigners.locator("ul").first).to_contain_text("Partner org · Co-signed")
    receipts = anna.locator("section[aria-labelledby=receipts-heading]")
    expect(receipts.locator("li")).to_have_count(1)
    expect(receipts.locator("li")).to_contain_text("Version 2, signed")
    with anna.expect_download() as download_info:
        receipts.get_by_role("link", name="Download the signed receipt (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{submission.reference}-v2.json"
    receipt_path = tmp_path / download.suggested_filename
    download.save_as(receipt_path)
    receipt_text = receipt_path.read_text(encoding="utf-8")
    receipt = json.loads(receipt_text)
    assert receipt["receipt"]["submission"] == submission.reference
    assert receipt["receipt"]["version"] == 2
    assert [a["kind"] for a in receipt["receipt"]["attachments"]] == ["png"]
    assert re.fullmatch(r"[0-9a-f]{64}", receipt["receipt"]["content_sha256"])

    with anna.expect_download() as download_info:
        receipts.get_by_role("link", name="as PDF").click()
    pdf = download_info.value
    assert pdf.suggested_filename == f"receipt-{submission.reference}-v2.pdf"
    pdf_path = tmp_path / pdf.suggested_filename
    pdf.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")

    # 5. A coordinator (password and second factor) publishes it from the queue.
    cora = browser()
    sign_in(cora, site_url, "coordinator@example.org")
    expect(cora.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    second_factor = cora.locator("main form[action^='/accounts/2fa/authenticate/']").first
    second_factor.locator("input[name=code]").fill(totp_code(COORDINATOR_SECRET))
    second_factor.get_by_role("button", name="Sign In").click()
    expect_signed_in(cora)
    cora.locator("nav.account-nav").get_by_role("link", name="Moderation").click()
    expect(cora).to_have_url(f"{site_url}/coordination/submissions/")
    expect(cora.get_by_role("heading", level=1)).to_have_text("Submissions to moderate")
    queued = cora.locator("main table tbody tr").filter(has_text=submission.reference)
    expect(queued).to_contain_text(TITLE)
    expect(queued).to_contain_text("Italy")
    expect(queued).to_contain_text("Lead org")
    save_screenshot(cora, "submission-journey-moderation.png")
    queued.get_by_role("link", name=submission.reference).click()
    expect(cora).to_have_url(detail_url)
    c_status = cora.locator("section.what-now")
    expect(c_status.get_by_role("button", name="Return with comments")).to_be_visible()
    c_status.get_by_role("button", name="Publish", exact=True).click()
    expect(messages(cora)).to_contain_text("Done: Publish.")
    expect(c_status).to_contain_text("Published · version 2")
    cora.locator("nav.account-nav").get_by_role("link", name="Moderation").click()
    expect(cora.locator("main .empty")).to_have_text("Nothing waiting here.")

    # 6. A visitor reads it, with its co-signer, and checks the receipt.
    visitor = browser()
    visitor.goto(site_url + "/")
    visitor.locator("header nav").get_by_role("link", name="Submissions", exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Civil-society submissions")
    card = visitor.locator("ul.cards li.card").filter(has_text=TITLE)
    expect(card).to_contain_text("Italy")
    expect(card).to_contain_text(f"{submission.reference} · Lead org")
    card.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(detail_url)
    main = visitor.locator("main")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main).to_contain_text("Authors: Lead org")
    expect(main).to_contain_text("Co-signed by: Partner org")
    expect(main).to_contain_text(RECOMMENDATION)
    expect(main.get_by_role("link", name=SOURCE)).to_have_attribute(
        "href", "https://example.org/sco-annual-report-2024"
    )
    expect(main.locator("section[aria-labelledby=files-heading] li")).to_contain_text("PNG")
    # Nothing private: no workflow, receipts, comments, nor who drafted and approved it.
    expect(main.locator("section.what-now")).to_have_count(0)
    expect(main.locator("#receipts-heading")).to_have_count(0)
    for private in ("Anna Alfieri", "Bruno Bellini", "Paula Pereira", "Comments (private)"):
        expect(main).not_to_contain_text(private)
    save_screenshot(visitor, "submission-journey-public.png")

    visitor.goto(f"{site_url}/submissions/")
    visitor.locator("main").get_by_role("link", name="Check a receipt").click()
    expect(visitor).to_have_url(f"{site_url}/verify/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check a receipt")
    verify_form = visitor.locator("main form[method=post]")
    verify_form.get_by_label("…or its file").set_input_files(receipt_path)
    verify_form.get_by_role("button", name="Check").click()
    verdict = visitor.locator("main section[role=status]")
    expect(verdict.get_by_role("heading")).to_have_text("Signature: authentic")
    expect(verdict).to_contain_text("Authentic, and it matches the current stored version.")
    expect(verdict).to_contain_text("The current version is 2.")
    save_screenshot(visitor, "submission-journey-verify.png")

    # One character of the hash changed: the signature no longer holds.
    digest = receipt["receipt"]["content_sha256"]
    altered = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    tampered = receipt_text.replace(digest, altered)
    assert tampered != receipt_text
    verify_form.get_by_label("Receipt (JSON)").fill(tampered)
    verify_form.get_by_role("button", name="Check").click()
    expect(verdict.get_by_role("heading")).to_have_text("Signature: not authentic")
    expect(verdict).to_contain_text("Not authentic: the receipt was changed after it was signed.")
    expect(verdict).not_to_contain_text("matches")

    assert problems == []


def save_screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Rewrite docs/screenshots/ only when asked (SAVE_SCREENSHOTS=1), as the other journeys
    do; the visible window unless the whole page is needed, so the images stay small."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / name, full_page=full_page)
