import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from palermo.reviews.models import StageEvent
from tests.reviews.conftest import PUBLIC_FOCAL, RESTRICTED_EMAIL, RESTRICTED_FOCAL

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TODAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)

PAGES = [
    "/",
    "/states/",
    "/states/NGA/",
    "/states/EUU/",
    "/states/AFG/",
    "/instruments/",
    "/instruments/untoc/",
    "/instruments/firearms/",
    "/instruments/tip/articles/3/",
    "/instruments/untoc/articles/1/",
    "/clusters/",
    "/about/mechanism/",
]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_in_every_language(client, url):
    for language in ("en", "ar", "zh-hans", "fr", "ru", "es"):
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response.status_code == 200, (url, language)
        html = response.content.decode()
        assert f'lang="{language}"' in html
        assert ('dir="rtl"' in html) == (language == "ar")
        # CSP forbids inline script and style: none may appear.
        assert "<script" not in html
        assert " style=" not in html


def test_home_counts_reviews_by_stage_and_lists_next_deadlines(client):
    page = text(client.get("/"))
    assert "Current reviews by stage" in page
    # 161 States have no known review group; 37 are in groups 1-3.
    assert re.search(r"Review group unknown</a></th><td class=\"num\">161<", page)
    # Group 3 phase 3 started 1 November 2026: its experts are due 29 November 2026.
    # Deadlines of the same day and stage are grouped: one row lists every State.
    row = re.search(r"<tr> <td><time datetime=\"2026-11-29\">.*?</tr>", page).group(0)
    assert "Governmental experts appointed" in row
    assert ">Nigeria</a>" in row and ">Italy</a>" in row


def test_states_table_shows_every_state_and_the_map(client):
    response = client.get("/states/")
    page = text(response)
    assert "198 States and organizations match." in page
    assert page.count('<th scope="row"><a href="/states/') == 198
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="world-map"' in page
    assert 'id="map-NGA"' in page
    assert "do not imply official endorsement" in page


@pytest.mark.parametrize(
    ("query", "expected_count", "included", "excluded"),
    [
        ("region=african", 54, "/states/NGA/", "/states/ITA/"),
        ("group=1", 22, "/states/NGA/", "/states/MEX/"),
        ("group=unknown", 161, "/states/AFG/", "/states/NGA/"),
        ("instrument=firearms", 121, "/states/NGA/", "/states/AUS/"),
        ("stage=group_unknown", 161, "/states/AFG/", "/states/NGA/"),
        ("region=african&group=1", 1, "/states/NGA/", "/states/ITA/"),
    ],
)
def test_states_filters(client, query, expected_count, included, excluded):
    response = client.get(f"/states/?{query}")
    assert response.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="(/states/[A-Z]{3}/)"', response.content.decode())
    assert len(rows) == expected_count
    assert included in rows
    assert excluded not in rows


def test_states_filter_with_no_match_shows_an_empty_state(client):
    page = text(client.get("/states/?region=african&group=2"))
    assert "No State matches these filters." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stage=bogus", "Unknown stage “bogus”."),
        ("group=9", "Review group must be 1, 2, 3 or “unknown”, not “9”."),
        ("region=mars", "Unknown regional group “mars”."),
        ("instrument=<script>", "Unknown instrument “&lt;script&gt;”."),
    ],
)
def test_malformed_filters_answer_400_with_a_message(client, query, message):
    response = client.get(f"/states/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/states/XXX/",
        "/states/NG/",
        "/states/NGA1/",
        "/instruments/untoc/articles/42/",
        "/instruments/untoc/articles/0/",
        "/instruments/nope/",
        "/instruments/nope/articles/1/",
        "/instruments/untoc/articles/99999999999999999999/",
        "/states/XXX/calendar.ics",
        "/states/XXX/feed.atom",
    ],
)
def test_unknown_codes_and_numbers_answer_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    if not url.endswith((".ics", ".atom")):
        assert "Page not found" in response.content.decode()


def test_lowercase_state_code_redirects_to_the_canonical_address(client):
    response = client.get("/states/nga/")
    assert response.status_code == 302
    assert response["Location"] == "/states/NGA/"


