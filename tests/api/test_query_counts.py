"""The API lists run a fixed number of queries, however many rows there are: the same for
3 rows as for 30 (the pattern of tests/submissions/test_public_list.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from palermo.common.enums import Confidence
from palermo.reference.models import Instrument, State
from palermo.reviews.enums import Stage, Visibility
from palermo.reviews.models import (
    CountryReview,
    FocalPoint,
    ReviewDocument,
    Reviewer,
    StageEvent,
)
from palermo.submissions.enums import IdentityTier
from palermo.submissions.models import Recommendation
from tests.api.conftest import publish

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SOURCE = {"sources": "https://example.org/s", "confidence": Confidence.MEDIUM}
TIERS = [
    {"tier": IdentityTier.ATTRIBUTED},
    {"tier": IdentityTier.ATTRIBUTED, "show_authors": True},
    {"tier": IdentityTier.COALITION},
    {"tier": IdentityTier.PSEUDONYMOUS},
]


def queries_for(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured), response.json()


def record_on_reviews(total: int) -> None:
    """Every kind of record on `total` reviews: an event, a reviewer, a document and a
    public and a restricted focal point each."""
    instrument = Instrument.objects.get(code="untoc")
    reviewer = State.objects.get(code="FRA")
    reviews = CountryReview.objects.select_related("phase").order_by("state__name", "phase")
    for review in reviews[:total]:
        if StageEvent.objects.filter(review=review).exists():
            continue
        StageEvent.objects.create(
            review=review, stage=Stage.FOCAL_POINT, date=review.phase.expected_start, **SOURCE
        )
        Reviewer.objects.create(
            review=review, instrument=instrument, reviewing_state=reviewer, **SOURCE
        )
        ReviewDocument.objects.create(
            review=review,
            kind="other",
            title="Doc",
            url="https://example.org/d",
            language="en",
            **SOURCE,
        )
        for visibility in Visibility:
            FocalPoint.objects.create(
                review=review, name=f"FP {visibility}", visibility=visibility, **SOURCE
            )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reviews",
        "/api/v1/reviews?region=african&current=true",
        "/api/v1/reviews?stage=focal_point",
        "/api/v1/stage-events",
        "/api/v1/stage-events?stage=focal_point&phase=1",
        "/api/v1/states",
    ],
)
@pytest.mark.parametrize("who", ["visitor", "coordinator"])
def test_review_lists_run_the_same_queries_for_3_and_30_recorded_reviews(
    client, coordinator, url, who
):
    if who == "coordinator":  # sees restricted focal points too: another query path
        client.force_login(coordinator)
    record_on_reviews(3)
    few, data_few = queries_for(client, url)
    record_on_reviews(30)
    many, data_many = queries_for(client, url)
    assert many == few, (url, few, many)
    if url == "/api/v1/stage-events":
        assert (data_few["count"], len(data_many["items"])) == (3, 25)


def test_one_review_and_one_event_cost_the_same_with_more_records(client):
    record_on_reviews(1)
    event = StageEvent.objects.select_related("review__state", "review__phase").get()
    review_url = f"/api/v1/states/{event.review.state.code}/reviews/{event.review.phase.number}"
    few = [queries_for(client, url)[0] for url in (review_url, f"/api/v1/stage-events/{event.pk}")]
    for stage in list(Stage)[1:]:
        StageEvent.objects.create(review=event.review, stage=stage, date=event.date, **SOURCE)
    for n in range(5):
        FocalPoint.objects.create(
            review=event.review, name=f"More {n}", visibility="public", **SOURCE
        )
    many = [queries_for(client, url)[0] for url in (review_url, f"/api/v1/stage-events/{event.pk}")]
    assert many == few


@pytest.fixture
def authors(world):
    shielded = world.organizations["shielded"]
    institute = world.organizations["institute"]
    return [
        (shielded, shielded.memberships.get().user),
        (institute, institute.memberships.get().user),
    ]


def grow_recommendations(authors, total: int) -> None:
    """Published submissions of every identity tier until there are `total`
    recommendations, each naming articles."""
    n = 0
    while Recommendation.objects.filter(submission__status="published").count() < total:
        organization, by = authors[n % 2]
        publish(
            organization,
            by,
            f"Grown {n:02}",
            recommendations=(("state", "high", ("untoc-5", "tip-5")),),
            **TIERS[n % len(TIERS)],
        )
        n += 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/recommendations",
        "/api/v1/recommendations?article=untoc-5&priority=high",
        "/api/v1/recommendations?state=NGA&addressee=state",
    ],
)
def test_recommendations_run_the_same_queries_for_3_and_30(client, authors, url):
    Recommendation.objects.all().delete()  # start from none, whatever the world planted
    grow_recommendations(authors, 3)
    few, data_few = queries_for(client, url)
    grow_recommendations(authors, 30)
    many, data_many = queries_for(client, url)
    assert (data_few["count"], len(data_many["items"])) == (3, 25)
    assert {item["tier"] for item in data_many["items"]} == {
        "attributed",
        "coalition",
        "pseudonymous",
    }
    assert many == few, (url, few, many)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/instruments",
        "/api/v1/articles?page_size=500",
        "/api/v1/clusters",
        "/api/v1/regional-groups",
        "/api/v1/clusters/I",
        "/api/v1/regional-groups/african",
    ],
)
def test_reference_lists_cost_a_few_queries(client, url):
    count, _data = queries_for(client, url)
    assert count <= 4, (url, count)


def test_the_states_list_costs_the_same_for_every_page_size(client):
    few, data = queries_for(client, "/api/v1/states?page_size=3")
    many, data_all = queries_for(client, "/api/v1/states?page_size=500")
    assert (len(data["items"]), len(data_all["items"])) == (3, data_all["count"])
    assert many == few
