"""The review mechanism's calendar: expected dates from the rules, and derived progress.

Nothing here is stored. Expected dates follow shared/reference/review_steps.csv:
focal point within 2 weeks of the start, experts within 4 weeks, the self-assessment within
6 months, written feedback within 6 months of receiving the self-assessment. Later stages
have no published deadline. The mechanism's clock is Vienna's: a deadline on day D is met
until the end of D in Vienna, and "today" is Vienna's date.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from palermo.reviews.enums import Progress, Stage


def review_zone() -> ZoneInfo:
    return ZoneInfo(settings.REVIEW_TIME_ZONE)


def review_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date on the mechanism's (Vienna) calendar."""
    return (now or timezone.now()).astimezone(review_zone()).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, clamped to the month's end (31 Aug + 6 = 28/29
    Feb), the usual reading of "within N months"."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expected_dates(
    start: dt.date, self_assessment_received: dt.date | None
) -> dict[Stage, dt.date | None]:
    self_assessment_due = add_months(start, 6)
    return {
        Stage.FOCAL_POINT: start + dt.timedelta(weeks=2),
        Stage.EXPERTS: start + dt.timedelta(weeks=4),
        Stage.SELF_ASSESSMENT: self_assessment_due,
        Stage.FEEDBACK: add_months(self_assessment_received or self_assessment_due, 6),
        Stage.OBSERVATIONS: None,
        Stage.SUMMARY: None,
        Stage.COMPLETED: None,
    }


@dataclass(frozen=True)
class Milestone:
    stage: Stage
    expected: dt.date | None
    # The feedback date counts from the self-assessment actually received when there is
    # one; before that it is projected from the expected self-assessment date.
    expected_is_projected: bool
    observed: dt.date | None
    event: object | None

    @property
    def late_days(self) -> int | None:
        if self.observed and self.expected and self.observed > self.expected:
            return (self.observed - self.expected).days
        return None


@dataclass(frozen=True)
class ReviewStatus:
    start: dt.date
    today: dt.date
    milestones: list[Milestone]
    progress: Progress
    next_milestone: Milestone | None

    @property
    def overdue_days(self) -> int | None:
        """Days since the next stage's deadline passed with no event recorded."""
        nxt = self.next_milestone
        if nxt and nxt.expected and nxt.expected < self.today:
            return (self.today - nxt.expected).days
        return None

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days is not None


def review_status(*, start: dt.date, events: list, today: dt.date) -> ReviewStatus:
    """Derive a review's milestones and progress from its start and its stage events
    (objects with `.stage` and `.date`)."""
    by_stage = {Stage(event.stage): event for event in events}
    saq = by_stage.get(Stage.SELF_ASSESSMENT)
    expected = expected_dates(start, saq.date if saq else None)
    milestones = [
        Milestone(
            stage=stage,
            expected=expected[stage],
            expected_is_projected=stage == Stage.FEEDBACK and saq is None,
            observed=by_stage[stage].date if stage in by_stage else None,
            event=by_stage.get(stage),
        )
        for stage in Stage
    ]
    reached = [m for m in milestones if m.observed]
    if reached:
        latest = max(reached, key=lambda m: m.stage.position)
        progress = Progress(latest.stage.value)
        after = milestones[latest.stage.position + 1 :]
    else:
        progress = Progress.NOT_STARTED if today < start else Progress.STARTED
        after = milestones
    next_milestone = next((m for m in after if not m.observed), None)
    return ReviewStatus(
        start=start,
        today=today,
        milestones=milestones,
        progress=progress,
        next_milestone=next_milestone,
    )