def test_state_page_shows_participation_review_timeline_and_guidance(client):
    page = text(client.get("/states/NGA/"))
    assert '<h1>Nigeria <span class="code">NGA</span></h1>' in page
    assert "UN regional group: African States." in page
    # Participation, with confidence and sources.
    assert "Party (ratification)" in page
    assert "June 28, 2001" in page
    assert "confidence: high" in page
    # Phase 1 timeline: expected dates from the rules, derived start flagged.
    assert "Phase 1: cluster I, Criminalization and jurisdiction" in page
    assert "Nov. 15, 2020" in page and "May 1, 2021" in page
    assert "derived dates" in page
    # Group 1's current phase (4) started 1 November 2026: focal point due 15 November.
    assert "Focal point appointed: overdue by 14 days (no event recorded)" in page
    assert "Ask the government who its focal point for this review is" in page
    # A past phase with nothing recorded is not called "overdue" but says its window ended.
    assert "The expected window of this phase ended on Oct. 31, 2024" in page
    assert "Not published. The pairings of reviewing States are not made public" in page
    assert reverse("reviews:state_calendar", args=["NGA"]) in page


def test_state_page_shows_a_recorded_event_with_its_source(client, recorded_event):
    page = text(client.get("/states/NGA/"))
    assert "Nov. 20, 2020" in page
    assert "5 days late" in page
    assert "https://example.org/note-verbale" in page


def test_state_without_known_group_says_so(client):
    page = text(client.get("/states/AFG/"))
    assert "The review group of this State has not been published" in page
    assert "Review group unknown" in page


def test_protocol_status_unknown_is_shown_as_unknown(client):
    page = text(client.get("/states/PAK/"))
    assert "Status unknown" in page
    assert "No source found yet." in page


def test_european_union_code_is_flagged_as_not_iso(client):
    assert "not an ISO 3166 code" in text(client.get("/states/EUU/"))


def test_article_pages_show_cluster_and_its_confidence(client):
    confirmed = text(client.get("/instruments/untoc/articles/5/"))
    assert "Cluster I: Criminalization and jurisdiction" in confirmed
    assert "confidence: medium" in confirmed
    unconfirmed = text(client.get("/instruments/untoc/articles/12/"))
    assert "Cluster not yet confirmed" in unconfirmed


def test_instrument_page_lists_all_its_articles(client):
    page = text(client.get("/instruments/tip/"))
    assert page.count('<a href="/instruments/tip/articles/') == 20
    assert "cluster not yet confirmed" in page


def test_cluster_page_marks_unconfirmed_names_and_lists_unassigned_articles(client):
    page = text(client.get("/clusters/"))
    assert "Cluster I: Criminalization and jurisdiction" in page
    assert "Cluster III: Law enforcement and judicial system" in page
    assert "confidence: low" in page
    assert "91 articles have no sourced cluster yet." in page


def test_restricted_focal_point_never_reaches_visitors(client, member, focal_points):
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        for url in (
            "/states/NGA/",
            "/api/v1/states/NGA",
            "/states/NGA/calendar.ics",
            "/calendar.ics",
            "/states/NGA/feed.atom",
            "/api/v1/states",
            "/states/",
        ):
            body = client.get(url).content.decode()
            assert RESTRICTED_FOCAL not in body, url
            assert RESTRICTED_EMAIL not in body, url
            assert "+1 555 0199" not in body, url
    assert PUBLIC_FOCAL in client.get("/states/NGA/").content.decode()


def test_coordinator_sees_restricted_focal_point_marked_as_such(coordinator_client, focal_points):
    page = text(coordinator_client.get("/states/NGA/"))
    assert RESTRICTED_FOCAL in page
    assert "coordinators only" in page
    api = coordinator_client.get("/api/v1/states/NGA").json()
    names = [fp["name"] for review in api["reviews"] for fp in review["focal_points"]]
    assert RESTRICTED_FOCAL in names


def test_demo_records_are_labelled_demo_wherever_shown(client):
    call_command("seed_demo", "--allow-without-debug", stdout=io.StringIO())
    assert StageEvent.objects.filter(is_demo=True).exists()
    state_page = text(client.get("/states/NGA/"))
    assert "This page shows demo records, marked “demo”." in state_page
    assert '<span class="demo">demo</span>' in state_page
    states_page = text(client.get("/states/"))
    assert "Some stages below come from demo records" in states_page
    assert "[DEMO]" in client.get("/states/NGA/feed.atom").content.decode()
    assert client.get("/api/v1/states/NGA").json()["has_demo"] is True
    # A State with no demo record says nothing about demo.
    assert "demo" not in text(client.get("/states/AFG/")).lower()


def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="Refusing to add demo data"):
        call_command("seed_demo")
