"""API schemas. Field names follow the models; derived values are named as such."""

import datetime as dt
from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """A 400 (a filter that names nothing) or a 404 (an unknown code or reference)."""

    detail: str


class ValidationErrorOut(Schema):
    """A 422: a parameter of the wrong type, e.g. `page=x` (django-ninja's details)."""

    detail: list[dict[str, Any]]


def listing(item, *, filtered: bool = True) -> dict:
    """The responses of a list operation (paginated by palermo.api.pagination.Pages); a
    list with filters answers 400 to one that names nothing."""
    responses = {200: list[item], 422: ValidationErrorOut}
    return {**responses, 400: ErrorOut} if filtered else responses


def one(item) -> dict:
    """The responses of an operation that returns one object by its code or reference."""
    return {200: item, 404: ErrorOut, 422: ValidationErrorOut}


class SourcedOut(Schema):
    sources: list[str]
    confidence: str


class InstrumentOut(Schema):
    code: str
    abbreviation: str
    title: str
    adopted_by: str
    treaty_series: str
    article_count: int
    url: str
    sources: list[str]
    confidence: str


class ClusterRef(Schema):
    numeral: str
    name: str
    name_confidence: str


class ArticleOut(Schema):
    instrument: str
    number: int
    title: str
    url: str
    cluster: ClusterRef | None
    cluster_confidence: str | None
    cluster_sources: list[str]
    sources: list[str]
    confidence: str


class ParticipationOut(Schema):
    instrument: str
    status: str
    action: str | None
    date: dt.date | None
    date_precision: str | None
    as_of: str | None
    sources: list[str]
    confidence: str | None


class MilestoneOut(Schema):
    stage: str
    expected: dt.date | None
    expected_is_projected: bool
    observed: dt.date | None
    late_days: int | None
    source: list[str]
    is_demo: bool


class ReviewerOut(Schema):
    instrument: str
    reviewing_state: str
    sources: list[str]
    is_demo: bool


class FocalPointOut(Schema):
    name: str
    position: str
    email: str
    phone: str
    visibility: str
    is_demo: bool


class DocumentOut(Schema):
    kind: str
    title: str
    url: str
    language: str
    date: dt.date | None
    is_demo: bool


class ReviewOut(Schema):
    group: int
    phase: int
    cluster: ClusterRef
    expected_start: dt.date
    expected_end: dt.date
    dates_derived: bool
    progress: str
    overdue_days: int | None
    next_stage: str | None
    next_expected: dt.date | None
    milestones: list[MilestoneOut]
    reviewers: list[ReviewerOut]
    focal_points: list[FocalPointOut]
    documents: list[DocumentOut]


class StateOut(Schema):
    code: str
    is_iso_code: bool
    name: str
    kind: str
    regional_group: str | None
    review_group: int | None
    progress: str
    overdue_days: int | None
    participation: dict[str, str]
    url: str
    has_demo: bool


class StateDetailOut(StateOut):
    participations: list[ParticipationOut]
    reviews: list[ReviewOut]
    regional_group_confidence: str | None


class ClusterOut(Schema):
    numeral: str
    name: str
    review_order: int
    numeral_confidence: str
    name_confidence: str
    order_confidence: str
    is_confirmed: bool
    sources: list[str]
    note: str
    articles: list[str]
    url: str


class RegionalGroupOut(Schema):
    code: str
    name: str
    abbreviation: str
    states: list[str]
    url: str


class EventOut(Schema):
    stage: str
    date: dt.date
    note: str
    sources: list[str]
    confidence: str
    is_demo: bool


class CountryReviewOut(ReviewOut):
    state: str
    state_name: str
    is_current: bool
    events: list[EventOut]
    url: str


class StageEventOut(EventOut):
    id: int
    state: str
    group: int
    phase: int
    cluster: str
    review_url: str
