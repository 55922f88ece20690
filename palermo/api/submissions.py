"""Published civil-society submissions, as open data.

Only what the public /submissions/ pages show: published submissions past their embargo.
The authors are named only through `public_author` (the identity tier the organization
chose), never through the organization itself, and nothing identifies a person: no
e-mail address, no internal id.
"""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from palermo.api.pagination import Pages
from palermo.api.schemas import listing, one
from palermo.reviews.calendar import review_today
from palermo.submissions import queries
from palermo.submissions.identity import public_author
from palermo.submissions.models import Recommendation, Submission

router = Router(tags=["submissions"])


def _article_codes(articles) -> list[str]:
    return sorted(f"{a.instrument.code}-{a.number}" for a in articles)


class RecommendationOut(Schema):
    text: str
    addressee: str
    priority: str
    articles: list[str]

    @staticmethod
    def resolve_articles(recommendation):
        return _article_codes(recommendation.articles.all())


class SourceOut(Schema):
    title: str
    url: str
    date: dt.date | None
    kind: str


class SubmissionOut(Schema):
    """A published submission. `author` follows the identity tier; the lead organization
    is not otherwise part of the output."""

    reference: str
    title: str
    summary: str
    law: str
    practice: str
    language: str
    state: str
    cluster: str | None
    instruments: list[str]
    articles: list[str]
    author: str
    tier: str
    recommendations: list[RecommendationOut]
    sources: list[SourceOut]
    published_at: dt.datetime | None
    version: int
    url: str

    @staticmethod
    def resolve_state(submission):
        return submission.state.code

    @staticmethod
    def resolve_cluster(submission):
        return submission.cluster.numeral if submission.cluster_id else None

    @staticmethod
    def resolve_instruments(submission):
        return [i.code for i in submission.instruments.all()]

    @staticmethod
    def resolve_articles(submission):
        return _article_codes(submission.articles.all())

    @staticmethod
    def resolve_author(submission):
        return public_author(submission)

    @staticmethod
    def resolve_recommendations(submission):
        return list(submission.recommendations.all())

    @staticmethod
    def resolve_sources(submission):
        return list(submission.sources.all())

    @staticmethod
    def resolve_url(submission):
        return submission.get_absolute_url()


class SubmissionFilter(Schema):
    state: str = Field("", description="The code of the State under review, e.g. `NGA`.")
    instrument: str = Field("", description="An instrument code, e.g. `tip`.")
    article: str = Field("", description="An article, written like `untoc-5`.")
    cluster: str = Field("", description="A cluster numeral: I, II, III or IV.")
    language: str = Field("", description="The language of the submission, e.g. `fr`.")
    type: str = Field(
        "",
        description="The lead organization's type, e.g. `ngo`; only submissions that name "
        "their organization (attributed or coalition) match.",
    )


def _for_output(found: QuerySet[Submission]) -> QuerySet[Submission]:
    """Everything the output reads, in a fixed number of queries: what `public_author`
    needs (headquarters' region, the author when named) and the nested lists."""
    return found.select_related(
        "organization__headquarters__regional_group", "created_by"
    ).prefetch_related(
        Prefetch(
            "recommendations",
            queryset=Recommendation.objects.prefetch_related("articles__instrument"),
        ),
        "sources",
    )


@router.get(
    "/submissions",
    response=listing(SubmissionOut),
    summary="List published civil-society submissions",
    description="Published submissions past their embargo, newest first. Same filters as "
    "the /submissions/ page: `state` (code), `instrument` (code), `article` (like "
    "`untoc-5`), `cluster` (numeral), `language`, `type` (of the lead organization). "
    "Authors are named as they chose (identity tier).",
)
@paginate(Pages)
def list_submissions(request, filters: Query[SubmissionFilter]):
    try:
        parsed = queries.parse_submission_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return _for_output(queries.published_submissions(parsed, today=review_today()))


@router.get(
    "/submissions/{reference}",
    response=one(SubmissionOut),
    summary="One published civil-society submission",
    description="Not found unless the submission is published and past its embargo.",
)
def get_submission(request, reference: str):
    found = (
        _for_output(
            queries.published_submissions(queries.SubmissionFilters(), today=review_today())
        )
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- Recommendations ----------------------------------------------------------------------------


class PublishedRecommendationOut(RecommendationOut):
    """A recommendation of a public submission, citing it. Its authors are named as the
    submission's identity tier says, exactly as on the submission's page."""

    submission: str
    submission_url: str
    state: str
    number: int
    author: str
    tier: str
    published_at: dt.datetime | None

    @staticmethod
    def resolve_submission(recommendation):
        return recommendation.submission.reference

    @staticmethod
    def resolve_submission_url(recommendation):
        return recommendation.submission.get_absolute_url()

    @staticmethod
    def resolve_state(recommendation):
        return recommendation.submission.state.code

    @staticmethod
    def resolve_number(recommendation):
        return recommendation.position

    @staticmethod
    def resolve_author(recommendation):
        return public_author(recommendation.submission)

    @staticmethod
    def resolve_tier(recommendation):
        return recommendation.submission.tier

    @staticmethod
    def resolve_published_at(recommendation):
        return recommendation.submission.published_at


class RecommendationFilter(Schema):
    state: str = Field("", description="The code of the State under review, e.g. `NGA`.")
    article: str = Field(
        "", description="An article the recommendation names, written like `untoc-5`."
    )
    addressee: str = Field(
        "",
        description="To whom it is addressed: `state`, `reviewers`, `secretariat`, "
        "`conference` or `other`.",
    )
    priority: str = Field("", description="`high`, `medium` or `low`.")


@router.get(
    "/recommendations",
    response=listing(PublishedRecommendationOut),
    summary="List the recommendations of published submissions",
    description="Every recommendation of a published submission past its embargo, newest "
    "submission first, then in the submission's order; each cites its submission "
    "(`submission`, e.g. S-2026-0042) and names the authors as the submission's identity "
    "tier says. Filters: `state`, `article` (like `untoc-5`), `addressee`, `priority`.",
)
@paginate(Pages)
def list_recommendations(request, filters: Query[RecommendationFilter]):
    try:
        parsed = queries.parse_recommendation_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return queries.published_recommendations(parsed, today=review_today())
