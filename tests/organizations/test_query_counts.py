"""The registry and the network of experts run a fixed number of queries, however many
organizations or experts there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from palermo.organizations.enums import MemberRole
from palermo.organizations.models import ExpertProfile, Membership
from palermo.reference.models import Article, Instrument, RegionalGroup, State, Topic
from tests.organizations.helpers import make_organization, make_user, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

URLS = [
    "/organizations/",
    "/organizations/?country=NGA",
    "/organizations/?instrument=untoc&expertise=cocaine-trade",
    "/api/v1/organizations",
    "/experts/",
    "/experts/?expertise=cocaine-trade",
    "/api/v1/experts",
]


class Population:
    """Adds verified, listed organizations and published experts, each tied to several
    countries, regions, topics and instruments."""

    def __init__(self, django_user_model):
        self.users = django_user_model
        self.count = 0
        self.states = list(State.objects.filter(code__in=["NGA", "MEX", "ITA", "KEN"]))
        self.topics = list(
            Topic.objects.filter(code__in=["cocaine-trade", "human-smuggling", "arms-trafficking"])
        )
        self.instruments = list(Instrument.objects.all())
        self.regions = list(RegionalGroup.objects.all()[:3])
        self.articles = list(Article.objects.all()[:3])
        assert len(self.states) == 4 and len(self.topics) == 3 and len(self.instruments) == 4

    def grow_to(self, total: int) -> None:
        while self.count < total:
            self.count += 1
            n = self.count
            organization = make_organization(f"Org {n:03}", slug=f"org-{n:03}")
            organization.headquarters = self.states[n % 4]
            organization.languages = ["en", "fr"]
            organization.save()
            organization.countries.set(self.states)
            organization.regions.set(self.regions)
            organization.topics.set(self.topics)
            organization.instruments.set(self.instruments)
            organization.articles.set(self.articles)
            user = make_user(self.users, f"expert-{n:03}@example.org", verified_address=False)
            expert = ExpertProfile.objects.create(
                user=user,
                name=f"Expert {n:03}",
                headline="Researcher",
                is_published=True,
                languages=["en", "es"],
            )
            expert.topics.set(self.topics)
            expert.instruments.set(self.instruments)
            expert.regions.set(self.regions)
            expert.articles.set(self.articles)


def queries_for(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), len(response.content)


@pytest.fixture
def verified_member(django_user_model, observatorio):
    """Signed-in people see the expert search form too (more context, same rule)."""
    user = make_user(django_user_model, "searcher@example.org")
    Membership.objects.create(organization=observatorio, user=user, role=MemberRole.MEMBER)
    return user


@pytest.mark.parametrize("who", ["visitor", "verified member"])
def test_lists_run_the_same_queries_for_3_and_30_rows(django_user_model, verified_member, who):
    browser = signed_in(verified_member if who == "verified member" else None)
    population = Population(django_user_model)

    population.grow_to(3)
    few = {url: queries_for(browser, url) for url in URLS}
    population.grow_to(30)
    many = {url: queries_for(browser, url) for url in URLS}

    assert {url: count for url, (count, _) in many.items()} == {
        url: count for url, (count, _) in few.items()
    }
    # …and the pages really did grow: the rows are there, not filtered away.
    for url in URLS:
        assert many[url][1] > few[url][1], url
