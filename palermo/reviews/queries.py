"""Reads for the review tracker, shared by the HTML pages, the API and the feeds.

Each function runs a fixed number of queries whatever the number of States or events;
progress and delays are derived in Python from the prefetched events (calendar.py)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import QueryDict
from django.utils.translation import gettext as _

from palermo.common.filters import read_filter_values
from palermo.reference.enums import ParticipationStatus
from palermo.reference.models import Cluster, Instrument, Participation, RegionalGroup, State
from palermo.reviews.calendar import Milestone, ReviewStatus, review_status
from palermo.reviews.enums import Progress, Stage, Visibility
from palermo.reviews.models import CountryReview, FocalPoint, Phase, StageEvent
from palermo.reviews.permissions import can_see_restricted_focal_points


class FilterError(ValueError):
    """A filter value that names nothing; its message is shown to the user (400)."""


@dataclass(frozen=True)
class StateFilters:
    region: str = ""
    group: str = ""  # "1", "2", "3" or "unknown"
    instrument: str = ""  # States party to this instrument
    stage: str = ""  # a Progress value

    def is_empty(self) -> bool:
        return not (self.region or self.group or self.instrument or self.stage)


def parse_state_filters(params: QueryDict | dict) -> StateFilters:
    """Validate the tracker's filters; raise FilterError naming the bad one."""
    values = read_filter_values(params, ("region", "group", "instrument", "stage"), FilterError)
    if values["region"] and not RegionalGroup.objects.filter(code=values["region"]).exists():
        raise FilterError(_("Unknown regional group “%(value)s”.") % {"value": values["region"]})
    if values["group"] and values["group"] not in {"1", "2", "3", "unknown"}:
        raise FilterError(
            _("Review group must be 1, 2, 3 or “unknown”, not “%(value)s”.")
            % {"value": values["group"]}
        )
    if values["instrument"] and not Instrument.objects.filter(code=values["instrument"]).exists():
        raise FilterError(_("Unknown instrument “%(value)s”.") % {"value": values["instrument"]})
    if values["stage"] and values["stage"] not in Progress.values:
        raise FilterError(_("Unknown stage “%(value)s”.") % {"value": values["stage"]})
    return StateFilters(**values)


@dataclass
class ReviewView:
    review: CountryReview
    status: ReviewStatus

    @property
    def has_demo(self) -> bool:
        return any(getattr(m.event, "is_demo", False) for m in self.status.milestones)


@dataclass
class StateRow:
    state: State
    participations: dict[str, Participation]  # instrument code -> participation
    reviews: list[ReviewView] = field(default_factory=list)
    current: ReviewView | None = None

    @property
    def progress(self) -> Progress:
        return self.current.status.progress if self.current else Progress.GROUP_UNKNOWN

    @property
    def group_number(self) -> int | None:
        membership = getattr(self.state, "group_membership", None)
        return membership.group.number if membership else None

    @property
    def has_demo(self) -> bool:
        return bool(self.current and self.current.has_demo)


def _review_queryset() -> QuerySet[CountryReview]:
    return CountryReview.objects.select_related("phase__cluster", "phase__group").prefetch_related(
        Prefetch("events", queryset=StageEvent.objects.order_by("date"))
    )


def current_review(reviews: list[ReviewView], today: dt.date) -> ReviewView | None:
    """The review of the latest phase that has started; before any has, the first one."""
    if not reviews:
        return None
    ordered = sorted(reviews, key=lambda r: r.review.phase.number)
    started = [r for r in ordered if r.status.start <= today]
    return started[-1] if started else ordered[0]


def review_views(reviews, today: dt.date) -> list[ReviewView]:
    return [
        ReviewView(
            review=review,
            status=review_status(
                start=review.phase.expected_start, events=list(review.events.all()), today=today
            ),
        )
        for review in reviews
    ]


def state_rows(*, filters: StateFilters, today: dt.date) -> list[StateRow]:
    """Every State with its participation and current review, filtered. Four queries."""
    states = State.objects.select_related(
        "regional_group", "group_membership__group"
    ).prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("instrument")),
        Prefetch("reviews", queryset=_review_queryset()),
    )
    if filters.region:
        states = states.filter(regional_group__code=filters.region)
    if filters.group == "unknown":
        states = states.filter(group_membership__isnull=True)
    elif filters.group:
        states = states.filter(group_membership__group__number=int(filters.group))
    if filters.instrument:
        states = states.filter(
            participations__instrument__code=filters.instrument,
            participations__status=ParticipationStatus.PARTY,
        )
    rows = []
    for state in states.order_by("name"):
        views = review_views(state.reviews.all(), today)
        row = StateRow(
            state=state,
            participations={p.instrument.code: p for p in state.participations.all()},
            reviews=views,
            current=current_review(views, today),
        )
        if not filters.stage or row.progress == filters.stage:
            rows.append(row)
    return rows


