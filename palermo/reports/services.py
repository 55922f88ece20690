"""Writes for the reports: publishing snapshots (built by a background task) and the
feedback ledger. Also the report contexts: the reference facts a report states, with the
confidence each one carries."""

import datetime as dt
import gc
import hashlib
import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record
from palermo.common.tasks import mail_after_commit
from palermo.organizations.enums import MemberRole
from palermo.reference.models import Cluster, RegionalGroup, State
from palermo.reports import queries
from palermo.reports.compile import compile_report
from palermo.reports.enums import FeedbackStatus, ReportKind, SnapshotStatus
from palermo.reports.models import FeedbackEntry, ReportSnapshot, SnapshotInput

logger = logging.getLogger(__name__)


class ReportScopeError(ValueError):
    """A report asked for without the State or cluster its kind needs."""


def normalise(content: dict) -> dict:
    """Content as it reads back from the database (JSON): what hashes and comparisons use."""
    return json.loads(json.dumps(content, sort_keys=True, ensure_ascii=False))


def content_sha256(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Contexts: the reference facts, stated with their confidence -------------------------


def _cluster(cluster: Cluster) -> dict:
    return {
        "numeral": cluster.numeral,
        "name": cluster.name,
        "confirmed": cluster.is_confirmed,
        "numeral_confidence": cluster.numeral_confidence,
        "name_confidence": cluster.name_confidence,
    }


def _weakest(*levels: str) -> str:
    """A fact built from several is as sure as the least sure of them (H > M > L)."""
    return max(levels, key="HML".index)


def _fact(label: str, value: str, confidence: str, note: str = "") -> dict:
    return {"fact": label, "value": value, "confidence": confidence, "note": note}


def _brief_context(state: State, today: dt.date, phase: int | None) -> dict:
    current = queries.review_of(state, today=today, phase=phase)
    facts = []
    if state.regional_group_id:
        facts.append(
            _fact(
                _("UN regional group"),
                state.regional_group.name,
                state.regional_group_confidence,
            )
        )
    membership = getattr(state, "group_membership", None)
    if membership is not None:
        facts.append(_fact(_("Review group"), str(membership.group.number), membership.confidence))
    review = None
    if current is not None:
        phase = current.review.phase
        status = current.status
        review = {
            "phase": phase.number,
            "group": phase.group.number,
            "cluster": _cluster(phase.cluster),
            "start": phase.expected_start.isoformat(),
            "end": phase.expected_end.isoformat(),
            "dates_derived": phase.is_derived,
            "progress": str(status.progress.label),
            "overdue_days": status.overdue_days,
            "milestones": [
                {
                    "stage": str(m.stage.label),
                    "expected": m.expected.isoformat() if m.expected else "",
                    "projected": m.expected_is_projected,
                    "observed": m.observed.isoformat() if m.observed else "",
                    "late_days": m.late_days,
                }
                for m in status.milestones
            ],
        }
        facts.append(
            _fact(
                _("Cluster under review"),
                f"{phase.cluster.numeral} {phase.cluster.name}",
                _weakest(phase.cluster.numeral_confidence, phase.cluster.name_confidence),
            )
        )
        facts.append(
            _fact(
                _("Phase dates"),
                f"{phase.expected_start.isoformat()} / {phase.expected_end.isoformat()}",
                phase.confidence,
                _("derived from the review calendar, not announced") if phase.is_derived else "",
            )
        )
    return {
        "state": {
            "code": state.code,
            "name": state.name,
            "region_name": state.regional_group.name if state.regional_group_id else "",
        },
        "review": review,
        "facts": facts,
    }


def _cluster_context(cluster: Cluster) -> dict:
    reviews = [
        {
            "state": r.state.code,
            "state_name": r.state.name,
            "region": r.state.regional_group.code if r.state.regional_group_id else "",
            "region_name": r.state.regional_group.name if r.state.regional_group_id else "",
            "phase": r.phase.number,
            "group": r.phase.group.number,
        }
        for r in queries.reviews_in_cluster(cluster)
    ]
    return {
        "cluster": _cluster(cluster),
        "reviews": reviews,
        "facts": [
            _fact(
                _("Cluster"),
                f"{cluster.numeral} {cluster.name}",
                _weakest(cluster.numeral_confidence, cluster.name_confidence),
            ),
            _fact(
                _("States under review in this cluster"),
                str(len(reviews)),
                "M",
                _("only the review groups and memberships recorded in the tracker"),
            ),
        ],
    }


def _global_context() -> dict:
    clusters = [_cluster(c) for c in Cluster.objects.order_by("numeral")]
    return {
        "clusters": clusters,
        "regions": [g.name for g in RegionalGroup.objects.order_by("name")],
        "facts": [
            _fact(
                _("Clusters"),
                ", ".join(c["numeral"] for c in clusters),
                "H" if all(c["confirmed"] for c in clusters) else "L",
                ""
                if all(c["confirmed"] for c in clusters)
                else _("some cluster names or numerals are not yet confirmed"),
            )
        ],
    }


def report_title(
    kind: str, *, state: State | None = None, cluster: Cluster | None = None, phase=None
) -> str:
    if kind == ReportKind.COUNTRY_BRIEF:
        if phase:
            return _("Country brief: %(state)s, review phase %(phase)s") % {
                "state": state.name,
                "phase": phase,
            }
        return _("Country brief: %(state)s") % {"state": state.name}
    if kind == ReportKind.CLUSTER_SYNTHESIS:
        return _("Cluster synthesis: cluster %(numeral)s, %(name)s") % {
            "numeral": cluster.numeral,
            "name": cluster.name,
        }
    return _("Global civil-society report on the review of the Convention")


def report_context(
    *, kind: str, today: dt.date, language: str, state=None, cluster=None, phase=None
) -> dict:
    if kind == ReportKind.COUNTRY_BRIEF and state is None:
        raise ReportScopeError("a country brief needs a State")
    if kind == ReportKind.CLUSTER_SYNTHESIS and cluster is None:
        raise ReportScopeError("a cluster synthesis needs a cluster")
    with translation.override(language):
        base = {
            "title": report_title(kind, state=state, cluster=cluster, phase=phase),
            "as_of": today.isoformat(),
            "language": language,
            "articles": queries.article_labels(),
        }
        if kind == ReportKind.COUNTRY_BRIEF:
            base.update(_brief_context(state, today, phase))
            if base["review"]:
                base["title"] = report_title(kind, state=state, phase=base["review"]["phase"])
        elif kind == ReportKind.CLUSTER_SYNTHESIS:
            base.update(_cluster_context(cluster))
        else:
            base.update(_global_context())
    return normalise(base)


def _inputs(*, kind, context, today, language, state=None, cluster=None):
    if kind == ReportKind.COUNTRY_BRIEF:
        # One State, one review phase: the submissions on that phase's cluster and those
        # that name no cluster; with no review recorded, all of the State's submissions.
        review = context.get("review")
        return queries.report_inputs(
            today=today,
            state=state.code,
            cluster=review["cluster"]["numeral"] if review else "",
            with_unclustered=True,
            language=language,
        )
    return queries.report_inputs(
        today=today, cluster=cluster.numeral if cluster else "", language=language
    )


def report_live(
    *, kind: str, today: dt.date, language: str, state=None, cluster=None, phase=None
) -> dict:
    """A report compiled now from what is public now (the pages at /states/<ISO3>/brief/)."""
    context = report_context(
        kind=kind, today=today, language=language, state=state, cluster=cluster, phase=phase
    )
    inputs = _inputs(
        kind=kind, context=context, today=today, language=language, state=state, cluster=cluster
    )
    return normalise(compile_report(kind, inputs, context))


# --- Snapshots ---------------------------------------------------------------------------


@transaction.atomic
def snapshot_request(
    *,
    kind: str,
    by,
    today: dt.date,
    state=None,
    cluster=None,
    phase: int | None = None,
    note: str = "",
    language="en",
) -> ReportSnapshot:
    """Queue a new edition of a report; the task worker builds and publishes it."""
    from palermo.reports.tasks import build_snapshot  # tasks import services

    if kind == ReportKind.COUNTRY_BRIEF and state is None:
        raise ReportScopeError("a country brief needs a State")
    if kind == ReportKind.CLUSTER_SYNTHESIS and cluster is None:
        raise ReportScopeError("a cluster synthesis needs a cluster")
    if kind != ReportKind.COUNTRY_BRIEF:
        state = None
    if kind != ReportKind.CLUSTER_SYNTHESIS:
        cluster = None
    if kind == ReportKind.COUNTRY_BRIEF:
        # Fixed now: "the current phase" must not move between request and build.
        review = queries.review_of(state, today=today, phase=phase)
        phase = review.review.phase.number if review else None
    else:
        phase = None
    scope = ReportSnapshot.scope_of(kind=kind, state=state, cluster=cluster, phase=phase)
    # Two coordinators publishing at once: the lock (PostgreSQL) orders them, and the unique
    # (scope, edition) constraint stops a duplicate number anywhere.
    list(
        ReportSnapshot.objects.select_for_update().filter(scope=scope).values_list("id", flat=True)
    )
    with translation.override(language):
        title = report_title(kind, state=state, cluster=cluster, phase=phase)
    snapshot = ReportSnapshot.objects.create(
        kind=kind,
        state=state,
        cluster=cluster,
        phase=phase,
        title=title,
        note=note,
        language=language,
        scope=scope,
        edition=queries.next_edition(scope=scope),
        as_of=today,
        requested_by=by,
    )
    audit_record(
        actor=by,
        action=AuditAction.REPORT_REQUESTED,
        target=snapshot,
        details={"kind": kind, "edition": snapshot.edition},
    )
    snapshot_id = snapshot.pk
    transaction.on_commit(lambda: build_snapshot.enqueue(snapshot_id=snapshot_id))
    return snapshot


def _progress(snapshot: ReportSnapshot, percent: int, note: str) -> None:
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(progress=percent, progress_note=note)


def snapshot_build(*, snapshot_id: int) -> ReportSnapshot:
    """Compile, render and publish a queued snapshot. Runs in the task worker; each step
    records its progress so the snapshot's page can show it."""
    from palermo.reports import render  # render imports templates; only the worker needs it

    snapshot = ReportSnapshot.objects.select_related("state", "cluster").get(pk=snapshot_id)
    if snapshot.status == SnapshotStatus.READY:
        return snapshot  # a task delivered twice: the published snapshot stands
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.BUILDING, progress=5, progress_note="collecting inputs"
    )
    try:
        with translation.override(snapshot.language):
            context = report_context(
                kind=snapshot.kind,
                today=snapshot.as_of,
                language=snapshot.language,
                state=snapshot.state,
                cluster=snapshot.cluster,
                phase=snapshot.phase,
            )
            inputs = _inputs(
                kind=snapshot.kind,
                context=context,
                today=snapshot.as_of,
                language=snapshot.language,
                state=snapshot.state,
                cluster=snapshot.cluster,
            )
            _progress(snapshot, 30, f"compiling {len(inputs)} submissions")
            content = normalise(compile_report(snapshot.kind, inputs, context))
            # Keep only what the input rows need: the versions' texts are in `content` now,
            # and freeing them leaves the PDF's layout that memory (a global report over
            # thousands of submissions stays a few hundred MB).
            rows = [(item.version_id, item.header) for item in inputs]
            del inputs
            gc.collect()
            _progress(snapshot, 45, "writing the PDF")
            pdf = render.report_pdf(content, snapshot=snapshot)
            _progress(snapshot, 85, "writing the DOCX")
            docx = render.report_docx(content, snapshot=snapshot)
        with transaction.atomic():
            SnapshotInput.objects.bulk_create(
                [
                    SnapshotInput(
                        snapshot=snapshot,
                        version_id=version_id,
                        reference=header["reference"],
                        number=header["version"],
                        content_sha256=header["sha256"],
                        header=header,
                    )
                    for version_id, header in rows
                ],
                batch_size=1000,
            )
            snapshot.content = content
            snapshot.content_sha256 = content_sha256(content)
            snapshot.pdf = pdf
            snapshot.docx = docx
            snapshot.status = SnapshotStatus.READY
            snapshot.progress = 100
            snapshot.progress_note = ""
            snapshot.published_at = timezone.now()
            snapshot.save(_building=True)
            audit_record(
                actor=snapshot.requested_by,
                action=AuditAction.REPORT_PUBLISHED,
                target=snapshot,
                details={
                    "kind": snapshot.kind,
                    "edition": snapshot.edition,
                    "inputs": len(rows),
                },
            )
    except Exception as error:
        logger.exception("report snapshot %s failed to build", snapshot.pk)
        ReportSnapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED, failure=type(error).__name__
        )
        raise
    return snapshot


