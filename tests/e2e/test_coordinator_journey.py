"""A coordinator records a stage event through the admin; visitors then see it, sourced."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from playwright.sync_api import Page, expect

from palermo.reviews.models import CountryReview, StageEvent
from palermo.reviews.roles import ensure_coordinators_group

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-coordinator-password"
EMAIL = "secretariat@example.org"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code() -> str:
    """A code valid for a few seconds more: near the end of a 30-second window, wait for
    the next one, so the server never sees a code that expired in transit."""
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.5)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(SECRET, counter))


@pytest.fixture
def coordinator(reference_data, django_user_model):
    # A code once used is remembered in the cache: start each test without that memory,
    # since both tests sign in with the same secret.
    cache.clear()
    user = django_user_model.objects.create_user(email=EMAIL, password=PASSWORD, is_staff=True)
    user.groups.add(ensure_coordinators_group())
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    TOTP.activate(user, SECRET)
    return user


def sign_in(page: Page, site_url: str) -> None:
    """The admin sends coordinators through the site's sign-in, second factor included."""
    page.goto(f"{site_url}/admin/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.fill("input[name=code]", current_code())
    page.click("main form button[type=submit]")


def test_coordinator_records_a_stage_event_that_visitors_then_see(
    page: Page, site_url, coordinator
):
    review = CountryReview.objects.get(state__code="NGA", phase__number=4)

    sign_in(page, site_url)
    page.goto(f"{site_url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("Palermo Hub")

    page.goto(f"{site_url}/admin/reviews/stageevent/add/")
    # The review field is an autocomplete widget backed by a <select>; set it directly.
    page.evaluate(
        """([id, label]) => {
            const select = document.querySelector('#id_review');
            select.add(new Option(label, id, true, true));
        }""",
        [str(review.pk), str(review)],
    )
    page.select_option("#id_stage", "focal_point")
    page.fill("#id_date", "2026-11-12")
    page.fill("#id_sources", "https://example.org/note-verbale-nga")
    page.select_option("#id_confidence", "H")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    event = StageEvent.objects.get(review=review, stage="focal_point")
    assert event.recorded_by == coordinator
    assert event.history.first().history_user == coordinator

    page.goto(f"{site_url}/states/NGA/")
    phase = page.locator("#phase-4")
    expect(phase).to_contain_text("Stage reached: Focal point appointed")
    expect(
        phase.locator("a.source-link[href='https://example.org/note-verbale-nga']")
    ).to_have_count(1)


def test_coordinator_without_a_source_gets_a_form_error(page: Page, site_url, coordinator):
    sign_in(page, site_url)
    page.goto(f"{site_url}/admin/reference/participation/add/")
    page.click("input[name=_save]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-sources .errorlist")).to_contain_text("This field is required")
