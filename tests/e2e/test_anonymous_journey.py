"""Someone at risk sends evidence without an account and without JavaScript, keeps the
passphrase and the receipt, checks the receipt, and comes back later to answer a question."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from palermo.reference.models import State
from palermo.submissions import services
from palermo.submissions.models import Submission

pytestmark = pytest.mark.e2e


def test_anonymous_submission_without_javascript(
    nojs_page: Page, new_context, site_url, coordinator_for_e2e
):
    cache.clear()  # abuse counters from earlier tests
    page = nojs_page
    page.goto(f"{site_url}/submissions/")
    page.click("text=Send evidence without an account")
    expect(page.locator("main h1")).to_have_text("Send without an account")
    main = page.locator("main")
    main.locator("select[name=state]").select_option(str(State.objects.get(code="NGA").pk))
    main.locator("input[name=instruments]").first.check()
    main.locator("input[name=title]").fill("Forced labour on fishing boats")
    main.locator("textarea[name=summary]").fill("What we saw in the port, with dates.")
    main.locator("textarea[name=practice]").fill("Crew members held without pay.")
    main.locator("textarea[name='rec-0-text']").fill("Inspect vessels at the port.")
    main.locator("select[name='rec-0-addressee']").select_option("state")
    main.locator("form button[type=submit]").click()

    expect(page.locator("main h1")).to_have_text("Sent to the coordinators")
    passphrase = page.locator("p.passphrase code").inner_text()
    assert len(passphrase.split()) >= 7
    receipt = page.locator("main textarea[readonly]").input_value()
    reference = re.search(r'"submission": "(S-\d{4}-\d{4})"', receipt).group(1)

    # The receipt checks out at /verify/.
    page.goto(f"{site_url}/verify/")
    page.locator("textarea[name=receipt]").fill(receipt)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(
        "Authentic, and it matches the current stored version."
    )

    # A coordinator asks a question; the sender comes back in a fresh browser to answer.
    submission = Submission.objects.get(reference=reference)
    services.comment_add(submission=submission, by=coordinator_for_e2e, body="Which port was this?")
    later = new_context(java_script_enabled=False).new_page()
    later.goto(f"{site_url}/submit/return/")
    later.locator("input[name=reference]").fill(reference)
    later.locator("input[name=passphrase]").fill(passphrase)
    later.locator("main form button[type=submit]").click()
    expect(later.locator("main")).to_contain_text("Which port was this?")
    assert "passphrase" not in later.url  # never in an address
    later.locator("textarea[name=body]").fill("The northern fishing port, in March.")
    later.locator("main form button[type=submit]").first.click()
    expect(later.locator("main")).to_contain_text("The northern fishing port, in March.")


@pytest.fixture
def coordinator_for_e2e(reference_data, django_user_model):
    from palermo.reviews.roles import ensure_coordinators_group

    user = django_user_model.objects.create_user(email="e2e-coord@example.org", password="x")
    user.groups.add(ensure_coordinators_group())
    return user
