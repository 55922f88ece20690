"""The open-data API: every public object, paged one way, filtered as on the pages, a 400
that says why for a filter naming nothing, a 404 for an unknown code, and nothing that is
not public."""

import datetime as dt
import json

import pytest
import time_machine

from palermo.reference.models import Article, RegionalGroup, State
from palermo.reviews.models import CountryReview, StageEvent
from tests.api.conftest import HIDDEN_EXPERT, PRIVATE_TEXT, RESTRICTED_FOCAL, UNLISTED_ORG

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LISTS = [
    "/api/v1/instruments",
    "/api/v1/articles",
    "/api/v1/clusters",
    "/api/v1/regional-groups",
    "/api/v1/states",
    "/api/v1/reviews",
    "/api/v1/stage-events",
    "/api/v1/organizations",
    "/api/v1/experts",
    "/api/v1/submissions",
    "/api/v1/recommendations",
]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def everything(client, url: str) -> list[dict]:
    separator = "&" if "?" in url else "?"
    data = get(client, f"{url}{separator}page_size=500")
    assert len(data["items"]) == data["count"], url
    return data["items"]


# --- One way to page every list ---------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_every_list_is_paged_the_same_way(client, world, url):
    whole = everything(client, url)
    assert len(whole) >= 2, url
    first = get(client, f"{url}?page_size=1")
    assert set(first) == {"items", "count"}
    assert first == {"items": whole[:1], "count": len(whole)}
    assert get(client, f"{url}?page=2&page_size=1")["items"] == whole[1:2]
    assert get(client, f"{url}?page={len(whole) + 1}&page_size=1") == {
        "items": [],
        "count": len(whole),
    }
    # 25 unless asked; a larger page_size than 500 is read as 500, not refused.
    assert get(client, url)["items"] == whole[:25]
    assert get(client, f"{url}?page_size=100000")["items"] == whole[:500]
    # The same request twice gives the same order (ties are broken).
    assert everything(client, url) == whole


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("paging", ["page=0", "page=x", "page_size=0", "page=10000001"])
def test_bad_paging_is_a_422_never_a_500(client, url, paging):
    data = get(client, f"{url}?{paging}", 422)
    assert isinstance(data["detail"], list) and data["detail"]


def test_a_page_far_past_the_end_is_empty_not_an_error(client, world):
    data = get(client, "/api/v1/submissions?page=1000000&page_size=500")
    assert data == {"items": [], "count": 4}


# --- Bad filters and unknown codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/reviews?state=ZZZ", "Unknown State “ZZZ”."),
        ("/api/v1/reviews?phase=5", "Unknown phase “5”; use 1, 2, 3 or 4."),
        ("/api/v1/reviews?phase=²", "Unknown phase “²”; use 1, 2, 3 or 4."),
        ("/api/v1/reviews?cluster=V", "Unknown cluster “V”."),
        ("/api/v1/reviews?current=yes", "“current” must be true or false, not “yes”."),
        ("/api/v1/reviews?region=mars", "Unknown regional group “mars”."),
        ("/api/v1/reviews?group=7", "Review group must be 1, 2, 3 or “unknown”, not “7”."),
        ("/api/v1/reviews?stage=bogus", "Unknown stage “bogus”."),
        ("/api/v1/stage-events?stage=started", "Unknown stage “started”."),
        ("/api/v1/stage-events?state=nowhere", "Unknown State “NOWHERE”."),
        ("/api/v1/stage-events?phase=0", "Unknown phase “0”; use 1, 2, 3 or 4."),
        ("/api/v1/recommendations?addressee=king", "Unknown addressee “king”."),
        ("/api/v1/recommendations?priority=urgent", "Unknown priority “urgent”."),
        ("/api/v1/recommendations?state=ZZZ", "Unknown State “ZZZ”."),
        (
            "/api/v1/recommendations?article=untoc-²",
            "Unknown article “untoc-²”; write it like untoc-5.",
        ),
        (
            "/api/v1/submissions?article=untoc-²",
            "Unknown article “untoc-²”; write it like untoc-5.",
        ),
        ("/api/v1/organizations?country=ZZZ", "Unknown country “ZZZ”."),
        ("/api/v1/states?region=mars", "Unknown regional group “mars”."),
        ("/api/v1/articles?cluster=V", "Unknown cluster “V”; use I, II, III, IV or none."),
        ("/api/v1/reviews?state=" + "x" * 201, "The value of “state” is not valid."),
    ],
)
def test_a_filter_that_names_nothing_is_a_400_with_the_reason(client, url, detail):
    assert get(client, url, 400) == {"detail": detail}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clusters/V",
        "/api/v1/regional-groups/mars",
        "/api/v1/states/AFG/reviews/1",  # review group unknown: no reviews
        "/api/v1/states/NGA/reviews/5",
        "/api/v1/states/NGA/reviews/0",
        "/api/v1/states/ZZZ/reviews/1",
        "/api/v1/stage-events/999999",
        "/api/v1/experts/00000000-0000-0000-0000-000000000000",
        "/api/v1/experts/not-a-uuid",
        "/api/v1/organizations/ul66-unlisted",
        "/api/v1/organizations/pd31-pending",
        "/api/v1/instruments/untoc/articles/99999999999999999999",
    ],
)
def test_an_unknown_or_unlisted_id_is_a_404(client, world, url):
    assert get(client, url, 404) == {"detail": "Not Found"}