def progress_counts(rows: list[StateRow]) -> list[tuple[Progress, int]]:
    counts = {progress: 0 for progress in Progress}
    for row in rows:
        counts[row.progress] += 1
    return [(progress, count) for progress, count in counts.items()]


@dataclass(frozen=True)
class Deadline:
    state: State
    review: CountryReview
    milestone: Milestone

    @property
    def date(self) -> dt.date:
        return self.milestone.expected


def deadlines(
    *, today: dt.date, state: State | None = None, upcoming_only: bool = True
) -> list[Deadline]:
    """Expected stage deadlines not yet met (by date), optionally for one State."""
    reviews = _review_queryset().select_related("state")
    if state is not None:
        reviews = reviews.filter(state=state)
    found = []
    for view in review_views(reviews, today):
        for milestone in view.status.milestones:
            if milestone.expected is None or milestone.observed:
                continue
            if upcoming_only and milestone.expected < today:
                continue
            found.append(Deadline(state=view.review.state, review=view.review, milestone=milestone))
    return sorted(found, key=lambda d: (d.date, d.state.name, d.milestone.stage.position))


@dataclass
class DeadlineGroup:
    """Deadlines falling on the same day for the same stage and cluster, e.g. every State
    of a group whose experts are due on the same date."""

    date: dt.date
    stage_label: str
    cluster: str
    states: list[State]


def grouped_deadlines(deadlines: list[Deadline], *, limit: int) -> list[DeadlineGroup]:
    groups: dict[tuple, DeadlineGroup] = {}
    for deadline in deadlines:
        key = (deadline.date, deadline.milestone.stage, deadline.review.phase.cluster.numeral)
        if key not in groups:
            if len(groups) == limit:
                break
            groups[key] = DeadlineGroup(
                date=deadline.date,
                stage_label=deadline.milestone.stage.label,
                cluster=key[2],
                states=[],
            )
        groups[key].states.append(deadline.state)
    return list(groups.values())


def instrument_statuses(state: State) -> list[tuple[Instrument, Participation | None]]:
    by_instrument = {p.instrument_id: p for p in state.participations.all()}
    return [
        (instrument, by_instrument.get(instrument.pk)) for instrument in Instrument.objects.all()
    ]


@dataclass
class StateDetail:
    state: State
    statuses: list[tuple[Instrument, Participation | None]]
    reviews: list[ReviewView]
    current: ReviewView | None
    focal_points: dict[int, list[FocalPoint]]  # review id -> visible focal points

    @property
    def has_demo(self) -> bool:
        return any(
            view.has_demo
            or any(r.is_demo for r in view.review.reviewers.all())
            or any(d.is_demo for d in view.review.documents.all())
            for view in self.reviews
        ) or any(fp.is_demo for fps in self.focal_points.values() for fp in fps)


def state_detail(*, code: str, user, today: dt.date) -> StateDetail:
    """One State for its page and API twin; raises State.DoesNotExist for an unknown code.
    Restricted focal points are left out unless `user` may see them."""
    state = (
        State.objects.select_related("regional_group", "group_membership__group")
        .prefetch_related("participations")
        .get(code=code.upper())
    )
    reviews = list(
        _review_queryset()
        .filter(state=state)
        .prefetch_related("reviewers__reviewing_state", "reviewers__instrument", "documents")
        .order_by("phase__number")
    )
    focal_points = FocalPoint.objects.filter(review__state=state)
    if not can_see_restricted_focal_points(user):
        focal_points = focal_points.filter(visibility=Visibility.PUBLIC)
    by_review: dict[int, list[FocalPoint]] = {}
    for focal_point in focal_points:
        by_review.setdefault(focal_point.review_id, []).append(focal_point)
    views = review_views(reviews, today)
    return StateDetail(
        state=state,
        statuses=instrument_statuses(state),
        reviews=views,
        current=current_review(views, today),
        focal_points=by_review,
    )


def stage_events(*, state: State | None = None) -> list[StageEvent]:
    """Recorded stage events for the calendars, oldest first."""
    events = StageEvent.objects.select_related("review__state", "review__phase__cluster")
    if state is not None:
        events = events.filter(review__state=state)
    return list(events.order_by("date", "id"))


def stage_events_feed(*, state: State, limit: int = 50) -> list[StageEvent]:
    return list(
        StageEvent.objects.filter(review__state=state)
        .select_related("review__phase__cluster")
        .order_by("-date", "-id")[:limit]
    )


# --- The open-data lists: country reviews and stage events (API) --------------------------


def _check_state(code: str) -> str:
    code = code.upper()
    if code and not State.objects.filter(code=code).exists():
        raise FilterError(_("Unknown State “%(value)s”.") % {"value": code[:20]})
    return code


