"""The submissions API: only what is public, authors named as they chose, the page's filters.

Submissions are made through the services and moved through the real workflow: an editor
asks for approval, another editor (or the owner) approves, a coordinator with a second
factor publishes.
"""

import datetime as dt
import json
import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from palermo.common.text import name_skeleton
from palermo.organizations.enums import MemberRole, OrganizationType, VerificationStatus
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.reviews.calendar import review_today
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus, Transition
from palermo.submissions.models import Submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Names that appear nowhere else: finding one in a response means it leaked.
MARKER = "Qx81 Hidden Collective"
MARKER_SLUG = "qx81-hidden-collective"
OTHER_NAME = "Wv52 Open Institute"
EDITOR_EMAIL = "qx81-editor@example.org"
OWNER_EMAIL = "qx81-owner@example.org"
REGION_TEXT = "A civil-society organization working in African States"

FIELDS = {
    "reference",
    "title",
    "summary",
    "law",
    "practice",
    "language",
    "state",
    "cluster",
    "instruments",
    "articles",
    "author",
    "tier",
    "recommendations",
    "sources",
    "published_at",
    "version",
    "url",
}


# --- Building submissions through the services ------------------------------------------------


def _article(code: str) -> Article:
    instrument, number = code.rsplit("-", 1)
    return Article.objects.get(instrument__code=instrument, number=int(number))


def _organization(name, slug, *, kind, headquarters, members):
    organization = Organization.objects.create(
        slug=slug,
        name=name,
        name_skeleton=name_skeleton(name),
        kind=kind,
        headquarters=State.objects.get(code=headquarters),
        verification_status=VerificationStatus.VERIFIED,
        is_listed=True,
    )
    for user, role in members.items():
        Membership.objects.create(organization=organization, user=user, role=role)
    return organization


class Workshop:
    """Writes submissions for an organization and moves them through the workflow."""

    def __init__(self, organization, editor, approver, coordinator):
        self.organization = organization
        self.editor = editor
        self.approver = approver
        self.coordinator = coordinator

    def _membership(self, user):
        return Membership.objects.filter(organization=self.organization, user=user).first()

    def _step(self, submission, action, by, note=""):
        return services.submission_transition(
            submission=submission,
            action=action,
            by=by,
            membership=self._membership(by),
            note=note,
        )

    def draft(
        self,
        title="Witness protection in practice",
        *,
        state="NGA",
        instruments=("untoc",),
        articles=("untoc-5",),
        cluster="I",
        language="en",
        tier=IdentityTier.ATTRIBUTED,
        show_authors=False,
        embargo_until=None,
    ) -> Submission:
        return services.submission_create(
            organization=self.organization,
            by=self.editor,
            data={
                "state": State.objects.get(code=state),
                "cluster": Cluster.objects.get(numeral=cluster) if cluster else None,
                "instruments": list(Instrument.objects.filter(code__in=instruments)),
                "articles": [_article(code) for code in articles],
                "title": title,
                "summary": f"Summary of: {title}",
                "law": "The penal code covers part of the article.",
                "practice": "Few cases reach court; court statistics for 2023.",
                "language": language,
                "tier": tier,
                "show_authors": show_authors,
                "embargo_until": embargo_until,
            },
            recommendations=[
                {
                    "text": "Adopt a specific offence.",
                    "addressee": "state",
                    "priority": "high",
                    "articles": [_article(code) for code in articles],
                },
                {
                    "text": "Publish court statistics.",
                    "addressee": "secretariat",
                    "priority": "low",
                },
            ],
            sources=[
                {
                    "title": "Annual report on prosecutions",
                    "url": "https://example.org/report-2023",
                    "date": dt.date(2023, 5, 1),
                    "kind": "report",
                },
                {"title": "Penal Code", "url": "", "date": None, "kind": "law"},
            ],
            form_token=uuid.uuid4().hex,
        ).submission

    def in_review(self, title="In internal review", **kwargs) -> Submission:
        return self._step(self.draft(title, **kwargs), Transition.REQUEST_REVIEW, self.editor)

    def submitted(self, title="Submitted", **kwargs) -> Submission:
        return self._step(self.in_review(title, **kwargs), Transition.APPROVE, self.approver)

    def published(self, title="Published", **kwargs) -> Submission:
        return self._step(self.submitted(title, **kwargs), Transition.PUBLISH, self.coordinator)

    def returned(self, title="Returned", **kwargs) -> Submission:
        return self._step(
            self.submitted(title, **kwargs), Transition.RETURN, self.coordinator, "Add sources."
        )

    def withdrawn(self, title="Withdrawn", **kwargs) -> Submission:
        return self._step(
            self.published(title, **kwargs), Transition.WITHDRAW, self.editor, "Withdrawn."
        )


