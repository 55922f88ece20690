import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from palermo.reviews.calendar import add_months, expected_dates, review_status, review_today
from palermo.reviews.enums import Progress, Stage

pytestmark = pytest.mark.unit


def event(stage: Stage, day: dt.date):
    return SimpleNamespace(stage=stage.value, date=day)


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2022, 8, 31), 6) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2022, 11, 1), 6) == dt.date(2023, 5, 1)
    assert add_months(dt.date(2022, 12, 15), 1) == dt.date(2023, 1, 15)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.integers(min_value=0, max_value=48),
)
def test_add_months_lands_in_the_right_month_never_later_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_expected_dates_follow_the_rules():
    start = dt.date(2022, 11, 1)
    dates = expected_dates(start, None)
    assert dates == {
        Stage.FOCAL_POINT: dt.date(2022, 11, 15),
        Stage.EXPERTS: dt.date(2022, 11, 29),
        Stage.SELF_ASSESSMENT: dt.date(2023, 5, 1),
        Stage.FEEDBACK: dt.date(2023, 11, 1),
        Stage.OBSERVATIONS: None,
        Stage.SUMMARY: None,
        Stage.COMPLETED: None,
    }


def test_feedback_counts_from_the_self_assessment_actually_received():
    dates = expected_dates(dt.date(2022, 11, 1), dt.date(2023, 8, 20))
    assert dates[Stage.FEEDBACK] == dt.date(2024, 2, 20)


@pytest.mark.parametrize(
    ("instant", "vienna_date"),
    [
        # 23:30 UTC on 31 January is already 1 February in Vienna (UTC+1 in winter).
        ("2024-01-31T23:30:00+00:00", dt.date(2024, 2, 1)),
        ("2024-01-31T22:59:59+00:00", dt.date(2024, 1, 31)),
        # Summer time: UTC+2.
        ("2024-07-14T22:00:00+00:00", dt.date(2024, 7, 15)),
        ("2024-07-14T21:59:59+00:00", dt.date(2024, 7, 14)),
        # A reader in New York late on the 14th: still the 15th in Vienna.
        ("2024-07-14T20:30:00-04:00", dt.date(2024, 7, 15)),
    ],
)
def test_review_today_is_the_vienna_date(instant, vienna_date):
    with time_machine.travel(dt.datetime.fromisoformat(instant), tick=False):
        assert review_today() == vienna_date


def test_deadline_is_met_until_the_end_of_the_day_in_vienna():
    start = dt.date(2024, 1, 17)  # focal point due 31 January
    # 22:30 UTC on 31 January is 23:30 in Vienna: not yet overdue.
    with time_machine.travel(dt.datetime(2024, 1, 31, 22, 30, tzinfo=dt.UTC), tick=False):
        status = review_status(start=start, events=[], today=review_today())
    assert status.next_milestone.stage == Stage.FOCAL_POINT
    assert status.overdue_days is None
    # 23:30 UTC is 00:30 on 1 February in Vienna: one day overdue.
    with time_machine.travel(dt.datetime(2024, 1, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        status = review_status(start=start, events=[], today=review_today())
    assert status.overdue_days == 1


def test_progress_before_the_start_is_not_started():
    status = review_status(start=dt.date(2027, 11, 1), events=[], today=dt.date(2026, 11, 29))
    assert status.progress == Progress.NOT_STARTED
    assert status.next_milestone.stage == Stage.FOCAL_POINT
    assert status.overdue_days is None


def test_progress_after_the_start_with_no_event():
    status = review_status(start=dt.date(2026, 11, 1), events=[], today=dt.date(2026, 11, 29))
    assert status.progress == Progress.STARTED
    assert status.next_milestone.stage == Stage.FOCAL_POINT
    assert status.overdue_days == 14  # due 15 November


def test_progress_is_the_latest_stage_reached_and_overdue_the_next_one():
    start = dt.date(2022, 11, 1)
    events = [
        event(Stage.FOCAL_POINT, dt.date(2022, 11, 20)),
        event(Stage.EXPERTS, dt.date(2022, 12, 1)),
    ]
    status = review_status(start=start, events=events, today=dt.date(2023, 5, 11))
    assert status.progress == Progress.EXPERTS
    assert status.next_milestone.stage == Stage.SELF_ASSESSMENT
    assert status.overdue_days == 10
    focal = status.milestones[0]
    assert (focal.expected, focal.observed, focal.late_days) == (
        dt.date(2022, 11, 15),
        dt.date(2022, 11, 20),
        5,
    )


def test_a_skipped_record_does_not_hold_progress_back():
    # The self-assessment is on record though the experts' appointment is not.
    events = [event(Stage.SELF_ASSESSMENT, dt.date(2023, 4, 1))]
    status = review_status(start=dt.date(2022, 11, 1), events=events, today=dt.date(2023, 6, 1))
    assert status.progress == Progress.SELF_ASSESSMENT
    assert status.next_milestone.stage == Stage.FEEDBACK
    assert status.next_milestone.expected == dt.date(2023, 10, 1)
    assert not status.next_milestone.expected_is_projected


def test_stages_without_deadline_are_never_overdue():
    events = [
        event(stage, dt.date(2023, 1, 1))
        for stage in (Stage.FOCAL_POINT, Stage.EXPERTS, Stage.SELF_ASSESSMENT, Stage.FEEDBACK)
    ]
    status = review_status(start=dt.date(2022, 11, 1), events=events, today=dt.date(2030, 1, 1))
    assert status.progress == Progress.FEEDBACK
    assert status.next_milestone.stage == Stage.OBSERVATIONS
    assert status.overdue_days is None


def test_completed_review_has_no_next_milestone():
    events = [event(Stage.COMPLETED, dt.date(2024, 1, 1))]
    status = review_status(start=dt.date(2022, 11, 1), events=events, today=dt.date(2025, 1, 1))
    assert status.progress == Progress.COMPLETED
    assert status.next_milestone is None
    assert not status.is_overdue
