"""Reads for the reports: which published submission versions a report is compiled from,
and what the public may see of their authors (identity tiers applied here, once)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import translation

from palermo.reference.models import Article, Cluster, State
from palermo.reports.enums import FeedbackStatus, SnapshotStatus
from palermo.reports.models import FeedbackEntry, ReportSnapshot
from palermo.reviews.models import CountryReview, StageEvent
from palermo.submissions.coalitions import public_cosigners
from palermo.submissions.enums import IdentityTier
from palermo.submissions.identity import public_author
from palermo.submissions.models import Recommendation, SubmissionVersion
from palermo.submissions.queries import SubmissionFilters, published_submissions

# Organization names and types are public only where the tier names the organization.
NAMED_TIERS = (IdentityTier.ATTRIBUTED, IdentityTier.COALITION)


@dataclass(frozen=True)
class ReportInput:
    """One submission as a report uses it: the stored version's content and the public
    header. Snapshots keep both, so a snapshot can be compiled again from its inputs."""

    version_id: int
    content: dict
    header: dict


def _header(submission, version, feedback: dict[int, list[dict]]) -> dict:
    organization = submission.organization
    named = submission.tier in NAMED_TIERS and organization is not None
    signers = public_cosigners(submission)
    region = submission.state.regional_group
    recommendation_ids = [r.pk for r in submission.recommendations.all()]
    return {
        "reference": submission.reference,
        "version": version.number,
        "sha256": version.content_sha256,
        "state": submission.state.code,
        "state_name": submission.state.name,
        "region": region.code if region else "",
        "region_name": region.name if region else "",
        "cluster": submission.cluster.numeral if submission.cluster_id else "",
        "author": public_author(submission),
        "organization": organization.name if named else "",
        "organization_slug": organization.slug if named else "",
        "organization_type": organization.kind if named else "",
        "cosigners": [
            {"name": c.organization.name, "withdrawn": c.status == "withdrawn"}
            for c in signers["signers"]
        ],
        "cosigner_count": signers["count"],
        "published": submission.published_at.date().isoformat() if submission.published_at else "",
        "recommendation_ids": recommendation_ids,
        "uptake": [feedback.get(pk, []) for pk in recommendation_ids],
    }


def confirmed_feedback(recommendation_ids) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    for entry in FeedbackEntry.objects.filter(
        recommendation_id__in=recommendation_ids, status=FeedbackStatus.CONFIRMED
    ).order_by("date", "id"):
        found[entry.recommendation_id].append(
            {
                "kind": entry.kind,
                "title": entry.title,
                "url": entry.url,
                "date": entry.date.isoformat(),
            }
        )
    return found


def report_inputs(
    *,
    today: dt.date,
    state: str = "",
    cluster: str = "",
    with_unclustered: bool = False,
    language: str = "en",
    chunk=2000,
) -> list[ReportInput]:
    """The current version of every public submission in scope, oldest reference first.
    `with_unclustered` adds, to a cluster's submissions, those that name no cluster (a brief
    on a State's current phase takes both). Public author strings are in `language`."""
    found = published_submissions(SubmissionFilters(state=state), today=today)
    if cluster:
        in_cluster = Q(cluster__numeral=cluster)
        found = found.filter(
            in_cluster | Q(cluster__isnull=True) if with_unclustered else in_cluster
        )
    submissions = (
        found.select_related("state__regional_group")
        .prefetch_related(
            "cosigners__organization",
            Prefetch("recommendations", queryset=Recommendation.objects.only("id", "submission")),
        )
        .order_by("id")
    )
    inputs: list[ReportInput] = []
    with translation.override(language):
        # In id-ordered chunks: the global report reads thousands of submissions, and the
        # prefetches would otherwise hold every row at once.
        last = 0
        while True:
            batch = list(submissions.filter(id__gt=last)[:chunk])
            if not batch:
                break
            last = batch[-1].id
            versions = {
                v.submission_id: v
                for v in SubmissionVersion.objects.filter(
                    submission__in=[s.id for s in batch], number=F("submission__version")
                )
            }
            feedback = confirmed_feedback([r.pk for s in batch for r in s.recommendations.all()])
            for submission in batch:
                version = versions.get(submission.id)
                if version is None:  # published always records a version; never guess
                    continue
                inputs.append(
                    ReportInput(
                        version_id=version.id,
                        content=version.content,
                        header=_header(submission, version, feedback),
                    )
                )
    inputs.sort(key=lambda item: item.header["reference"])
    return inputs


def snapshot_inputs(snapshot: ReportSnapshot) -> list[ReportInput]:
    """The inputs a snapshot recorded, as stored: compiling them again gives its content."""
    return [
        ReportInput(version_id=i.version_id, content=i.version.content, header=i.header)
        for i in snapshot.inputs.select_related("version").order_by("reference")
    ]


def article_labels() -> dict[str, dict]:
    return {
        f"{a.instrument.code}-{a.number}": {
            "code": f"{a.instrument.code}-{a.number}",
            "instrument": a.instrument.code,
            "number": a.number,
            "title": a.title,
            "cluster": a.cluster.numeral if a.cluster_id else "",
        }
        for a in Article.objects.select_related("instrument", "cluster")
    }


class NoSuchPhase(LookupError):
    """The State has no review in the phase asked for."""


def review_of(state: State, *, today: dt.date, phase: int | None = None):
    """The State's review (a ReviewView) in `phase`, or by default of the latest phase that
    has started (the tracker's rule); None when no review is recorded."""
    from palermo.reviews.queries import current_review, review_views  # reviews -> reports

    reviews = list(
        CountryReview.objects.filter(state=state)
        .select_related("phase__cluster", "phase__group")
        .prefetch_related(Prefetch("events", queryset=StageEvent.objects.order_by("date")))
    )
    views = review_views(reviews, today)
    if phase is None:
        return current_review(views, today)
    for view in views:
        if view.review.phase.number == phase:
            return view
    raise NoSuchPhase(phase)


def reviews_in_cluster(cluster: Cluster) -> QuerySet[CountryReview]:
    return (
        CountryReview.objects.filter(phase__cluster=cluster)
        .select_related("state__regional_group", "phase__group")
        .order_by("state__name")
    )


def published_snapshots(*, kind: str = "") -> QuerySet[ReportSnapshot]:
    found = ReportSnapshot.objects.filter(status=SnapshotStatus.READY).select_related(
        "state", "cluster"
    )
    if kind:
        found = found.filter(kind=kind)
    return found.defer("pdf", "docx", "content").order_by("-published_at", "-id")


def next_edition(*, scope: str) -> int:
    last = (
        ReportSnapshot.objects.filter(scope=scope)
        .order_by("-edition")
        .values_list("edition", flat=True)
        .first()
    )
    return (last or 0) + 1
