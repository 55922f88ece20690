"""The public list of submissions and the coordinators' moderation queue: filters that
return exactly what they say, bad filters answered with a message, and a fixed number of
queries however many submissions there are."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from palermo.organizations.enums import MemberRole, OrganizationType
from palermo.reviews.calendar import review_today
from tests.organizations.helpers import make_organization
from tests.submissions.helpers import make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LISTED = re.compile(r'href="/submissions/(S-\d{4}-\d{4,})/"')


def listed(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content.decode()[:500])
    return sorted(LISTED.findall(response.content.decode()))


@pytest.fixture
def academia(org_owner):
    organization = make_organization(
        "Instituto Universitario", slug="instituto", members={org_owner: MemberRole.OWNER}
    )
    organization.kind = OrganizationType.ACADEMIA
    organization.save(update_fields=["kind"])
    return organization


@pytest.fixture
def population(observatorio, academia, org_editor, org_owner):
    """Four published submissions that differ in every filtered property, and four that
    must never be listed (draft, submitted, embargoed, withdrawn)."""

    def make(organization, by, **kwargs):
        return make_submission(organization, by, **kwargs)

    shown = {
        "A": make(
            observatorio,
            org_editor,
            status="published",
            state="NGA",
            instruments=("untoc",),
            articles=(("untoc", 5),),
            cluster="I",
            language="en",
        ),
        "B": make(
            academia,
            org_owner,
            status="published",
            state="MEX",
            instruments=("tip",),
            articles=(("tip", 3),),
            cluster=None,
            language="fr",
            tier="pseudonymous",
        ),
        "C": make(
            observatorio,
            org_editor,
            status="published",
            state="FRA",
            instruments=("untoc", "firearms"),
            articles=(("untoc", 23), ("firearms", 9)),
            cluster="II",
            language="es",
            tier="coalition",
        ),
        "D": make(
            academia,
            org_owner,
            status="published",
            state="NGA",
            instruments=("untoc",),
            articles=(("untoc", 6),),
            cluster="I",
            language="fr",
            show_authors=True,
        ),
    }
    hidden = {
        "draft": make(observatorio, org_editor, status="draft"),
        "submitted": make(observatorio, org_editor, status="submitted"),
        "embargoed": make(
            observatorio,
            org_editor,
            status="published",
            embargo_until=review_today() + dt.timedelta(days=1),
        ),
        "withdrawn": make(observatorio, org_editor, status="withdrawn"),
    }
    return shown, hidden


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "ABCD"),
        ("state=NGA", "AD"),
        ("state=nga", "AD"),
        ("state=MEX", "B"),
        ("state=ITA", ""),
        ("instrument=untoc", "ACD"),
        ("instrument=tip", "B"),
        ("instrument=firearms", "C"),
        ("instrument=som", ""),
        ("article=untoc-5", "A"),
        ("article=untoc-23", "C"),
        ("article=firearms-9", "C"),
        ("article=tip-3", "B"),
        ("article=untoc-2", ""),
        ("cluster=I", "AD"),
        ("cluster=II", "C"),
        ("cluster=IV", ""),
        ("language=fr", "BD"),
        ("language=es", "C"),
        ("language=ar", ""),
        # B is pseudonymous: the type filter never narrows down a shielded author.
        ("type=academia", "D"),
        ("type=ngo", "AC"),
        ("state=NGA&language=fr", "D"),
        ("instrument=untoc&type=ngo&cluster=I", "A"),
        ("state=NGA&instrument=tip", ""),
    ],
)
def test_filters_return_exactly_the_matching_published_submissions(population, query, expected):
    shown, hidden = population

    found = listed(Client(), f"/submissions/?{query}")

    assert found == sorted(shown[key].reference for key in expected)
    assert not {s.reference for s in hidden.values()} & set(found)


def test_an_empty_result_says_so(population):
    html = Client().get("/submissions/?state=ITA").content.decode()
    assert "No published submission matches." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=ZZZ", "Unknown State “ZZZ”."),
        ("state=NIGERIA", "Unknown State “NIGERIA”."),
        ("instrument=nope", "Unknown instrument “nope”."),
        ("article=untoc-999", "Unknown article “untoc-999”; write it like untoc-5."),
        ("article=untoc", "Unknown article “untoc”; write it like untoc-5."),
        ("article=untoc-five", "Unknown article “untoc-five”; write it like untoc-5."),
        ("article=untoc--5", "Unknown article “untoc--5”; write it like untoc-5."),
        ("article=nope-5", "Unknown article “nope-5”; write it like untoc-5."),
        ("cluster=IX", "Unknown cluster “IX”."),
        ("language=xx", "Unknown language “xx”."),
        ("type=cartel", "Unknown organization type “cartel”."),
    ],
)
def test_a_bad_filter_is_a_400_with_a_message(population, query, message):
    response = Client().get(f"/submissions/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "state=%3Cscript%3Ealert(1)%3C/script%3E",
        "article=%3Cscript%3Ealert(1)%3C/script%3E",
        "type=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
        "cluster=%00",
        "article=untoc-99999999999999999999999",
    ],
)
def test_hostile_filter_values_are_refused_and_escaped(population, query):
    response = Client().get(f"/submissions/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html


# --- Query counts ------------------------------------------------------------------------------


TIERS = [
    {"tier": "attributed"},
    {"tier": "attributed", "show_authors": True},
    {"tier": "coalition"},
    {"tier": "pseudonymous"},
]


def grow(observatorio, org_editor, *, status: str, total: int) -> None:
    from palermo.submissions.models import Submission

    count = Submission.objects.filter(status=status).count()
    while count < total:
        make_submission(
            observatorio,
            org_editor,
            status=status,
            title=f"Submission {count:03}",
            instruments=("untoc", "tip"),
            articles=(("untoc", 5), ("tip", 3)),
            **TIERS[count % len(TIERS)],
        )
        count += 1


def queries_for(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), len(LISTED.findall(response.content.decode()))


@pytest.mark.parametrize(
    "url",
    [
        "/submissions/",
        "/submissions/?instrument=untoc",
        "/submissions/?state=NGA&article=untoc-5",
    ],
)
def test_the_public_list_runs_the_same_queries_for_3_and_30(observatorio, org_editor, url):
    visitor = Client()

    grow(observatorio, org_editor, status="published", total=3)
    few, rows_few = queries_for(visitor, url)
    grow(observatorio, org_editor, status="published", total=30)
    many, rows_many = queries_for(visitor, url)

    assert (rows_few, rows_many) == (3, 25), "the rows are really there (one page of 25)"
    assert many == few, [q["sql"] for q in connection.queries[-many:]]


@pytest.mark.parametrize(
    "url", ["/coordination/submissions/", "/coordination/submissions/?state=NGA"]
)
def test_the_moderation_queue_runs_the_same_queries_for_3_and_30(
    observatorio, org_editor, client_as, url
):
    coordinator = client_as("coordinator")

    grow(observatorio, org_editor, status="submitted", total=3)
    few, rows_few = queries_for(coordinator, url)
    grow(observatorio, org_editor, status="submitted", total=30)
    many, rows_many = queries_for(coordinator, url)

    assert (rows_few, rows_many) == (3, 25)
    assert many == few


# --- The moderation queue ------------------------------------------------------------------------


@pytest.fixture
def queue(observatorio, org_editor):
    def make(status, state="NGA", cluster="I"):
        return make_submission(
            observatorio, org_editor, status=status, state=state, cluster=cluster
        )

    return {
        "submitted NGA I": make("submitted"),
        "submitted MEX IV": make("submitted", state="MEX", cluster="IV"),
        "submitted FRA none": make("submitted", state="FRA", cluster=None),
        "returned NGA I": make("returned"),
        "published MEX I": make("published", state="MEX"),
        "withdrawn NGA I": make("withdrawn"),
        "draft NGA I": make("draft"),
        "internal NGA I": make("internal_review"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["submitted NGA I", "submitted MEX IV", "submitted FRA none"]),
        ("status=submitted", ["submitted NGA I", "submitted MEX IV", "submitted FRA none"]),
        ("status=returned", ["returned NGA I"]),
        ("status=published", ["published MEX I"]),
        ("state=MEX", ["submitted MEX IV"]),
        ("state=mex", ["submitted MEX IV"]),
        ("cluster=IV", ["submitted MEX IV"]),
        ("cluster=I", ["submitted NGA I"]),
        ("status=published&state=MEX&cluster=I", ["published MEX I"]),
        ("state=ITA", []),
    ],
)
def test_the_moderation_queue_filters(queue, client_as, query, expected):
    found = listed(client_as("coordinator"), f"/coordination/submissions/?{query}")
    assert found == sorted(queue[key].reference for key in expected)


@pytest.mark.parametrize("status", ["draft", "internal_review", "nonsense"])
def test_the_moderation_queue_never_shows_drafts(queue, client_as, status):
    response = client_as("coordinator").get(f"/coordination/submissions/?status={status}")
    assert response.status_code == 400
    assert f"Unknown status “{status}”." in response.content.decode()


def test_the_moderation_queue_names_the_organization_of_a_pseudonymous_submission(
    observatorio, org_editor, client_as
):
    """Coordinators know who sent it; the public does not."""
    make_submission(observatorio, org_editor, status="submitted", tier="pseudonymous")
    html = client_as("coordinator").get("/coordination/submissions/").content.decode()
    assert observatorio.name in html


@pytest.mark.parametrize("role", ["outsider", "member", "editor", "owner"])
def test_the_moderation_queue_is_not_found_for_non_coordinators(queue, client_as, role):
    assert client_as(role).get("/coordination/submissions/").status_code == 404


def test_the_moderation_queue_sends_visitors_to_sign_in(queue):
    response = Client().get("/coordination/submissions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_coordinator_without_a_second_factor_is_sent_to_set_one_up(queue, client_as):
    response = client_as("coordinator_without_mfa").get("/coordination/submissions/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