def snapshot_reproduce(snapshot: ReportSnapshot) -> dict:
    """Compile a snapshot again from its recorded inputs and context."""
    inputs = queries.snapshot_inputs(snapshot)
    return normalise(compile_report(snapshot.kind, inputs, snapshot.content["context"]))


# --- Feedback ledger ---------------------------------------------------------------------


def _authors_of(recommendation) -> list[str]:
    organization = recommendation.submission.organization
    if organization is None:  # anonymous: nobody to tell, by design
        return []
    return sorted(
        {
            m.user.email
            for m in organization.memberships.select_related("user").filter(
                role__in=[MemberRole.EDITOR, MemberRole.OWNER]
            )
        }
    )


def _tell_authors(entry: FeedbackEntry) -> None:
    recipients = _authors_of(entry.recommendation)
    if not recipients:
        return
    submission = entry.recommendation.submission
    mail_after_commit(
        to=recipients,
        template="reports/email/feedback",
        context={
            "entry": entry,
            "submission": submission,
            "url": settings.SITE_URL + submission.get_absolute_url(),
        },
    )


@transaction.atomic
def feedback_record(
    *, recommendation, by, confirmed: bool, kind: str, title: str, url: str, date, note: str = ""
) -> FeedbackEntry:
    """Record where a recommendation was cited. A coordinator's entry is confirmed at once;
    an author's is proposed and waits for a coordinator."""
    entry = FeedbackEntry.objects.create(
        recommendation=recommendation,
        kind=kind,
        title=title,
        url=url,
        date=date,
        note=note,
        status=FeedbackStatus.CONFIRMED if confirmed else FeedbackStatus.PROPOSED,
        recorded_by=by,
        reviewed_by=by if confirmed else None,
        reviewed_at=timezone.now() if confirmed else None,
    )
    audit_record(
        actor=by,
        action=AuditAction.FEEDBACK_RECORDED,
        target=entry,
        details={"status": entry.status, "reference": recommendation.submission.reference},
    )
    if confirmed:
        _tell_authors(entry)
    return entry


@transaction.atomic
def feedback_review(*, entry: FeedbackEntry, by, confirm: bool) -> FeedbackEntry:
    entry = FeedbackEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != FeedbackStatus.PROPOSED:
        return entry
    entry.status = FeedbackStatus.CONFIRMED if confirm else FeedbackStatus.REJECTED
    entry.reviewed_by = by
    entry.reviewed_at = timezone.now()
    entry.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=by,
        action=AuditAction.FEEDBACK_REVIEWED,
        target=entry,
        details={"status": entry.status},
    )
    if confirm:
        _tell_authors(entry)
    return entry
