"""An editor types into a draft and never presses Save: autosave keeps the text (a new
version each pause), says so in the status line, and reloading shows it kept. When a
colleague saves meanwhile, autosave stops and says so; the Save button then shows both."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import BrowserContext, Page, expect

from palermo.organizations.enums import MemberRole
from palermo.submissions import services
from palermo.submissions.models import Submission
from tests.organizations.helpers import PASSWORD, make_organization, make_user
from tests.submissions.helpers import make_submission

pytestmark = pytest.mark.e2e

EDITOR = "autosave-editor@example.org"
COLLEAGUE = "autosave-colleague@example.org"
NEW_LAW = "Article 5 is now in the Penal Code, section 97."
MORE = " The bill passed in March."

CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def draft(reference_data, django_user_model) -> Submission:
    cache.clear()  # sign-in rate limits from earlier tests
    editor = make_user(django_user_model, EDITOR, display_name="Eda Editor")
    colleague = make_user(django_user_model, COLLEAGUE)
    organization = make_organization(
        "Observatorio Autosave",
        slug="observatorio-autosave",
        members={editor: MemberRole.EDITOR, colleague: MemberRole.EDITOR},
    )
    return make_submission(organization, editor)


def watch(context: BrowserContext, problems: list[str], *, allowed: frozenset[int] = frozenset()):
    """Record console errors, page errors, CSP violations and HTTP errors other than the
    `allowed` statuses (Chromium also logs those to the console)."""

    def on_console(message) -> None:
        if message.type not in {"error", "warning"}:
            return
        if any(f"status of {status}" in message.text for status in allowed):
            return
        problems.append(f"console {message.type}: {message.text}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
    context.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.status not in allowed
            and problems.append(f"HTTP {response.status} for {response.url}")
        ),
    )
    context.expose_function("__reportCspViolation", lambda text: problems.append(f"CSP {text}"))
    context.add_init_script(CSP_REPORTER)


def open_draft(new_context, site_url: str, draft: Submission, problems: list[str], **kw) -> Page:
    context = new_context()
    watch(context, problems, **kw)
    page = context.new_page()
    page.goto(f"{site_url}/accounts/login/?next=/submissions/{draft.reference}/edit/")
    form = page.locator("main form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(EDITOR)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {draft.reference}")
    return page


def test_typing_into_a_draft_is_saved_without_pressing_save(new_context, site_url, draft):
    problems: list[str] = []
    page = open_draft(new_context, site_url, draft, problems)
    status = page.get_by_role("status").filter(has_text="Autosave")
    expect(status).to_have_text(
        "Autosave is on: your changes are saved a few seconds after you stop typing."
    )
    law = page.locator("textarea[name=law]")
    version = page.locator("input[name=base_version]")

    law.fill(NEW_LAW)

    expect(page.locator("#autosave-status")).to_have_text(
        re.compile(r"^Saved at \d{1,2}:\d{2}"), timeout=10_000
    )
    expect(version).to_have_value("2")
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (2, NEW_LAW)

    # Typing on: the next pause saves again, on top of the version just returned.
    law.press_sequentially(MORE)
    expect(version).to_have_value("3", timeout=10_000)

    page.reload()
    expect(page.locator("textarea[name=law]")).to_have_value(NEW_LAW + MORE)
    expect(page.locator("input[name=base_version]")).to_have_value("3")
    fresh = page.context.new_page()  # no form state a browser might restore on reload
    fresh.goto(page.url)
    expect(fresh.locator("textarea[name=law]")).to_have_value(NEW_LAW + MORE)
    fresh.close()
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (3, NEW_LAW + MORE)
    assert list(draft.versions.values_list("number", flat=True)) == [1, 2, 3]

    # Pressing Save after autosaves is no conflict with oneself.
    page.locator("input[name=title]").fill("A sharper title")
    page.locator("main form").get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Saved as version [45]\."))
    draft.refresh_from_db()
    assert (draft.title, draft.law) == ("A sharper title", NEW_LAW + MORE)
    assert not problems, problems


def test_autosave_stops_when_a_colleague_saved_meanwhile(new_context, site_url, draft):
    problems: list[str] = []
    page = open_draft(new_context, site_url, draft, problems, allowed=frozenset({409}))
    theirs = "COLLEAGUE: the Cybercrime Act, section 27."
    services.submission_save(
        submission=draft,
        by=get_user_model().objects.get(email=COLLEAGUE),
        data={"law": theirs},
        recommendations=[{"text": "Protect witnesses.", "addressee": "state", "priority": "high"}],
        sources=[{"title": "A report", "url": "https://example.org/r", "kind": "report"}],
        base_version=1,
        form_token=uuid.uuid4().hex,
    )

    page.locator("textarea[name=law]").fill(NEW_LAW)

    expect(page.locator("#autosave-status")).to_have_text(
        re.compile(r"^Someone else saved this draft while you were editing"), timeout=10_000
    )
    expect(page.locator("input[name=base_version]")).to_have_value("1")
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (2, theirs)

    # Autosave has stopped: more typing sends nothing.
    sent: list[str] = []
    page.on("request", lambda request: "/autosave/" in request.url and sent.append(request.url))
    page.locator("textarea[name=law]").press_sequentially(MORE)
    page.wait_for_timeout(4_000)  # longer than the pause after which autosave would post
    assert sent == []

    # The Save button shows both texts: the ordinary conflict page.
    page.locator("main form").get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Someone else saved first")
    expect(page.locator("main")).to_contain_text(theirs)
    expect(page.locator("main")).to_contain_text(NEW_LAW + MORE)
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (2, theirs)
    assert not problems, problems
