"""Every public page and its JSON twin: the same items, in the same order, for the same
filters; and every public page links its twin, which answers 200 with JSON."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from palermo.organizations.enums import MemberRole, OrganizationType
from palermo.reference.models import State
from palermo.submissions.enums import IdentityTier
from tests.api.conftest import publish
from tests.organizations.helpers import make_organization, make_user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

STATE_ROW = re.compile(r'<th scope="row"><a href="/states/([A-Z]{3})/"')
CARD = {
    "submissions": re.compile(r'<h2><a href="/submissions/([^/"]+)/">'),
    "organizations": re.compile(r'<h2><a href="/organizations/([^/"]+)/">'),
    "experts": re.compile(r'<h2><a href="/experts/([^/"]+)/">'),
}
TWIN_HEAD = re.compile(r'<link rel="alternate" type="application/json" href="([^"]+)">')
TWIN_LINK = re.compile(r'<a href="([^"]+)" type="application/json">')


def page_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def twin_of(page: str) -> str | None:
    """The twin address a page gives, the same in its <head> and in its footer link."""
    heads, links = TWIN_HEAD.findall(page), TWIN_LINK.findall(page)
    assert len(heads) == len(links) <= 1, (heads, links)
    if not heads:
        return None
    assert heads == links
    return html.unescape(heads[0])


def api_items(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()["items"]


def same_items(client, page_url: str, pattern: re.Pattern, api_url: str, key: str) -> list:
    """The ids a page lists, checked against the API url given and the page's own twin."""
    page = page_html(client, page_url)
    on_page = pattern.findall(page)
    assert on_page == [item[key] for item in api_items(client, api_url)], (page_url, api_url)
    twin = twin_of(page)
    assert twin is not None, page_url
    assert on_page == [item[key] for item in api_items(client, twin)], (page_url, twin)
    return on_page


# --- Lists: the same items in the same order ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "region=african",
        "group=1",
        "group=unknown",
        "instrument=som",
        "stage=started",
        "stage=experts",
        "region=weog&group=2",
        "region=african&instrument=tip&group=1",
    ],
)
def test_states(client, world, query):
    found = same_items(
        client, f"/states/?{query}", STATE_ROW, f"/api/v1/states?{query}&page_size=500", "code"
    )
    if query in ("", "region=african", "group=1"):
        assert found, query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=NGA",
        "state=mex",
        "state=FRA",
        "instrument=tip",
        "article=untoc-5",
        "article=tip-3",
        "cluster=I",
        "language=fr",
        "type=academia",
        "type=ngo",
        "state=NGA&instrument=tip&language=fr",
        "instrument=untoc&cluster=I&type=ngo",
    ],
)
def test_submissions(client, world, query):
    found = same_items(
        client,
        f"/submissions/?{query}",
        CARD["submissions"],
        f"/api/v1/submissions?{query}",
        "reference",
    )
    if query in ("", "state=NGA", "type=ngo"):
        assert found, query


@pytest.fixture
def registry(world):
    """27 more listed organizations: a second page, ties broken the same way (two share
    a name), and varied types and places."""
    for n in range(27):
        organization = make_organization(
            "Twin Network" if n < 2 else f"Twin Org {n:02}", slug=f"twin-org-{n:02}"
        )
        organization.kind = OrganizationType.MEDIA if n % 3 == 0 else OrganizationType.NGO
        organization.save(update_fields=["kind"])
        if n % 4 == 0:
            organization.countries.set(State.objects.filter(code="NGA"))
    return world


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=2",
        "page=3",
        "type=media",
        "type=academia",
        "q=twin",
        "q=twin&page=2",
        "country=NGA",
        "country=mex",
        "region=african",
        "q=nothing-matches",
    ],
)
def test_organizations(client, registry, query):
    # Past the last page the page shows its last one (the API an empty one); the page's
    # twin link carries the page number it shows.
    api_query = query.replace("page=3", "page=2")
    found = same_items(
        client,
        f"/organizations/?{query}",
        CARD["organizations"],
        f"/api/v1/organizations?{api_query}",
        "slug",
    )
    if query in ("", "page=2", "q=twin"):
        assert found, query


def test_experts(client, world):
    same_items(client, "/experts/", CARD["experts"], "/api/v1/experts", "id")


def test_instruments_and_their_articles(client):
    same_items(
        client,
        "/instruments/",
        re.compile(r'<h2><a href="/instruments/([a-z]+)/">'),
        "/api/v1/instruments",
        "code",
    )
    for code in ("untoc", "tip", "som", "firearms"):
        table = re.findall(
            rf'<td><a href="/instruments/{code}/articles/(\d+)/">',
            page_html(client, f"/instruments/{code}/"),
        )
        api = api_items(client, f"/api/v1/articles?instrument={code}&page_size=500")
        assert [int(n) for n in table] == [a["number"] for a in api], code


def test_clusters_and_their_articles(client):
    page = page_html(client, "/clusters/")
    clusters = api_items(client, twin_of(page))
    assert re.findall(r'<section class="cluster" id="cluster-([IV]+)">', page) == [
        c["numeral"] for c in clusters
    ]
    sections = page.split('<section class="cluster" id="cluster-')[1:]
    for cluster, section in zip(clusters, sections, strict=True):
        section = section.split("</section>")[0]
        listed = re.findall(r'<a href="/instruments/([a-z]+)/articles/(\d+)/">', section)
        assert [f"{i}-{n}" for i, n in listed] == cluster["articles"], cluster["numeral"]


