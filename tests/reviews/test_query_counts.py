"""List pages and API lists run a fixed number of queries, however many rows there are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from palermo.common.enums import Confidence
from palermo.reference.models import Instrument, Participation, RegionalGroup, State
from palermo.reviews.enums import Stage, Visibility
from palermo.reviews.models import (
    CountryReview,
    FocalPoint,
    GroupMembership,
    Phase,
    ReviewDocument,
    Reviewer,
    ReviewGroup,
    StageEvent,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
SOURCE = {"sources": "https://example.org/s", "confidence": Confidence.MEDIUM}


def add_states(count: int) -> None:
    group = ReviewGroup.objects.get(number=1)
    region = RegionalGroup.objects.get(code="african")
    instruments = list(Instrument.objects.all())
    phases = list(Phase.objects.filter(group=group))
    for i in range(count):
        state = State.objects.create(
            code=f"X{chr(65 + i // 26)}{chr(65 + i % 26)}",
            name=f"Synthetic {i}",
            kind="un_member",
            regional_group=region,
        )
        GroupMembership.objects.create(state=state, group=group, **SOURCE)
        for instrument in instruments:
            Participation.objects.create(
                state=state, instrument=instrument, status="party", **SOURCE
            )
        for phase in phases:
            review = CountryReview.objects.create(state=state, phase=phase)
            StageEvent.objects.create(
                review=review, stage=Stage.FOCAL_POINT, date=phase.expected_start, **SOURCE
            )


def add_records(code: str, count: int) -> None:
    reviews = list(CountryReview.objects.filter(state__code=code))
    reviewing = list(State.objects.exclude(code=code)[:count])
    instrument = Instrument.objects.get(code="untoc")
    for review in reviews:
        for i, stage in enumerate(list(Stage)[:count]):
            StageEvent.objects.get_or_create(
                review=review,
                stage=stage,
                defaults={"date": review.phase.expected_start + dt.timedelta(days=i), **SOURCE},
            )
        for i, other in enumerate(reviewing):
            Reviewer.objects.get_or_create(
                review=review, instrument=instrument, reviewing_state=other, defaults=SOURCE
            )
            ReviewDocument.objects.create(
                review=review,
                kind="other",
                title=f"Doc {i}",
                url="https://example.org/d",
                language="en",
                **SOURCE,
            )
            FocalPoint.objects.create(
                review=review, name=f"FP {i}", visibility=Visibility.PUBLIC, **SOURCE
            )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/states/",
        "/states/?region=african",
        "/api/v1/states",
        "/calendar.ics",
        "/api/v1/articles",
        "/instruments/untoc/",
        "/clusters/",
    ],
)
def test_list_queries_do_not_grow_with_states(client, url):
    before = count_queries(client, url)
    add_states(25)
    after = count_queries(client, url)
    assert after == before, f"{url}: {before} queries with 198 States, {after} with 223"


@pytest.mark.parametrize(
    "url",
    ["/states/NGA/", "/api/v1/states/NGA", "/states/NGA/calendar.ics", "/states/NGA/feed.atom"],
)
def test_state_queries_do_not_grow_with_its_records(client, url):
    add_records("NGA", 1)
    before = count_queries(client, url)
    add_records("NGA", 6)
    after = count_queries(client, url)
    assert after == before, f"{url}: {before} queries, then {after}"


def test_states_page_query_budget(client):
    assert count_queries(client, "/states/") <= 12