# --- Reference ----------------------------------------------------------------------------------


def test_clusters(client):
    clusters = everything(client, "/api/v1/clusters")
    assert [(c["numeral"], c["review_order"]) for c in clusters] == [
        ("I", 1),
        ("IV", 2),
        ("III", 3),
        ("II", 4),
    ]
    first = clusters[0]
    assert first["name"] == "Criminalization and jurisdiction"
    assert "untoc-5" in first["articles"] and "som-6" in first["articles"]
    assert len(first["articles"]) == 15
    assert first["url"] == "/clusters/#cluster-I"
    assert get(client, "/api/v1/clusters/I") == first
    assert (
        sum(len(c["articles"]) for c in clusters) == Article.objects.exclude(cluster=None).count()
    )


def test_regional_groups(client):
    groups = everything(client, "/api/v1/regional-groups")
    assert [g["code"] for g in groups] == list(
        RegionalGroup.objects.order_by("name").values_list("code", flat=True)
    )
    african = get(client, "/api/v1/regional-groups/african")
    assert "NGA" in african["states"] and "MEX" not in african["states"]
    assert african["states"] == list(
        State.objects.filter(regional_group__code="african")
        .order_by("name")
        .values_list("code", flat=True)
    )
    assert african["url"] == "/states/?region=african"
    assert get(client, african["url"].replace("/states/", "/api/v1/states"))["count"] == len(
        african["states"]
    )


# --- Country reviews and stage events -----------------------------------------------------------


def test_reviews_of_one_state_with_their_events_and_derived_stage(client, world):
    reviews = everything(client, "/api/v1/reviews?state=nga")
    assert [(r["state"], r["phase"], r["cluster"]["numeral"]) for r in reviews] == [
        ("NGA", 1, "I"),
        ("NGA", 2, "IV"),
        ("NGA", 3, "III"),
        ("NGA", 4, "II"),
    ]
    first = reviews[0]
    assert first["progress"] == "experts"
    assert first["events"] == [
        {
            "stage": "focal_point",
            "date": "2020-11-20",
            "note": "Note verbale.",
            "sources": ["https://example.org/event"],
            "confidence": "M",
            "is_demo": False,
        },
        {
            "stage": "experts",
            "date": "2020-12-10",
            "note": "",
            "sources": ["https://example.org/event"],
            "confidence": "M",
            "is_demo": False,
        },
    ]
    assert first["milestones"][0]["observed"] == "2020-11-20"
    assert first["url"] == "/states/NGA/#phase-1"
    assert [f["name"] for f in first["focal_points"]] == ["Amina Public Focal"]
    # The one the tracker shows as current: the latest phase that has started (the
    # fourth, since 1 November 2026).
    state = get(client, "/api/v1/states/NGA")
    assert [r["is_current"] for r in reviews] == [False, False, False, True]
    assert reviews[3]["progress"] == state["progress"] == "started"
    # The detail is the same review, and the State page's section.
    assert get(client, "/api/v1/states/nga/reviews/1") == first
    assert {k: v for k, v in first.items() if k in state["reviews"][0]} == state["reviews"][0]


def test_review_filters(client, world):
    def keys(query):
        return [(r["state"], r["phase"]) for r in everything(client, f"/api/v1/reviews?{query}")]

    every = keys("")
    assert len(every) == CountryReview.objects.count()
    assert keys("phase=1&region=african") == sorted(
        (
            (r.state.code, 1)
            for r in CountryReview.objects.filter(
                phase__number=1, state__regional_group__code="african"
            ).select_related("state")
        ),
        key=lambda key: State.objects.get(code=key[0]).name,
    )
    assert set(keys("cluster=IV")) == {(s, 2) for s, p in every if p == 1}
    assert keys("stage=experts") == [("NGA", 1)]
    assert keys("stage=focal_point") == [("ARG", 1), ("ARG", 2)]
    assert keys("stage=focal_point&current=false") == [("ARG", 1), ("ARG", 2)]
    assert keys("stage=focal_point&current=true") == []
    assert keys("state=ARG&current=false") == [("ARG", 1), ("ARG", 2), ("ARG", 3)]
    assert keys("group=unknown") == []
    assert keys("instrument=som&state=NGA") == keys("state=NGA")
    current = keys("current=true")
    assert len(current) == len({s for s, _p in every})
    # current=true is the /states/ page's rows that have a review, in its order.
    states = [
        s["code"] for s in everything(client, "/api/v1/states") if s["progress"] != "group_unknown"
    ]
    assert [s for s, _p in current] == states


