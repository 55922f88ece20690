"""The changelog (/changes.atom): valid Atom, what became public newest first with authors
named by their identity tier, withdrawal notices without content, published report
snapshots, stable entry ids, at most 50 entries, and a fixed number of queries."""

import datetime as dt

import feedparser
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from palermo.organizations.enums import MemberRole
from palermo.organizations.models import Membership
from palermo.reports.enums import ReportKind, SnapshotStatus
from palermo.reports.models import ReportSnapshot
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus, Transition
from palermo.submissions.models import Submission
from tests.organizations.helpers import make_organization
from tests.submissions.helpers import ORG_MARKER, REGION_TEXT, make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
HOST = "127.0.0.1:8000"
PARTNER = "Partner Fd6-Marker"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def feed(client=None):
    response = (client or Client()).get("/changes.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed, response.content.decode()


def published(organization, by, *, days_ago: float, **kwargs) -> Submission:
    submission = make_submission(organization, by, status=SubmissionStatus.PUBLISHED, **kwargs)
    Submission.objects.filter(pk=submission.pk).update(
        published_at=NOW - dt.timedelta(days=days_ago)
    )
    submission.refresh_from_db()
    return submission


@pytest.fixture
def partner(outsider):
    return make_organization(
        PARTNER, slug="partner-fd6", members={outsider: MemberRole.OWNER}, logo=False
    )


@pytest.fixture
def history(observatorio, org_editor, partner, outsider):
    """What happened, oldest first: an attributed publication, a pseudonymous one, a
    publication whose embargo ended yesterday, one withdrawn after publication, and what
    must never be listed (a draft, a submission not yet published, a running embargo)."""
    named = published(partner, outsider, days_ago=10, title="Named <b>input</b>")
    shielded = published(
        observatorio, org_editor, days_ago=5, title="Shielded input", tier=IdentityTier.PSEUDONYMOUS
    )
    embargo_ended = published(
        partner,
        outsider,
        days_ago=60,
        title="Input under embargo until yesterday",
        embargo_until=(NOW - dt.timedelta(days=1)).date(),
    )
    withdrawn = published(observatorio, org_editor, days_ago=20, title="Later withdrawn")
    membership = Membership.objects.get(user=org_editor, organization=observatorio)
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        services.submission_transition(
            submission=withdrawn,
            action=Transition.WITHDRAW,
            by=org_editor,
            membership=membership,
            note="For the safety of our staff.",
        )
    hidden = [
        make_submission(observatorio, org_editor, status="draft", title="Hidden draft"),
        make_submission(observatorio, org_editor, status="submitted", title="Hidden submitted"),
        published(
            partner,
            outsider,
            days_ago=1,
            title="Hidden under embargo",
            embargo_until=(NOW + dt.timedelta(days=3)).date(),
        ),
    ]
    return {
        "named": named,
        "shielded": shielded,
        "embargo_ended": embargo_ended,
        "withdrawn": withdrawn,
        "hidden": hidden,
    }


def tag(path: str) -> str:
    return f"tag:{HOST},2026:{path}"


def test_the_feed_describes_itself(history):
    parsed, _xml = feed()

    assert parsed.feed.title == "Palermo Hub: what was published"
    assert parsed.feed.id == tag("changes")
    assert parsed.feed.author == "Palermo Hub"
    assert [link.href for link in parsed.feed.links] == [
        f"http://{HOST}/exports/",
        f"http://{HOST}/changes.atom",
    ]
    updated = [e.updated_parsed for e in parsed.entries]
    assert updated == sorted(updated, reverse=True)


def test_entries_come_in_the_order_they_became_public(history):
    parsed, _xml = feed()

    assert [e.id for e in parsed.entries] == [
        tag(f"submission/{history['embargo_ended'].reference}/published"),
        tag(f"submission/{history['withdrawn'].reference}/withdrawn"),
        tag(f"submission/{history['shielded'].reference}/published"),
        tag(f"submission/{history['named'].reference}/published"),
    ]
    embargo = parsed.entries[0]
    # Public since the embargo ended (midnight in Vienna), not since it was published.
    assert embargo.updated == "2026-11-28T00:00:00+01:00"


def test_a_publication_is_named_by_its_tier(history):
    parsed, xml = feed()
    by_id = {e.id: e for e in parsed.entries}

    named = by_id[tag(f"submission/{history['named'].reference}/published")]
    assert named.title == f"{history['named'].reference}: Named <b>input</b>"
    assert named.author == PARTNER
    assert named.link == f"http://{HOST}/submissions/{history['named'].reference}/"
    assert named.published == named.updated == "2026-11-19T10:00:00+00:00"
    assert "Published submission on Nigeria." in named.summary
    assert [t.term for t in named.tags] == ["Nigeria"]
    shielded = by_id[tag(f"submission/{history['shielded'].reference}/published")]
    assert shielded.author == REGION_TEXT
    assert ORG_MARKER not in xml
    assert "observatorio-zq7" not in xml


def test_user_text_is_escaped_not_markup(history):
    _parsed, xml = feed()

    # The title is plain text in Atom; the summary is HTML, so "<" is escaped twice in XML.
    assert (
        "<title>" + history["named"].reference + ": Named &lt;b&gt;input&lt;/b&gt;</title>" in xml
    )
    assert "<b>" not in xml


def test_a_withdrawal_is_a_notice_without_content_or_authors(history):
    withdrawn = history["withdrawn"]

    parsed, xml = feed()

    (entry,) = [e for e in parsed.entries if withdrawn.reference in e.id]
    assert entry.id == tag(f"submission/{withdrawn.reference}/withdrawn")
    assert entry.title == f"Withdrawn: {withdrawn.reference} Later withdrawn"
    assert entry.summary == (
        "Withdrawn by its authors. For the safety of our staff. The content is no longer published."
    )
    assert entry.updated == "2026-11-27T10:00:00+00:00"
    assert "author" not in entry  # Atom: the feed's author (Palermo Hub), never the authors
    assert withdrawn.summary not in xml
    assert tag(f"submission/{withdrawn.reference}/published") not in xml


def test_nothing_unpublished_or_still_embargoed_is_listed(history):
    _parsed, xml = feed()

    for submission in history["hidden"]:
        assert submission.reference not in xml
        assert submission.title not in xml


def test_entry_ids_are_stable(history):
    first, _ = feed()
    with time_machine.travel(NOW + dt.timedelta(hours=5), tick=False):
        second, _ = feed()

    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    assert [e.updated for e in first.entries] == [e.updated for e in second.entries]


def test_a_withdrawal_before_the_embargo_ended_is_no_news(observatorio, org_editor):
    submission = published(
        observatorio,
        org_editor,
        days_ago=3,
        title="Withdrawn under embargo",
        embargo_until=(NOW + dt.timedelta(days=10)).date(),
    )
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.WITHDRAWN, withdrawal_reason="Too early."
    )

    parsed, xml = feed()

    assert parsed.entries == []
    assert submission.reference not in xml