def _check_phase(value: str) -> str:
    if value and not (
        value.isascii() and value.isdigit() and Phase.objects.filter(number=int(value)).exists()
    ):
        raise FilterError(_("Unknown phase “%(value)s”; use 1, 2, 3 or 4.") % {"value": value[:8]})
    return value


def _check_cluster(value: str) -> str:
    if value and not Cluster.objects.filter(numeral=value).exists():
        raise FilterError(_("Unknown cluster “%(value)s”.") % {"value": value[:8]})
    return value


@dataclass(frozen=True)
class ReviewFilters(StateFilters):
    """The tracker's filters (region, group, instrument, stage), read per review, and the
    review pages' own: one State, one phase, one cluster, only the current reviews."""

    state: str = ""
    phase: str = ""  # "1" to "4"
    cluster: str = ""  # a numeral
    current: str = ""  # "true": only each State's current review (as on /states/)


def parse_review_filters(params: QueryDict | dict) -> ReviewFilters:
    tracker = parse_state_filters(params)
    values = read_filter_values(params, ("state", "phase", "cluster", "current"), FilterError)
    if values["current"] not in {"", "true", "false"}:
        raise FilterError(
            _("“current” must be true or false, not “%(value)s”.")
            % {"value": values["current"][:8]}
        )
    return ReviewFilters(
        **vars(tracker),
        state=_check_state(values["state"]),
        phase=_check_phase(values["phase"]),
        cluster=_check_cluster(values["cluster"]),
        current=values["current"],
    )


@dataclass
class ReviewRow:
    state: State
    view: ReviewView
    is_current: bool


def country_reviews(*, filters: ReviewFilters, user, today: dt.date) -> list[ReviewRow]:
    """Country reviews with their derived stage, by State name then phase. Built on
    state_rows(), so the region, group and instrument filters and the current review are
    the tracker's own; `stage` is each review's derived progress. Restricted focal points
    are left out unless `user` may see them. A fixed number of queries."""
    tracker = StateFilters(
        region=filters.region, group=filters.group, instrument=filters.instrument
    )
    rows = []
    for state_row in state_rows(filters=tracker, today=today):
        if filters.state and state_row.state.code != filters.state:
            continue
        for view in sorted(state_row.reviews, key=lambda v: v.review.phase.number):
            phase = view.review.phase
            is_current = view is state_row.current
            if (
                (filters.phase and phase.number != int(filters.phase))
                or (filters.cluster and phase.cluster.numeral != filters.cluster)
                or (filters.stage and view.status.progress != filters.stage)
                or (filters.current == "true" and not is_current)
                or (filters.current == "false" and is_current)
            ):
                continue
            rows.append(ReviewRow(state=state_row.state, view=view, is_current=is_current))
    focal_points = FocalPoint.objects.all()
    if not can_see_restricted_focal_points(user):
        focal_points = focal_points.filter(visibility=Visibility.PUBLIC)
    prefetch_related_objects(
        [row.view.review for row in rows],
        "reviewers__reviewing_state",
        "reviewers__instrument",
        "documents",
        Prefetch("focal_points", queryset=focal_points, to_attr="visible_focal_points"),
    )
    return rows


@dataclass(frozen=True)
class EventFilters:
    state: str = ""
    region: str = ""
    stage: str = ""  # a Stage value
    phase: str = ""
    cluster: str = ""


def parse_event_filters(params: QueryDict | dict) -> EventFilters:
    values = read_filter_values(
        params, ("state", "region", "stage", "phase", "cluster"), FilterError
    )
    if values["region"] and not RegionalGroup.objects.filter(code=values["region"]).exists():
        raise FilterError(_("Unknown regional group “%(value)s”.") % {"value": values["region"]})
    if values["stage"] and values["stage"] not in Stage.values:
        raise FilterError(_("Unknown stage “%(value)s”.") % {"value": values["stage"]})
    return EventFilters(
        state=_check_state(values["state"]),
        region=values["region"],
        stage=values["stage"],
        phase=_check_phase(values["phase"]),
        cluster=_check_cluster(values["cluster"]),
    )


def stage_event_list(filters: EventFilters) -> QuerySet[StageEvent]:
    """Recorded stage events, oldest first (as the calendars), filtered. One query."""
    events = StageEvent.objects.select_related(
        "review__state", "review__phase__cluster", "review__phase__group"
    )
    if filters.state:
        events = events.filter(review__state__code=filters.state)
    if filters.region:
        events = events.filter(review__state__regional_group__code=filters.region)
    if filters.stage:
        events = events.filter(stage=filters.stage)
    if filters.phase:
        events = events.filter(review__phase__number=int(filters.phase))
    if filters.cluster:
        events = events.filter(review__phase__cluster__numeral=filters.cluster)
    return events.order_by("date", "id")