def test_restricted_focal_points_only_for_coordinators(client, coordinator, member, world):
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        for url in ("/api/v1/reviews?state=NGA", "/api/v1/states/NGA/reviews/1"):
            assert RESTRICTED_FOCAL not in client.get(url).content.decode()
    client.force_login(coordinator)
    first = get(client, "/api/v1/reviews?state=NGA")["items"][0]
    assert [(f["name"], f["visibility"]) for f in first["focal_points"]] == [
        ("Amina Public Focal", "public"),
        (RESTRICTED_FOCAL, "restricted"),
    ]


def test_stage_events(client, world):
    events = everything(client, "/api/v1/stage-events")
    assert [(e["state"], e["phase"], e["stage"], e["date"]) for e in events] == [
        ("ARG", 1, "focal_point", "2020-11-12"),
        ("NGA", 1, "focal_point", "2020-11-20"),
        ("NGA", 1, "experts", "2020-12-10"),
        ("ARG", 2, "focal_point", "2022-11-14"),
    ]
    nigeria = events[1]
    assert nigeria == {
        "id": world.events[0].pk,
        "state": "NGA",
        "group": 1,
        "phase": 1,
        "cluster": "I",
        "stage": "focal_point",
        "date": "2020-11-20",
        "note": "Note verbale.",
        "sources": ["https://example.org/event"],
        "confidence": "M",
        "is_demo": False,
        "review_url": "/states/NGA/#phase-1",
    }
    assert events[0]["is_demo"] is True
    assert get(client, f"/api/v1/stage-events/{nigeria['id']}") == nigeria

    def stages(query):
        found = everything(client, f"/api/v1/stage-events?{query}")
        return [(e["state"], e["phase"], e["stage"]) for e in found]

    assert stages("state=arg") == [("ARG", 1, "focal_point"), ("ARG", 2, "focal_point")]
    assert stages("stage=experts") == [("NGA", 1, "experts")]
    assert stages("region=african&phase=1") == [
        ("NGA", 1, "focal_point"),
        ("NGA", 1, "experts"),
    ]
    assert stages("cluster=IV") == [("ARG", 2, "focal_point")]
    assert stages("region=weog") == []
    assert len(events) == StageEvent.objects.count()


# --- Recommendations --------------------------------------------------------------------------


def test_recommendations_of_published_submissions_only(client, world):
    found = everything(client, "/api/v1/recommendations")
    public = world.public[::-1]  # newest submission first, as the submissions list
    assert [(r["submission"], r["number"]) for r in found] == [
        (s.reference, n) for s in public for n in range(1, s.recommendations.count() + 1)
    ]
    body = json.dumps(found)
    assert PRIVATE_TEXT not in body
    for submission in world.private:
        assert submission.reference not in body
    first = found[0]
    named = world.public[3]
    assert first == {
        "submission": named.reference,
        "submission_url": f"/submissions/{named.reference}/",
        "state": "PAK",
        "number": 1,
        "text": "PAK named authors: recommendation 1",
        "addressee": "state",
        "priority": "low",
        "articles": ["untoc-6"],
        "author": "Wv52 Open Institute (author: A hub member)",
        "tier": "attributed",
        "published_at": first["published_at"],
    }
    assert dt.datetime.fromisoformat(first["published_at"]).date() == dt.date(2026, 11, 29)
    # Each recommendation is the one on its submission's page and in its API entry.
    for rec in found:
        submission = get(client, f"/api/v1/submissions/{rec['submission']}")
        listed = submission["recommendations"][rec["number"] - 1]
        assert {k: rec[k] for k in listed} == listed
        assert rec["author"] == submission["author"] and rec["tier"] == submission["tier"]