def test_a_published_report_snapshot_is_listed(history, coord):
    snapshot = ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="Global civil-society report",
        edition=1,
        as_of=NOW.date(),
        requested_by=coord,
        status=SnapshotStatus.READY,
        published_at=NOW - dt.timedelta(hours=1),
        note="First edition.",
    )
    ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="Still being built",
        edition=2,
        as_of=NOW.date(),
        requested_by=coord,
        status=SnapshotStatus.BUILDING,
    )

    parsed, xml = feed()

    entry = parsed.entries[0]
    assert entry.id == tag(f"report/{snapshot.pk}")
    assert entry.title == "Report: Global civil-society report (edition 1)"
    assert entry.link == f"http://{HOST}/reports/{snapshot.pk}/"
    assert entry.summary == "Published report snapshot, data as of 2026-11-29. First edition."
    assert "Still being built" not in xml


def test_the_feed_keeps_the_50_newest(observatorio, org_editor):
    made = [
        published(observatorio, org_editor, days_ago=number, title=f"Input {number:02}")
        for number in range(1, 56)
    ]

    parsed, _xml = feed()

    assert len(parsed.entries) == 50
    assert [e.id for e in parsed.entries] == [
        tag(f"submission/{s.reference}/published") for s in made[:50]
    ]


def test_an_empty_feed_is_valid(db):
    parsed, _xml = feed()
    assert parsed.entries == []
    assert parsed.feed.title == "Palermo Hub: what was published"


def queries_for_feed() -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        parsed, _xml = feed()
    return len(captured), len(parsed.entries)


def test_the_feed_runs_the_same_queries_for_3_and_30(observatorio, org_editor, partner, outsider):
    tiers = [
        {"tier": IdentityTier.ATTRIBUTED, "show_authors": True},
        {"tier": IdentityTier.COALITION},
        {"tier": IdentityTier.PSEUDONYMOUS},
    ]

    def grow(total):
        while Submission.objects.count() < total:
            count = Submission.objects.count()
            published(observatorio, org_editor, days_ago=count + 1, **tiers[count % 3])

    grow(3)
    few, entries_few = queries_for_feed()
    grow(30)
    many, entries_many = queries_for_feed()

    assert (entries_few, entries_many) == (3, 30)
    assert many == few


def test_the_exports_page_announces_the_feed(db):
    html = Client().get("/exports/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/changes.atom"' in html