@pytest.mark.parametrize(
    "query", ["", "region=african", "group=1", "instrument=tip", "stage=started"]
)
def test_the_tracker_and_the_current_reviews(client, world, query):
    """/states/ shows each State's current review: /api/v1/reviews?current=true gives
    the same reviews (of the States whose review group is known)."""
    page = page_html(client, f"/states/?{query}")
    rows = re.findall(r'<th scope="row"><a href="/states/([A-Z]{3})/"', page)
    states = {s["code"]: s for s in api_items(client, f"/api/v1/states?{query}&page_size=500")}
    reviews = api_items(client, f"/api/v1/reviews?current=true&{query}&page_size=500")
    assert [r["state"] for r in reviews] == [
        code for code in rows if states[code]["review_group"] is not None
    ]
    for review in reviews:
        assert review["progress"] == states[review["state"]]["progress"]


@pytest.mark.parametrize("code", ["NGA", "ARG", "MEX", "AFG"])
def test_a_state_page_and_its_reviews(client, world, code):
    page = page_html(client, f"/states/{code}/")
    phases = [int(n) for n in re.findall(r'<article class="phase" id="phase-(\d)">', page)]
    reviews = api_items(client, f"/api/v1/reviews?state={code}")
    assert phases == [r["phase"] for r in reviews]
    state = client.get(twin_of(page)).json()
    assert [r["phase"] for r in state["reviews"]] == phases
    # The page's list of submissions on the State is the API's, newest first.
    section = page.split('id="submissions-heading"')[1].split("</section>")[0]
    listed = re.findall(r'<span class="note">(S-\d{4}-\d+)</span>', section)
    assert listed == [
        s["reference"] for s in api_items(client, f"/api/v1/submissions?state={code}")
    ]


def test_an_article_page_and_its_submissions(client, world):
    page = page_html(client, "/instruments/untoc/articles/5/")
    listed = re.findall(r'<span class="note">(S-\d{4}-\d+)</span>', page)
    api = api_items(client, "/api/v1/submissions?article=untoc-5")
    assert listed == [s["reference"] for s in api] and len(listed) == 2
    assert client.get(twin_of(page)).json()["number"] == 5


# --- Every public page links its twin -------------------------------------------------------


def public_pages(world) -> list[str]:
    submission = world.public[0]
    organization = world.organizations["shielded"]
    expert = world.experts[0]
    return [
        "/states/",
        "/states/?region=african&group=1",
        "/states/?instrument=som&stage=started",
        "/states/NGA/",
        "/states/AFG/",
        "/states/EUU/",
        "/instruments/",
        "/instruments/untoc/",
        "/instruments/firearms/",
        "/instruments/untoc/articles/5/",
        "/instruments/tip/articles/3/",
        "/clusters/",
        "/submissions/",
        "/submissions/?state=NGA&language=fr",
        "/submissions/?article=untoc-5&page=1",
        "/submissions/?page=99",
        f"/submissions/{submission.reference}/",
        "/organizations/",
        "/organizations/?type=academia&country=MEX",
        "/organizations/?q=kx93",
        f"/organizations/{organization.slug}/",
        "/experts/",
        f"/experts/{expert.public_id}/",
    ]


def test_every_public_page_links_its_json_twin(client, world):
    for url in public_pages(world):
        page = page_html(client, url)
        twin = twin_of(page)
        assert twin is not None and twin.startswith("/api/v1/"), url
        response = client.get(twin)
        assert response.status_code == 200, (url, twin, response.content[:300])
        assert response["Content-Type"] == "application/json; charset=utf-8"
        data = response.json()
        assert isinstance(data, dict) and data, (url, twin)
        # A list's twin carries the page's filters.
        page_query = parse_qs(urlsplit(url).query)
        twin_query = parse_qs(urlsplit(twin).query)
        for name, values in page_query.items():
            if name != "page":
                assert twin_query.get(name) == values, (url, twin)


def test_a_page_that_is_not_public_links_no_twin(world, client):
    """A member sees the draft and the unlisted organization, which have no public twin."""
    editor = world.organizations["shielded"].memberships.get().user
    member = Client()
    member.force_login(editor)
    draft = world.private[0]
    embargoed = world.private[3]
    for url in (f"/submissions/{draft.reference}/", f"/submissions/{embargoed.reference}/"):
        assert twin_of(page_html(member, url)) is None, url
        assert client.get(f"/api/v1/submissions/{draft.reference}").status_code == 404
    unlisted = world.organizations["unlisted"]
    unlisted_member = make_user(type(editor), "ul66-owner@example.org")
    unlisted.memberships.create(user=unlisted_member, role=MemberRole.OWNER)
    member.force_login(unlisted_member)
    assert twin_of(page_html(member, f"/organizations/{unlisted.slug}/")) is None


def test_the_twin_of_a_page_of_the_list_is_that_page(client, world):
    """With the page's own number: the items of page 2 of the page are those of page 2 of
    the API (25 a page on both)."""
    shielded = world.organizations["shielded"]
    editor = shielded.memberships.get().user
    for n in range(26):
        publish(shielded, editor, f"Filler {n:02}", tier=IdentityTier.COALITION)
    page = page_html(client, "/submissions/?page=2&type=ngo")
    twin = twin_of(page)
    assert parse_qs(urlsplit(twin).query) == {"page": ["2"], "type": ["ngo"]}
    on_page = CARD["submissions"].findall(page)
    assert len(on_page) == 2
    assert on_page == [s["reference"] for s in api_items(client, twin)]
