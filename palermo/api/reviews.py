from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from palermo.api.schemas import (
    ClusterRef,
    DocumentOut,
    FocalPointOut,
    MilestoneOut,
    ParticipationOut,
    ReviewerOut,
    ReviewOut,
    StateDetailOut,
    StateOut,
)
from palermo.reference.enums import ParticipationStatus
from palermo.reference.models import State
from palermo.reviews import queries
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import Progress

router = Router(tags=["review tracker"])


class StateFilter(Schema):
    region: str = ""
    group: str = ""
    instrument: str = ""
    stage: str = ""


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
    response=list[StateOut],
    summary="List States with their current review stage",
    description="Same filters as the /states/ page: `region` (regional group code), `group` "
    "(1, 2, 3 or unknown), `instrument` (States party to it), `stage` (derived progress).",
)
def list_states(request, filters: Query[StateFilter]):
    try:
        parsed = queries.parse_state_filters(filters.dict())
    except queries.FilterError as error:
        raise HttpError(400, str(error)) from None
    return [state_out(row) for row in queries.state_rows(filters=parsed, today=review_today())]


def review_out(view: queries.ReviewView, focal_points: list) -> ReviewOut:
    review, status = view.review, view.status
    cluster = review.phase.cluster
    nxt = status.next_milestone
    return ReviewOut(
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


@router.get(
    "/states/{code}",
    response=StateDetailOut,
    summary="One State with its participation and reviews",
    description="Restricted focal-point contacts are included only for coordinators.",
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