def test_recommendations_name_authors_by_identity_tier(client, world):
    by_title = {r["text"].split(":")[0]: r for r in everything(client, "/api/v1/recommendations")}
    assert by_title["NGA attributed"]["author"] == "Kx93 Shielded Observatory"
    assert by_title["MEX coalition"]["author"] == "A coalition led by Wv52 Open Institute"
    shielded = by_title["NGA pseudonymous"]
    assert shielded["author"] == "A civil-society organization working in African States"
    assert shielded["tier"] == "pseudonymous"
    pseudonymous = client.get("/api/v1/recommendations?state=NGA&addressee=reviewers")
    body = pseudonymous.content.decode()
    assert json.loads(body)["count"] == 1
    for secret in ("Kx93", "kx93", "Ines", "@example.org", "/organizations/"):
        assert secret not in body, secret


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "state=NGA",
            ["NGA attributed 1", "NGA attributed 2", "NGA pseudonymous 1", "NGA pseudonymous 2"],
        ),
        ("state=mex", ["MEX coalition 1"]),
        ("state=FRA", []),
        ("article=untoc-5", ["NGA attributed 1", "NGA pseudonymous 2"]),
        ("article=tip-5", ["NGA pseudonymous 1", "NGA pseudonymous 2"]),
        ("article=untoc-6", ["PAK named authors 1"]),
        ("addressee=state", ["NGA attributed 1", "NGA pseudonymous 2", "PAK named authors 1"]),
        ("addressee=conference", ["MEX coalition 1"]),
        ("priority=high", ["NGA attributed 1", "NGA pseudonymous 2", "PAK named authors 2"]),
        ("priority=medium&addressee=reviewers", ["NGA pseudonymous 1"]),
        ("state=NGA&article=tip-5&priority=high", ["NGA pseudonymous 2"]),
        ("state=&article=&addressee=&priority=", None),
    ],
)
def test_recommendation_filters(client, world, query, expected):
    found = everything(client, f"/api/v1/recommendations?{query}")
    names = sorted(f"{r['text'].split(':')[0]} {r['number']}" for r in found)
    if expected is None:
        assert len(names) == 7
    else:
        assert names == sorted(expected)


# --- Organizations and experts --------------------------------------------------------------------


def test_only_listed_verified_organizations_and_published_experts(client, world):
    organizations = [o["slug"] for o in everything(client, "/api/v1/organizations")]
    assert organizations == ["kx93-shielded", "wv52-institute"]
    experts = everything(client, "/api/v1/experts")
    assert [e["name"] for e in experts] == ["Ana Also", "Paz Published"]
    assert get(client, f"/api/v1/experts/{experts[1]['id']}") == experts[1]
    hidden = world.experts[1]
    get(client, f"/api/v1/experts/{hidden.public_id}", 404)
    for url in LISTS:
        body = client.get(f"{url}?page_size=500").content.decode()
        for secret in (UNLISTED_ORG, HIDDEN_EXPERT, PRIVATE_TEXT, RESTRICTED_FOCAL):
            assert secret not in body, (url, secret)


# --- The description ----------------------------------------------------------------------------


def test_every_operation_has_a_summary_and_a_description(client):
    schema = get(client, "/api/v1/openapi.json")
    operations = {
        f"{method.upper()} {path}": op
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }
    assert len(operations) == 23
    for label, op in operations.items():
        assert op.get("summary", "").strip(), label
        assert len(op.get("description", "").strip()) >= 20, label
        assert op["tags"], label
        assert {"200", "422"} <= set(op["responses"]), label
        parameters = {p["name"]: p for p in op.get("parameters", [])}
        if "{" in label:
            assert "404" in op["responses"], label
        else:
            assert {"page", "page_size"} <= set(parameters), label
            assert set(op["responses"]["200"]["content"]["application/json"]["schema"]) == {"$ref"}
        filters = [p for p in parameters.values() if p["in"] == "query"]
        for parameter in filters:
            assert parameter.get("description"), (label, parameter["name"])
        if any(p["name"] not in ("page", "page_size") for p in filters):
            assert "400" in op["responses"], label
    # Every list answers the same envelope.
    for name, component in schema["components"]["schemas"].items():
        if name.startswith("Paged"):
            assert set(component["properties"]) == {"items", "count"}, name


# --- Report editions --------------------------------------------------------------------


def test_published_report_editions_are_listed_with_their_inputs(world):
    from django.test import Client

    ready, building = world.reports
    listed = Client().get("/api/v1/reports").json()
    assert [item["id"] for item in listed["items"]] == [ready.pk]
    assert listed["items"][0]["files"]["pdf"] == f"/reports/{ready.pk}.pdf"
    detail = Client().get(f"/api/v1/reports/{ready.pk}").json()
    assert {i["reference"] for i in detail["inputs"]} == {i.reference for i in ready.inputs.all()}
    assert Client().get(f"/api/v1/reports/{building.pk}").status_code == 404
    assert Client().get("/api/v1/reports?kind=bogus").status_code == 400
    assert Client().get("/api/v1/reports?kind=global").json()["count"] == 1
    assert Client().get("/api/v1/reports?kind=brief").json()["count"] == 0
