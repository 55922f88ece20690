"""Published civil-society submissions, as open data.

Only what the public /submissions/ pages show: published submissions past their embargo.
The authors are named only through `public_author` (the identity tier the organization
chose), never through the organization itself, and nothing identifies a person: no
e-mail address, no internal id.
"""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

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
    state: str = ""
    instrument: str = ""
    article: str = ""
    cluster: str = ""
    language: str = ""
    type: str = ""


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
    response=list[SubmissionOut],
    summary="List published civil-society submissions",
    description="Published submissions past their embargo, newest first. Same filters as "
    "the /submissions/ page: `state` (code), `instrument` (code), `article` (like "
    "`untoc-5`), `cluster` (numeral), `language`, `type` (of the lead organization). "
    "Authors are named as they chose (identity tier).",
)
@paginate(PageNumberPagination, page_size=25)
def list_submissions(request, filters: Query[SubmissionFilter]):
    try:
        parsed = queries.parse_submission_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return _for_output(queries.published_submissions(parsed, today=review_today()))


@router.get(
    "/submissions/{reference}",
    response=SubmissionOut,
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
