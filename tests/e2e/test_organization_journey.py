"""An organization's whole life in the browser, with JavaScript on and off.

A new person signs up, confirms the address, protects the account with an authenticator
app and registers an organization; a colleague joins through an e-mailed invitation; a
coordinator (password and second factor) verifies it; the owner lists it, and a visitor
finds it in the public registry without ever seeing who its members are.

Four people, four browser contexts, one live server. E-mails are read from Django's
locmem outbox (the task backend is immediate in tests, and the live server runs in this
process)."""

import os
import re
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, expect

from palermo.organizations.models import Membership, Organization
from palermo.reviews.roles import ensure_coordinators_group

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a-long-and-unguessable-passphrase"
ORG_NAME = "Osservatorio Civico sulla Criminalità Organizzata"
MEMBER_NAME = "Rosalia Trapani"
TOTP_PERIOD = 30

# Each variant gets its own addresses and coordinator secret: the test database is flushed
# between tests but the database cache (rate limits, allauth's used-TOTP-code markers) is not.
SECRETS = {True: "JBSWY3DPEHPK3PXPKRUGS4ZANFZSA5DP", False: "KRUGS4ZANFZSA5DIMUQHGZLDOJSXIIDL"}

# Reported from inside each page (JavaScript on) through a binding, across navigations.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${location.pathname}: ${event.violatedDirective} blocked ${event.blockedURI}`
  );
});
"""


def totp_code(secret: str) -> str:
    """The current code for `secret`. The server accepts only the current 30-second step
    (MFA_TOTP_TOLERANCE is 0), so near the end of a step wait for the next one."""
    remaining = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if remaining < 4:
        time.sleep(remaining + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def link_in_mail(to: str, pattern: str) -> str:
    """The path matching `pattern` in the last e-mail sent to `to`."""
    sent = [message for message in mail.outbox if to in message.to]
    assert sent, f"no e-mail to {to}; outbox: {[(m.to, m.subject) for m in mail.outbox]}"
    found = re.search(pattern, sent[-1].body)
    assert found, sent[-1].body
    return found.group(0)


def watch(context: BrowserContext, problems: list[str]) -> None:
    """Record console errors and warnings, page errors, failed and 4xx/5xx requests and
    CSP violations of every page opened in `context`."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            problems.append(f"console {message.type}: {message.text} ({message.location})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
    context.on("response", on_response)

    def on_failed(request) -> None:
        # A load the page itself cancelled by navigating away (a script still arriving when
        # the test clicks on) is not a fault of the site; any other failure is.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"failed: {request.url} ({request.failure})")

    context.on("requestfailed", on_failed)
    context.expose_function("__reportCspViolation", lambda text: problems.append(f"CSP {text}"))
    context.add_init_script(CSP_REPORTER)


def variant(java_script_enabled: bool) -> str:
    return "js" if java_script_enabled else "nojs"


def sign_in(page: Page, email: str) -> None:
    """allauth's sign-in form (the page is already open). The header holds other forms
    (language, sign out), so stay inside <main>."""
    form = page.locator("main form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign In", exact=True).click()


