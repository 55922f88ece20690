"""A civil-society visitor's journeys through the tracker, in a real browser.

The site is server-rendered and must work with JavaScript off; with it on, the strict CSP
must not block anything the pages use."""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import icalendar
import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from palermo.reference.models import Instrument, State

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Recorded by the page itself, in case a violation is reported only as an event.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def test_find_a_state_and_its_calendar_without_javascript(nojs_page: Page, site_url, demo_data):
    page = nojs_page
    page.goto(site_url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the UNTOC reviews stand")

    page.get_by_role("link", name="Find your State").click()
    expect(page).to_have_url(site_url + "/states/")
    expect(page.get_by_role("heading", level=1)).to_have_text("States and their reviews")

    # The filter form is a plain GET form: no script needed.
    page.get_by_label("Regional group").select_option("african")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/states/\?"))
    assert parse_qs(urlsplit(page.url).query)["region"] == ["african"]
    expect(page.get_by_label("Regional group")).to_have_value("african")

    african = State.objects.filter(regional_group__code="african")
    rows = page.locator("table.states tbody tr")
    expect(rows).to_have_count(african.count())
    # Column 2 is the regional group's abbreviation: every row is an African State.
    assert set(rows.locator("td:nth-child(2)").all_inner_texts()) == {"Africa"}
    codes = set(rows.locator("th .code").all_inner_texts())
    assert codes == set(african.values_list("code", flat=True))
    assert "FRA" not in codes
    expect(page.get_by_text(f"{african.count()} States and organizations match.")).to_be_visible()

    page.locator("table.states").get_by_role("link", name="Nigeria", exact=True).click()
    expect(page).to_have_url(site_url + "/states/NGA/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nigeria")

    participation = page.locator("section", has=page.locator("#participation-heading"))
    expect(participation.get_by_role("heading", level=2)).to_have_text(
        "Participation in the instruments"
    )
    expect(participation.locator("tbody tr")).to_have_count(Instrument.objects.count())
    expect(participation.get_by_role("row").filter(has_text="UNTOC")).to_have_count(1)

    what_now = page.locator("section.what-now")
    expect(what_now.get_by_role("heading", level=2)).to_have_text("What you can do now")
    expect(what_now).to_contain_text("Current stage:")
    assert what_now.locator("li").count() > 0

    ical = page.get_by_role("link", name="Calendar of expected deadlines and events (iCal)")
    href = ical.get_attribute("href")
    assert href == "/states/NGA/calendar.ics"
    # A text/calendar link is a download for a browser, not a page: fetch it with the
    # page's own request context (same cookies, same origin).
    response = page.request.get(urljoin(page.url, href))
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    assert "Nigeria" in str(calendar.get("x-wr-calname"))
    events = calendar.walk("VEVENT")
    assert events, "the calendar of a State in a review group lists its expected deadlines"
    assert all("Nigeria" in str(event.get("summary")) for event in events)


@pytest.mark.parametrize("path", ["/", "/states/", "/states/NGA/"])
def test_pages_with_javascript_have_no_console_errors_or_csp_violations(
    page: Page, site_url, demo_data, path
):
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type not in {"error", "warning"}:
            return
        problems.append(f"console {message.type}: {message.text} ({message.location})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.add_init_script(CSP_LISTENER)

    response = page.goto(site_url + path, wait_until="load")
    assert response is not None and response.ok
    # Late reports (deferred resources) arrive after "load".
    page.wait_for_load_state("networkidle")
    # The strict policy the pages are written for must actually be in force.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("main h1")).to_be_visible()
    # Both stylesheets (site.css, map.css) loaded under the policy.
    assert page.evaluate("document.styleSheets.length") >= 2
    violations = page.evaluate("window.__cspViolations")

    assert problems == []
    assert violations == []


def test_switch_language_to_arabic_without_javascript(nojs_page: Page, site_url):
    page = nojs_page
    page.goto(site_url + "/states/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    switcher = page.locator("form.language-switcher")
    switcher.get_by_label("Language").select_option("ar")
    with page.expect_response(re.compile(r"/i18n/setlang/$")) as setlang:
        switcher.get_by_role("button").click()
    # A plain POST (CSRF token in the form), then back to the page the visitor was on.
    assert setlang.value.request.method == "POST"
    assert setlang.value.status == 302
    page.wait_for_load_state()
    expect(page).to_have_url(site_url + "/states/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#language-select")).to_have_value("ar")


def test_bad_filter_is_a_readable_400(page: Page, site_url):
    response = page.goto(site_url + "/states/?stage=bogus")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Invalid filter")
    expect(page.get_by_role("alert")).to_have_text("Unknown stage “bogus”.")
    expect(page.get_by_role("link", name="Show all States")).to_have_attribute("href", "/states/")
    # The site's own layout, not a bare error page.
    expect(page.locator("header.site-header")).to_be_visible()


@pytest.mark.skipif(
    os.environ.get("SAVE_SCREENSHOTS") != "1",
    reason="set SAVE_SCREENSHOTS=1 to rewrite docs/screenshots/",
)
def test_save_screenshots(page: Page, site_url, demo_data):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for path, name in [
        ("/", "home.png"),
        ("/states/", "states.png"),
        ("/states/NGA/", "state-nga.png"),
    ]:
        page.goto(site_url + path, wait_until="load")
        page.screenshot(path=SCREENSHOT_DIR / name, full_page=True)
