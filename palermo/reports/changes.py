"""The changelog: an Atom feed of what was published, newest first.

Three kinds of entry, each with an id that never changes however often the feed is built:

* a submission became public (published, and past its embargo), authors named through
  `public_author` as on every public page;
* a published submission was withdrawn: the public notice (reference, title, reason), never
  its content or its authors;
* a report snapshot was published (palermo/reports/models.py ReportSnapshot).

Each kind is read with its own bounded query (LIMIT entries), then merged: a fixed number of
queries whatever the number of submissions.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import DateTimeField, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils import feedgenerator, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from palermo.reports.queries import published_snapshots
from palermo.reviews.calendar import review_today, review_zone
from palermo.submissions.enums import SubmissionStatus
from palermo.submissions.identity import public_author
from palermo.submissions.models import Submission, SubmissionEvent

LIMIT = 50
# Entry ids are tag URIs (RFC 4151) minted under the site's host and this year: changing
# either would make every reader see every entry again, so neither follows the clock.
TAG_YEAR = 2026


@dataclass(frozen=True)
class Change:
    id: str
    title: str
    link: str
    summary: str
    updated: dt.datetime
    author: str | None = None  # None: the feed's author (Palermo Hub)
    categories: list[str] = field(default_factory=list)


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]


def _tag(path: str) -> str:
    return f"tag:{_host()},{TAG_YEAR}:{path}"


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight in Vienna: an embargo ends when the mechanism's day begins."""
    return dt.datetime.combine(day, dt.time(), tzinfo=review_zone())


def _public_since(submission: Submission) -> dt.datetime:
    if submission.embargo_until is None:
        return submission.published_at
    return max(submission.published_at, _day_start(submission.embargo_until))


def _embargo_over(today: dt.date) -> Q:
    return Q(embargo_until__isnull=True) | Q(embargo_until__lte=today)


def published_changes(*, today: dt.date, limit: int = LIMIT) -> list[Change]:
    """Submissions that became public, by the moment they did: the later of publication and
    the end of the embargo. Two reads: the newest publications, and the newest embargo ends
    (an old submission whose embargo ended today is news today)."""
    public = Submission.objects.filter(status=SubmissionStatus.PUBLISHED).filter(
        _embargo_over(today)
    )
    public = public.select_related(
        "state", "organization__headquarters__regional_group", "created_by"
    )
    newest = list(public.order_by("-published_at", "-id")[:limit])
    ended = list(
        public.filter(embargo_until__isnull=False).order_by("-embargo_until", "-id")[:limit]
    )
    by_pk = {s.pk: s for s in newest + ended}
    changes = []
    for submission in by_pk.values():
        changes.append(
            Change(
                id=_tag(f"submission/{submission.reference}/published"),
                title=f"{submission.reference}: {submission.title}",
                link=settings.SITE_URL + submission.get_absolute_url(),
                summary=_("Published submission on %(state)s. %(summary)s")
                % {"state": submission.state.name, "summary": submission.summary},
                updated=_public_since(submission),
                author=public_author(submission),
                categories=[submission.state.name],
            )
        )
    return changes


def withdrawal_changes(*, today: dt.date, limit: int = LIMIT) -> list[Change]:
    """The public notices of withdrawn submissions that had been public. Only what the notice
    page shows: reference, title, State and reason."""
    withdrawn_at = Subquery(
        SubmissionEvent.objects.filter(
            submission=OuterRef("pk"), to_status=SubmissionStatus.WITHDRAWN
        )
        .order_by("-at", "-id")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    found = (
        Submission.objects.filter(status=SubmissionStatus.WITHDRAWN, published_at__isnull=False)
        # Withdrawn before its embargo ended: it never was public, so it is no news.
        .filter(_embargo_over(today))
        .select_related("state")
        .annotate(withdrawn_at=Coalesce(withdrawn_at, F("updated_at")))
        .order_by("-withdrawn_at", "-id")[:limit]
    )
    return [
        Change(
            id=_tag(f"submission/{submission.reference}/withdrawn"),
            title=_("Withdrawn: %(reference)s %(title)s")
            % {"reference": submission.reference, "title": submission.title},
            link=settings.SITE_URL + submission.get_absolute_url(),
            summary=" ".join(
                part
                for part in [
                    _("Withdrawn by its authors."),
                    submission.withdrawal_reason,
                    _("The content is no longer published."),
                ]
                if part
            ),
            updated=submission.withdrawn_at,
            categories=[submission.state.name],
        )
        for submission in found
    ]


def report_changes(*, limit: int = LIMIT) -> list[Change]:
    """Published report snapshots. A snapshot is immutable, so its entry never changes."""
    return [
        Change(
            id=_tag(f"report/{snapshot.pk}"),
            title=_("Report: %(title)s (edition %(edition)s)")
            % {"title": snapshot.title, "edition": snapshot.edition},
            link=settings.SITE_URL + snapshot.get_absolute_url(),
            summary=" ".join(
                part
                for part in [
                    _("Published report snapshot, data as of %(date)s.")
                    % {"date": snapshot.as_of.isoformat()},
                    snapshot.note,
                ]
                if part
            ),
            updated=snapshot.published_at,
            categories=[snapshot.get_kind_display()],
        )
        for snapshot in published_snapshots()[:limit]
        if snapshot.published_at is not None
    ]


def changes(*, today: dt.date, limit: int = LIMIT) -> list[Change]:
    found = (
        published_changes(today=today, limit=limit)
        + withdrawal_changes(today=today, limit=limit)
        + report_changes(limit=limit)
    )
    return sorted(found, key=lambda c: (c.updated, c.id), reverse=True)[:limit]


def changes_atom(entries: list[Change]) -> str:
    feed = feedgenerator.Atom1Feed(
        title=_("Palermo Hub: what was published"),
        link=settings.SITE_URL + reverse("opendata:export_list"),
        description=_(
            "Civil-society submissions as they become public, withdrawals and published "
            "reports. Authors are named as they chose."
        ),
        feed_url=settings.SITE_URL + reverse("opendata:changes_feed"),
        feed_guid=_tag("changes"),
        author_name="Palermo Hub",
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    for entry in entries:
        feed.add_item(
            title=entry.title,
            link=entry.link,
            # Atom1Feed writes the description as type="html": the text must be escaped,
            # or a submission's "<" would reach the reader as markup.
            description=escape(entry.summary),
            unique_id=entry.id,
            unique_id_is_permalink=False,
            pubdate=entry.updated,
            updateddate=entry.updated,
            author_name=entry.author,
            categories=entry.categories,
        )
    return feed.writeString("utf-8")


def changes_feed(request):
    return HttpResponse(
        changes_atom(changes(today=review_today())),
        content_type="application/atom+xml; charset=utf-8",
    )
