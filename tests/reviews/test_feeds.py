import datetime as dt

import feedparser
import icalendar
import pytest
import time_machine

from palermo.reviews.models import StageEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def events_of(response) -> list:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    return list(calendar.walk("VEVENT"))


def test_state_calendar_has_expected_deadlines_with_stable_uids(client, recorded_event):
    first = events_of(client.get("/states/NGA/calendar.ics"))
    second = events_of(client.get("/states/NGA/calendar.ics"))
    uids = [str(e["UID"]) for e in first]
    assert uids == [str(e["UID"]) for e in second]
    assert len(uids) == len(set(uids))
    by_uid = {str(e["UID"]): e for e in first}
    focal_p4 = by_uid["NGA-1-4-focal_point-due@127.0.0.1:8000"]
    assert focal_p4.decoded("DTSTART") == dt.date(2026, 11, 15)
    assert focal_p4.decoded("DTEND") == dt.date(2026, 11, 16)
    assert "Nigeria: Focal point appointed due" in str(focal_p4["SUMMARY"])
    # The phase-1 focal point was recorded: no "due" entry, an event entry instead.
    assert "NGA-1-1-focal_point-due@127.0.0.1:8000" not in by_uid
    recorded = by_uid[f"stage-event-{recorded_event.pk}@127.0.0.1:8000"]
    assert recorded.decoded("DTSTART") == dt.date(2020, 11, 20)
    assert "https://example.org/note-verbale" in str(recorded["DESCRIPTION"])
    # 4 phases x 4 deadlines (focal point, experts, self-assessment, feedback) less 1 met.
    assert len([u for u in uids if u.endswith("-due@127.0.0.1:8000")]) == 15


def test_calendar_lines_follow_rfc5545(client):
    body = client.get("/calendar.ics").content
    lines = body.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in body.replace(b"\r\n", b"")


def test_global_calendar_covers_every_tracked_review(client):
    events = events_of(client.get("/calendar.ics"))
    states = {str(e["UID"]).split("-", 1)[0] for e in events}
    assert len(states) == 37


def test_state_atom_feed_lists_stage_events(client, recorded_event):
    response = client.get("/states/NGA/feed.atom")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Palermo Hub: review of Nigeria"
    (entry,) = feed.entries
    assert entry.title == "Focal point appointed (cluster I)"
    assert entry.id == f"tag:127.0.0.1:8000,2026:stage-event/{recorded_event.pk}"
    assert entry.link == "http://127.0.0.1:8000/states/NGA/#phase-1"
    assert "Source: https://example.org/note-verbale" in entry.summary


def test_atom_feed_of_a_state_without_events_is_valid_and_empty(client):
    feed = feedparser.parse(client.get("/states/AFG/feed.atom").content)
    assert not feed.bozo
    assert feed.entries == []
    assert StageEvent.objects.filter(review__state__code="AFG").count() == 0