def _user(django_user_model, email, **extra):
    user = django_user_model.objects.create_user(email=email, password="x", **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def editor(django_user_model):
    return _user(django_user_model, EDITOR_EMAIL, display_name="Ines Qx81")


@pytest.fixture
def owner(django_user_model):
    return _user(django_user_model, OWNER_EMAIL)


@pytest.fixture
def hidden(editor, owner, coordinator):
    """An NGO headquartered in Nigeria (African States), named with the marker."""
    organization = _organization(
        MARKER,
        MARKER_SLUG,
        kind=OrganizationType.NGO,
        headquarters="NGA",
        members={editor: MemberRole.EDITOR, owner: MemberRole.OWNER},
    )
    return Workshop(organization, editor, owner, coordinator)


@pytest.fixture
def academia(django_user_model, coordinator):
    """A university team in Mexico, with two editors (four eyes between editors)."""
    first = _user(django_user_model, "wv52-first@example.org")
    second = _user(django_user_model, "wv52-second@example.org")
    organization = _organization(
        OTHER_NAME,
        "wv52-open-institute",
        kind=OrganizationType.ACADEMIA,
        headquarters="MEX",
        members={first: MemberRole.EDITOR, second: MemberRole.EDITOR},
    )
    return Workshop(organization, first, second, coordinator)


def _references(client, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/submissions?{query}")
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def _page_references(client, query: str = "") -> list[str]:
    response = client.get(f"/submissions/?{query}")
    assert response.status_code == 200
    return re.findall(r'<h2><a href="/submissions/([^/"]+)/">', response.content.decode())


# --- Only what is public ------------------------------------------------------------------------


def test_only_published_submissions_past_their_embargo_are_listed(client, hidden):
    today = review_today()
    public = [
        hidden.published("Published, no embargo"),
        hidden.published("Embargo ended yesterday", embargo_until=today - dt.timedelta(days=1)),
        hidden.published("Embargo ends today", embargo_until=today),
    ]
    private = [
        hidden.draft("A draft"),
        hidden.in_review("In internal review"),
        hidden.submitted("Submitted"),
        hidden.returned("Returned"),
        hidden.withdrawn("Withdrawn after publication"),
        hidden.published("Embargoed", embargo_until=today + dt.timedelta(days=1)),
    ]
    assert [s.status for s in private] == [
        SubmissionStatus.DRAFT,
        SubmissionStatus.INTERNAL_REVIEW,
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.RETURNED,
        SubmissionStatus.WITHDRAWN,
        SubmissionStatus.PUBLISHED,
    ]

    data = client.get("/api/v1/submissions").json()
    assert data["count"] == 3
    # Newest publication first, as on the page.
    assert [item["reference"] for item in data["items"]] == [s.reference for s in public[::-1]]
    for submission in public:
        assert client.get(f"/api/v1/submissions/{submission.reference}").status_code == 200
    for submission in private:
        response = client.get(f"/api/v1/submissions/{submission.reference}")
        assert response.status_code == 404, submission.title
        assert response.json() == {"detail": "Not Found"}
        assert submission.title not in json.dumps(data)
    assert client.get("/api/v1/submissions/S-1999-0001").status_code == 404


def test_a_signed_in_member_sees_no_more_than_a_visitor(client, hidden):
    """The API is open data: even the authors do not get their drafts through it."""
    draft = hidden.draft("Our own draft")
    client.force_login(hidden.editor)
    assert client.get("/api/v1/submissions").json()["count"] == 0
    assert client.get(f"/api/v1/submissions/{draft.reference}").status_code == 404


def test_detail_fields(client, hidden):
    submission = hidden.published(
        "Participation in an organized criminal group",
        instruments=("untoc", "tip"),
        articles=("untoc-5", "tip-5"),
        language="fr",
    )
    data = client.get(f"/api/v1/submissions/{submission.reference}").json()
    assert set(data) == FIELDS
    published_at = data.pop("published_at")
    # JSON carries milliseconds (Django's encoder)
    expected = submission.published_at
    assert dt.datetime.fromisoformat(published_at) == expected.replace(
        microsecond=expected.microsecond // 1000 * 1000
    )
    assert data == {
        "reference": submission.reference,
        "title": "Participation in an organized criminal group",
        "summary": "Summary of: Participation in an organized criminal group",
        "law": "The penal code covers part of the article.",
        "practice": "Few cases reach court; court statistics for 2023.",
        "language": "fr",
        "state": "NGA",
        "cluster": "I",
        "instruments": ["untoc", "tip"],
        "articles": ["tip-5", "untoc-5"],
        "author": MARKER,  # attributed: the organization is named, as it chose
        "tier": "attributed",
        "recommendations": [
            {
                "text": "Adopt a specific offence.",
                "addressee": "state",
                "priority": "high",
                "articles": ["tip-5", "untoc-5"],
            },
            {
                "text": "Publish court statistics.",
                "addressee": "secretariat",
                "priority": "low",
                "articles": [],
            },
        ],
        "sources": [
            {
                "title": "Annual report on prosecutions",
                "url": "https://example.org/report-2023",
                "date": "2023-05-01",
                "kind": "report",
            },
            {"title": "Penal Code", "url": "", "date": None, "kind": "law"},
        ],
        "version": 1,
        "url": f"/submissions/{submission.reference}/",
    }
    listed = client.get("/api/v1/submissions").json()["items"]
    assert listed == [{**data, "published_at": published_at}]


# --- Authors are named as they chose -----------------------------------------------------------


def test_a_pseudonymous_submission_never_names_its_organization_or_people(client, hidden):
    submission = hidden.published("Shielded", tier=IdentityTier.PSEUDONYMOUS, show_authors=True)
    listed = client.get("/api/v1/submissions").content.decode()
    detail = client.get(f"/api/v1/submissions/{submission.reference}").content.decode()
    assert json.loads(detail)["author"] == REGION_TEXT
    assert json.loads(detail)["tier"] == "pseudonymous"
    organization = hidden.organization
    people = [hidden.editor, hidden.approver, hidden.coordinator]
    for body in (listed, detail):
        for secret in (
            MARKER,
            "Qx81",  # any part of the name
            MARKER_SLUG,
            "qx81",  # nor the slug, nor the people's addresses
            *(person.email for person in people),
            hidden.editor.display_name,
            f"/organizations/{organization.slug}/",
        ):
            assert secret.lower() not in body.lower(), secret
        assert '"organization' not in body
        assert '"created_by' not in body
        assert '"email' not in body


def test_coalition_and_named_authors(client, hidden, academia):
    coalition = hidden.published("Coalition", tier=IdentityTier.COALITION)
    named = hidden.published("Named", show_authors=True)
    unnamed_author = academia.published("No display name", show_authors=True)

    def author(submission):
        return client.get(f"/api/v1/submissions/{submission.reference}").json()["author"]

    assert author(coalition) == f"A coalition led by {MARKER}"
    assert author(named) == f"{MARKER} (author: Ines Qx81)"
    # An author without a display name is never named by their e-mail address.
    assert author(unnamed_author) == f"{OTHER_NAME} (author: A hub member)"
    body = client.get("/api/v1/submissions").content.decode()
    assert "@example.org" not in body


def test_without_a_known_region_the_pseudonym_names_none(client, hidden):
    Organization.objects.filter(pk=hidden.organization.pk).update(headquarters=None)
    submission = hidden.published("Nowhere", tier=IdentityTier.PSEUDONYMOUS)
    data = client.get(f"/api/v1/submissions/{submission.reference}").json()
    assert data["author"] == "A civil-society organization"


# --- The page's filters -----------------------------------------------------------------------


@pytest.fixture
def variety(hidden, academia):
    """Published submissions spread over States, instruments, articles, clusters,
    languages and organization types; plus a draft and an embargoed one that match
    every filter and must never show."""
    hidden.published("NGA untoc-5 en", articles=("untoc-5",), cluster="I")
    hidden.published(
        "NGA untoc+tip fr",
        instruments=("untoc", "tip"),
        articles=("untoc-5", "tip-5"),
        language="fr",
        tier=IdentityTier.PSEUDONYMOUS,
    )
    hidden.published("NGA no cluster es", articles=(), cluster=None, language="es")
    academia.published("MEX tip-3 en", state="MEX", instruments=("tip",), articles=("tip-3",))
    academia.published(
        "MEX firearms-9 II fr",
        state="MEX",
        instruments=("firearms",),
        articles=("firearms-9",),
        cluster="II",
        language="fr",
    )
    academia.published("PAK untoc-6 en", state="PAK", articles=("untoc-6",))
    for workshop in (hidden, academia):
        workshop.draft("Draft matching everything", instruments=("untoc", "tip"))
        workshop.published(
            "Embargoed matching everything",
            instruments=("untoc", "tip"),
            embargo_until=review_today() + dt.timedelta(days=30),
        )


FILTER_QUERIES = (
    "",
    "state=NGA",
    "state=mex",
    "state=PAK",
    "state=FRA",
    "instrument=tip",
    "instrument=firearms",
    "article=untoc-5",
    "article=tip-3",
    "article=untoc-41",
    "cluster=I",
    "cluster=II",
    "cluster=IV",
    "language=fr",
    "language=en",
    "type=academia",
    "type=ngo",
    "type=media",
    "state=NGA&instrument=tip&language=fr",
    "instrument=untoc&cluster=I&type=academia",
    "state=&instrument=&article=&cluster=&language=&type=",
)


def test_filters_give_the_same_submissions_as_the_page(client, variety):
    expected_counts = {"": 6, "state=NGA": 3, "instrument=tip": 2, "cluster=I": 4}
    for query in FILTER_QUERIES:
        api = _references(client, query)
        assert api == _page_references(client, query), query
        if query in expected_counts:
            assert len(api) == expected_counts[query], query
    assert _references(client, "state=NGA&instrument=tip&language=fr") != []


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("state=ZZZ", "Unknown State “ZZZ”."),
        ("instrument=nope", "Unknown instrument “nope”."),
        ("article=untoc-99", "Unknown article “untoc-99”; write it like untoc-5."),
        ("article=untoc5", "Unknown article “untoc5”; write it like untoc-5."),
        ("article=nope-5", "Unknown article “nope-5”; write it like untoc-5."),
        ("cluster=V", "Unknown cluster “V”."),
        ("language=xx", "Unknown language “xx”."),
        ("type=club", "Unknown organization type “club”."),
    ],
)
def test_a_bad_filter_is_a_400_with_the_reason(client, query, detail):
    response = client.get(f"/api/v1/submissions?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert client.get(f"/submissions/?{query}").status_code == 400  # as the page


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0"])
def test_bad_paging_is_refused_never_a_500(client, query):
    assert client.get(f"/api/v1/submissions?{query}").status_code == 422


# --- Paging and cost -----------------------------------------------------------------------------


def test_pagination(client, hidden):
    made = [hidden.published(f"Number {n}") for n in range(5)]
    newest_first = [s.reference for s in made[::-1]]
    pages = [
        client.get(f"/api/v1/submissions?page={page}&page_size=2").json() for page in (1, 2, 3, 4)
    ]
    assert [p["count"] for p in pages] == [5, 5, 5, 5]
    assert [[i["reference"] for i in p["items"]] for p in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:5],
        [],
    ]
    # 25 a page by default
    assert _references(client) == newest_first