def expect_signed_in(page: Page) -> None:
    expect(page.locator("nav.account-nav").get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def member(reference_data, django_user_model, java_script_enabled):
    email = f"member-{variant(java_script_enabled)}@example.org"
    user = django_user_model.objects.create_user(
        email=email, password=PASSWORD, display_name=MEMBER_NAME
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def coordinator(reference_data, django_user_model, java_script_enabled):
    email = f"coordinator-{variant(java_script_enabled)}@example.org"
    user = django_user_model.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    user.groups.add(ensure_coordinators_group())
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, SECRETS[java_script_enabled])
    return user


@pytest.mark.parametrize("java_script_enabled", [True, False], ids=["js", "nojs"])
def test_an_organization_from_sign_up_to_the_public_registry(
    new_context, site_url, member, coordinator, java_script_enabled
):
    owner_email = f"owner-{variant(java_script_enabled)}@example.org"
    problems: list[str] = []

    def browser_context() -> Page:
        context = new_context(java_script_enabled=java_script_enabled)
        if java_script_enabled:
            watch(context, problems)
        return context.new_page()

    # 1. Sign up, confirm the address from the e-mail, sign in.
    owner = browser_context()
    owner.goto(site_url + "/accounts/signup/")
    signup = owner.locator("main form[action^='/accounts/signup/']")
    signup.locator("input[name=email]").fill(owner_email)
    signup.locator("input[name=password1]").fill(PASSWORD)
    signup.locator("input[name=password2]").fill(PASSWORD)
    signup.get_by_role("button", name="Sign Up").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")

    confirm_path = link_in_mail(owner_email, r"/accounts/confirm-email/[^/\s]+/")
    owner.goto(site_url + confirm_path)
    expect(owner.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    expect(owner.locator("main")).to_contain_text(owner_email)
    owner.locator("main").get_by_role("button", name="Confirm").click()
    expect(owner).to_have_url(re.compile(r"/accounts/login/"))
    assert EmailAddress.objects.get(email=owner_email).verified

    sign_in(owner, owner_email)
    expect(owner).to_have_url(site_url + "/accounts/security/")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Account and security")
    expect_signed_in(owner)

    # 2. Second factor: read the secret the activation page shows, answer with its code.
    owner.get_by_role("link", name="Manage authenticator app").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    owner.locator("main").get_by_role("link", name="Activate", exact=True).click()
    # allauth asks for the password again before a second factor is added.
    expect(owner.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    reauthenticate = owner.locator("main form[action^='/accounts/reauthenticate/']")
    reauthenticate.locator("input[name=password]").fill(PASSWORD)
    reauthenticate.get_by_role("button", name="Confirm").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    secret = owner.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    activate = owner.locator("main form[action^='/accounts/2fa/totp/activate/']")
    activate.locator("input[name=code]").fill(totp_code(secret))
    activate.get_by_role("button", name="Activate").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    codes = owner.locator("textarea#recovery_codes").input_value().split()
    assert len(codes) == 10, codes
    owner.goto(site_url + "/accounts/security/")
    expect(owner.locator("#mfa-heading + p")).to_contain_text("TOTP Authenticator")

    # 3. Register the organization: pending, and not public.
    owner.goto(site_url + "/organizations/new/")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Register your organization")
    owner.fill("#id_name", ORG_NAME)
    owner.select_option("#id_kind", "ngo")
    owner.select_option("#id_headquarters", label="Italy")
    owner.select_option("#id_countries", label="Italy")
    for label in ["Western European and other States", "Italian", "English", "UNTOC", "TIP"]:
        owner.get_by_label(label, exact=True).check()
    owner.get_by_label("Arms trafficking", exact=True).check()
    owner.fill("#id_website", "https://example.org/osservatorio")
    owner.fill("#id_description", "We **monitor** the review of Italy and train local groups.")
    expect(owner.locator("#id_is_listed")).not_to_be_checked()
    owner.locator("main form").get_by_role("button", name="Save").click()

    organization = Organization.objects.get(name=ORG_NAME)
    org_url = f"{site_url}/organizations/{organization.slug}/"
    expect(owner).to_have_url(org_url)
    expect(owner.locator(".messages")).to_contain_text("Your organization was created.")
    status = owner.locator("section.what-now")
    expect(status).to_contain_text("Pending verification · not listed publicly")
    expect(status).to_contain_text("Your role: Owner.")
    expect(owner.locator("dl.facts")).to_contain_text("Italy")
    expect(owner.locator("dl.facts")).to_contain_text("English, Italian")
    expect(owner.locator("section.prose strong")).to_have_text("monitor")

    # 4. Invite a colleague, who joins from the e-mailed link in their own browser.
    status.get_by_role("link", name="Members").click()
    expect(owner).to_have_url(org_url + "members/")
    invite = owner.locator("main form[action$='/members/invite/']")
    invite.get_by_label("E-mail address").fill(member.email)
    invite.get_by_label("Role").select_option("member")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(owner.locator(".messages")).to_contain_text(f"Invitation sent to {member.email}.")
    expect(owner.locator("main")).to_contain_text("Open invitations")
    invitation_path = link_in_mail(member.email, r"/invitations/[\w-]+/")

    colleague = browser_context()
    colleague.goto(site_url + invitation_path)
    expect(colleague.locator("main")).to_contain_text(
        f"You are invited to join {ORG_NAME} as Member."
    )
    colleague.locator("main").get_by_role("link", name="Sign in").click()
    sign_in(colleague, member.email)
    expect(colleague).to_have_url(site_url + invitation_path)
    colleague.locator("main").get_by_role("button", name="Join").click()
    expect(colleague).to_have_url(org_url + "members/")
    expect(colleague.locator(".messages")).to_contain_text(f"Welcome to {ORG_NAME}.")
    assert Membership.objects.filter(organization=organization, user=member).exists()

    owner.reload()
    members = owner.locator("main table tbody tr")
    expect(members).to_have_count(2)
    expect(members.filter(has_text=MEMBER_NAME)).to_contain_text("Member")
    expect(owner.locator("main")).not_to_contain_text("Open invitations")

    # 5. A coordinator signs in with password and second factor and verifies it.
    coordination = browser_context()
    coordination.goto(site_url + "/accounts/login/")
    sign_in(coordination, coordinator.email)
    expect(coordination.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    second_factor = coordination.locator("main form[action^='/accounts/2fa/authenticate/']").first
    second_factor.locator("input[name=code]").fill(totp_code(SECRETS[java_script_enabled]))
    second_factor.get_by_role("button", name="Sign In").click()
    expect_signed_in(coordination)

    coordination.goto(site_url + "/coordination/organizations/")
    expect(coordination.get_by_role("heading", level=1)).to_have_text(
        "Verification of organizations"
    )
    row = coordination.locator("main table tbody tr").filter(has_text=ORG_NAME)
    expect(row).to_contain_text("Italy")
    row.get_by_role("link", name=ORG_NAME).click()
    expect(coordination.get_by_role("heading", level=1)).to_have_text(ORG_NAME)
    decision = coordination.locator("main form[method=post]")
    decision.get_by_label("Verify").check()
    decision.get_by_label("Reason (the organization sees it)").fill(
        "Registered association; checked against the Italian RUNTS register."
    )
    decision.get_by_role("button", name="Record the decision").click()
    expect(coordination).to_have_url(site_url + "/coordination/organizations/")
    expect(coordination.locator(".messages")).to_contain_text(f"Decision recorded for {ORG_NAME}")
    expect(coordination.locator("main .empty")).to_have_text("Nothing waiting here.")
    assert any(owner_email in message.to for message in mail.outbox[-1:])

    # 6. The owner lists it; a visitor finds it, and never learns who its members are.
    owner.goto(org_url)
    expect(status).to_contain_text("Verified · not listed publicly")
    expect(status).to_contain_text("checked against the Italian RUNTS register")
    status.get_by_role("link", name="Edit the profile").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(f"Edit {ORG_NAME}")
    owner.get_by_label("Listed in the public registry").check()
    owner.locator("main form").get_by_role("button", name="Save").click()
    expect(owner).to_have_url(org_url)
    expect(owner.locator(".messages")).to_contain_text("Saved.")
    expect(status.locator("p").first).to_have_text("Verified")

    visitor = browser_context()
    visitor.goto(site_url + "/")
    visitor.locator("header nav").get_by_role("link", name="Organizations", exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Civil-society organizations")
    expect(visitor.locator("main")).to_contain_text("1 organization.")
    if java_script_enabled:
        save_screenshot(visitor, "organizations.png")
    visitor.get_by_label("Name", exact=True).fill("osservatorio")
    visitor.locator("form.filters").get_by_role("button", name="Filter").click()
    expect(visitor).to_have_url(re.compile(r"/organizations/\?.*q=osservatorio"))
    card = visitor.locator("ul.cards li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Non-governmental organization · Italy")
    expect(card).to_contain_text("UNTOC, TIP · Arms trafficking")
    visible = [visitor.locator("body").inner_text()]

    card.get_by_role("link", name=ORG_NAME).click()
    expect(visitor).to_have_url(org_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(ORG_NAME)
    expect(visitor.locator("dl.facts")).to_contain_text("Non-governmental organization")
    expect(visitor.locator("section.what-now")).to_have_count(0)
    expect(visitor.get_by_role("link", name="Members")).to_have_count(0)
    visible.append(visitor.locator("body").inner_text())
    visible.append(visitor.content())
    # ...nor in the JSON the page links to.
    api = visitor.request.get(
        site_url + visitor.get_by_role("link", name="This page as JSON").get_attribute("href")
    )
    assert api.ok and api.json()["name"] == ORG_NAME
    visible.append(api.text())
    if java_script_enabled:
        save_screenshot(visitor, "organization.png")

    # The member list itself is behind sign-in.
    visitor.goto(org_url + "members/")
    expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next="))
    for text in visible:
        for secret_text in (MEMBER_NAME, member.email, owner_email, coordinator.email):
            assert secret_text not in text

    if java_script_enabled:
        assert problems == []


def save_screenshot(page: Page, name: str) -> None:
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / name, full_page=True)
