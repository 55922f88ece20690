from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from palermo.api.pagination import Mapped, Pages
from palermo.api.schemas import (
    ClusterRef,
    CountryReviewOut,
    DocumentOut,
    EventOut,
    FocalPointOut,
    MilestoneOut,
    ParticipationOut,
    ReviewerOut,
    ReviewOut,
    StageEventOut,
    StateDetailOut,
    StateOut,
    listing,
    one,
)
from palermo.reference.enums import ParticipationStatus
from palermo.reference.models import State
from palermo.reviews import queries
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import Progress
from palermo.reviews.models import StageEvent

router = Router(tags=["review tracker"])


class StateFilter(Schema):
    region: str = Field("", description="A UN regional group code, e.g. `african`.")
    group: str = Field("", description="The review group: `1`, `2`, `3` or `unknown`.")
    instrument: str = Field("", description="An instrument code: States party to it.")
    stage: str = Field("", description="The derived stage of the current review, e.g. `started`.")


def _participation_codes(participations: dict) -> dict[str, str]:
    return {code: p.status for code, p in participations.items()}


def state_out(row: queries.StateRow) -> dict:
    state = row.state
    return {
        "code": state.code,
        "is_iso_code": state.is_iso_code,
        "name": state.name,
        "kind": state.kind,
        "regional_group": state.regional_group.code if state.regional_group else None,
        "review_group": row.group_number,
        "progress": row.progress.value,
        "overdue_days": row.current.status.overdue_days if row.current else None,
        "participation": _participation_codes(row.participations),
        "url": state.get_absolute_url(),
        "has_demo": row.has_demo,
    }


@router.get(
    "/states",
    response=listing(StateOut),
    summary="List States with their current review stage",
    description="Every State (and the European Union) by name, with its current review's "
    "derived stage. Same filters as the /states/ page: `region` (regional group code), "
    "`group` (1, 2, 3 or unknown), `instrument` (States party to it), `stage` (derived "
    "progress of the current review).",
)
@paginate(Pages)
def list_states(request, filters: Query[StateFilter]):
    try:
        parsed = queries.parse_state_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return Mapped(queries.state_rows(filters=parsed, today=review_today()), state_out)


def _review_fields(view: queries.ReviewView, focal_points: list) -> dict:
    review, status = view.review, view.status
    cluster = review.phase.cluster
    nxt = status.next_milestone
    return dict(
        group=review.phase.group.number,
        phase=review.phase.number,
        cluster=ClusterRef(
            numeral=cluster.numeral, name=cluster.name, name_confidence=cluster.name_confidence
        ),
        expected_start=review.phase.expected_start,
        expected_end=review.phase.expected_end,
        dates_derived=review.phase.is_derived,
        progress=status.progress.value,
        overdue_days=status.overdue_days,
        next_stage=nxt.stage.value if nxt else None,
        next_expected=nxt.expected if nxt else None,
        milestones=[
            MilestoneOut(
                stage=m.stage.value,
                expected=m.expected,
                expected_is_projected=m.expected_is_projected,
                observed=m.observed,
                late_days=m.late_days,
                source=m.event.source_urls if m.event else [],
                is_demo=bool(m.event and m.event.is_demo),
            )
            for m in status.milestones
        ],
        reviewers=[
            ReviewerOut(
                instrument=r.instrument.code,
                reviewing_state=r.reviewing_state.code,
                sources=r.source_urls,
                is_demo=r.is_demo,
            )
            for r in review.reviewers.all()
        ],
        focal_points=[
            FocalPointOut(
                name=f.name,
                position=f.position,
                email=f.email,
                phone=f.phone,
                visibility=f.visibility,
                is_demo=f.is_demo,
            )
            for f in focal_points
        ],
        documents=[
            DocumentOut(
                kind=d.kind,
                title=d.title,
                url=d.url,
                language=d.language,
                date=d.date,
                is_demo=d.is_demo,
            )
            for d in review.documents.all()
        ],
    )


def review_out(view: queries.ReviewView, focal_points: list) -> ReviewOut:
    return ReviewOut(**_review_fields(view, focal_points))


@router.get(
    "/states/{code}",
    response=one(StateDetailOut),
    summary="One State with its participation and reviews",
    description="A State by its code (either case), as on its page /states/{code}/: its "
    "participation in each instrument and every review phase with milestones, reviewing "
    "States, focal points and documents. Restricted focal-point contacts are included "
    "only for coordinators.",
)
def get_state(request, code: str):
    try:
        detail = queries.state_detail(code=code, user=request.user, today=review_today())
    except State.DoesNotExist:
        raise Http404 from None
    state = detail.state
    row = queries.StateRow(
        state=state,
        participations={p.instrument.code: p for _, p in detail.statuses if p},
        reviews=detail.reviews,
        current=detail.current,
    )
    return {
        **state_out(row),
        "has_demo": detail.has_demo,
        "regional_group_confidence": state.regional_group_confidence or None,
        "participations": [
            ParticipationOut(
                instrument=instrument.code,
                status=p.status if p else ParticipationStatus.UNKNOWN.value,
                action=p.action or None if p else None,
                date=p.date if p else None,
                date_precision=p.date_precision if p and p.date else None,
                as_of=p.as_of or None if p else None,
                sources=p.source_urls if p else [],
                confidence=p.confidence if p else None,
            )
            for instrument, p in detail.statuses
        ],
        "reviews": [
            review_out(v, detail.focal_points.get(v.review.pk, [])) for v in detail.reviews
        ],
        "progress": (
            detail.current.status.progress if detail.current else Progress.GROUP_UNKNOWN
        ).value,
    }