def test_a_page_holds_25_by_default(client, hidden):
    made = [hidden.published(f"Number {n}") for n in range(27)]
    first, second = (client.get(f"/api/v1/submissions?page={n}").json() for n in (1, 2))
    assert first["count"] == second["count"] == 27
    assert len(first["items"]) == 25
    assert [i["reference"] for i in first["items"] + second["items"]] == [
        s.reference for s in made[::-1]
    ]


def _varied(workshops, start: int, stop: int) -> None:
    """Submissions that exercise every lookup the output makes: each identity tier (with
    and without named authors, with and without a headquarters region), several
    instruments and articles, recommendations with articles, sources."""
    tiers = [
        (IdentityTier.ATTRIBUTED, False),
        (IdentityTier.ATTRIBUTED, True),
        (IdentityTier.COALITION, False),
        (IdentityTier.PSEUDONYMOUS, False),
    ]
    for n in range(start, stop):
        tier, show_authors = tiers[n % len(tiers)]
        workshops[n % len(workshops)].published(
            f"Varied {n}",
            instruments=("untoc", "tip"),
            articles=("untoc-5", "tip-5") if n % 2 else ("untoc-6",),
            cluster="I" if n % 3 else None,
            tier=tier,
            show_authors=show_authors,
        )


def _queries(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.json()


def test_query_count_does_not_grow_with_the_submissions(client, hidden, academia):
    workshops = [hidden, academia]
    _varied(workshops, 0, 3)
    few, data = _queries(client, "/api/v1/submissions")
    assert data["count"] == 3
    _varied(workshops, 3, 20)
    many, data = _queries(client, "/api/v1/submissions")
    assert data["count"] == 20 and len(data["items"]) == 20
    assert few == many, (few, many)
    assert {item["tier"] for item in data["items"]} == {
        IdentityTier.ATTRIBUTED,
        IdentityTier.COALITION,
        IdentityTier.PSEUDONYMOUS,
    }
    # Filtered lists and one submission cost a fixed, small number too.
    filtered, data = _queries(client, "/api/v1/submissions?article=untoc-5&instrument=tip")
    assert data["count"] == 10 and filtered <= many + 3
    detail, _data = _queries(client, f"/api/v1/submissions/{data['items'][0]['reference']}")
    assert detail <= many


# --- Documentation --------------------------------------------------------------------------------


def test_openapi_lists_the_operations_with_summaries(client):
    schema = client.get("/api/v1/openapi.json").json()
    listing = schema["paths"]["/api/v1/submissions"]["get"]
    detail = schema["paths"]["/api/v1/submissions/{reference}"]["get"]
    assert listing["summary"] == "List published civil-society submissions"
    assert detail["summary"] == "One published civil-society submission"
    assert listing["tags"] == detail["tags"] == ["submissions"]
    parameters = {p["name"] for p in listing["parameters"]}
    assert parameters == {
        "state",
        "instrument",
        "article",
        "cluster",
        "language",
        "type",
        "page",
        "page_size",
    }
    assert listing["description"] and detail["description"]
    # The output schema has no field that could name an organization or a person.
    out = schema["components"]["schemas"]["SubmissionOut"]["properties"]
    assert set(out) == FIELDS


def test_an_anonymous_submission_names_nobody(client, hidden, coordinator):
    """Sent without an account (/submit/), published by a coordinator: no organization."""
    anonymous = pytest.importorskip("palermo.submissions.anonymous")
    submission, _passphrase = anonymous.anonymous_submit(
        data={
            "state": State.objects.get(code="NGA"),
            "cluster": Cluster.objects.get(numeral="I"),
            "instruments": list(Instrument.objects.filter(code="untoc")),
            "articles": [_article("untoc-5")],
            "title": "Sent without an account",
            "summary": "Summary.",
            "law": "",
            "practice": "",
            "language": "en",
            "embargo_until": None,
        },
        recommendations=[],
        sources=[],
        form_token=uuid.uuid4().hex,
    )
    services.submission_transition(
        submission=submission, action=Transition.PUBLISH, by=coordinator, membership=None
    )
    hidden.published("Named")
    data = client.get(f"/api/v1/submissions/{submission.reference}").json()
    assert data["author"] == "An anonymous civil-society source"
    assert data["tier"] == "anonymous"
    assert _references(client) == _page_references(client)
    assert submission.reference in _references(client)
    assert submission.reference not in _references(client, "type=ngo")