# --- Country reviews and stage events ------------------------------------------------------


def event_fields(event: StageEvent) -> dict:
    return dict(
        stage=event.stage,
        date=event.date,
        note=event.note,
        sources=event.source_urls,
        confidence=event.confidence,
        is_demo=event.is_demo,
    )


def country_review_out(row: queries.ReviewRow) -> CountryReviewOut:
    review = row.view.review
    return CountryReviewOut(
        **_review_fields(row.view, review.visible_focal_points),
        state=row.state.code,
        state_name=row.state.name,
        is_current=row.is_current,
        events=[EventOut(**event_fields(e)) for e in review.events.all()],
        url=review.get_absolute_url(),
    )


class ReviewFilter(StateFilter):
    stage: str = Field("", description="The review's derived stage, e.g. `self_assessment`.")
    state: str = Field("", description="A State code, e.g. `NGA`.")
    phase: str = Field("", description="The phase: `1`, `2`, `3` or `4`.")
    cluster: str = Field("", description="The cluster the phase reviews: I, II, III or IV.")
    current: str = Field(
        "",
        description="`true`: only each State's current review, the one the /states/ page "
        "shows; `false`: only the others.",
    )


@router.get(
    "/reviews",
    response=listing(CountryReviewOut),
    summary="List country reviews with their derived stage",
    description="One State's review in one phase, by State name then phase: expected "
    "dates, recorded stage events, the derived stage (`progress`) and delays, reviewing "
    "States, focal points and documents, as on the State's page. The tracker's filters "
    "(`region`, `group`, `instrument`, `stage`) and `state`, `phase`, `cluster`, "
    "`current`. `stage` is each review's own derived stage; with `current=true` the "
    "list matches the /states/ page. States whose review group is unknown have no "
    "reviews. Restricted focal-point contacts are included only for coordinators.",
)
@paginate(Pages)
def list_reviews(request, filters: Query[ReviewFilter]):
    try:
        parsed = queries.parse_review_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    rows = queries.country_reviews(filters=parsed, user=request.user, today=review_today())
    return Mapped(rows, country_review_out)


@router.get(
    "/states/{code}/reviews/{phase}",
    response=one(CountryReviewOut),
    summary="One country review",
    description="A State's review in one phase (1 to 4), the section #phase-{phase} of the "
    "State's page. Not found for a State whose review group is unknown.",
)
def get_review(request, code: str, phase: int):
    try:
        filters = queries.parse_review_filters({"state": code, "phase": str(phase)})
    except queries.FilterError:
        raise Http404 from None
    rows = queries.country_reviews(filters=filters, user=request.user, today=review_today())
    if not rows:
        raise Http404
    return country_review_out(rows[0])


class EventFilter(Schema):
    state: str = Field("", description="A State code, e.g. `NGA`.")
    region: str = Field("", description="A UN regional group code, e.g. `african`.")
    stage: str = Field("", description="A stage, e.g. `focal_point` or `self_assessment`.")
    phase: str = Field("", description="The phase: `1`, `2`, `3` or `4`.")
    cluster: str = Field("", description="The cluster the phase reviews: I, II, III or IV.")


def stage_event_out(event: StageEvent) -> StageEventOut:
    review = event.review
    return StageEventOut(
        **event_fields(event),
        id=event.pk,
        state=review.state.code,
        group=review.phase.group.number,
        phase=review.phase.number,
        cluster=review.phase.cluster.numeral,
        review_url=review.get_absolute_url(),
    )


@router.get(
    "/stage-events",
    response=listing(StageEventOut),
    summary="List recorded stage events",
    description="What was observed in the reviews (a focal point appointed, a "
    "self-assessment submitted, …), oldest first, each with its date, sources and "
    "confidence: the events of the State pages, calendars and feeds. Filters: `state`, "
    "`region`, `stage`, `phase`, `cluster`.",
)
@paginate(Pages)
def list_stage_events(request, filters: Query[EventFilter]):
    try:
        parsed = queries.parse_event_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return Mapped(queries.stage_event_list(parsed), stage_event_out)


@router.get(
    "/stage-events/{event_id}",
    response=one(StageEventOut),
    summary="One recorded stage event",
    description="A stage event by the `id` the list gives.",
)
def get_stage_event(request, event_id: int):
    event = queries.stage_event_list(queries.EventFilters()).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return stage_event_out(event)
