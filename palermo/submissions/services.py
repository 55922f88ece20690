"""Writes for submissions. Every save is a version; a stale save is a conflict, never an
overwrite; a re-posted form is answered with its first result; every workflow step is
recorded (SubmissionEvent, history, audit) and the people concerned are e-mailed."""

import datetime as dt
import difflib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record
from palermo.common.tasks import mail_after_commit
from palermo.organizations.enums import MemberRole
from palermo.reviews.models import CountryReview
from palermo.submissions import permissions
from palermo.submissions.attachments import sanitise_attachment
from palermo.submissions.enums import SubmissionStatus, Transition
from palermo.submissions.models import (
    Attachment,
    Comment,
    FormToken,
    Recommendation,
    Submission,
    SubmissionEvent,
    SubmissionSource,
    SubmissionVersion,
    content_hash,
)
from palermo.submissions.receipts import receipt_issue

SCALAR_FIELDS = (
    "title",
    "summary",
    "law",
    "practice",
    "language",
    "tier",
    "show_authors",
    "embargo_until",
    "signon_deadline",
)


class EditConflict(Exception):
    """Someone saved a newer version since the form was opened."""

    def __init__(self, current: SubmissionVersion):
        super().__init__("edit conflict")
        self.current = current


@dataclass(frozen=True)
class SaveResult:
    submission: Submission
    changed: bool
    replayed: bool  # the same form had already been saved: nothing new was written
    version: int  # the version this form's save left (on a replay: what the first post left)


def snapshot(submission: Submission) -> dict:
    """The submission's content as plain, ordered data: what versions store and hash."""
    return {
        "reference": submission.reference,
        "state": submission.state.code,
        "review": submission.review_id,
        "cluster": submission.cluster.numeral if submission.cluster_id else None,
        "instruments": sorted(i.code for i in submission.instruments.all()),
        "articles": sorted(
            f"{a.instrument.code}-{a.number}"
            for a in submission.articles.select_related("instrument")
        ),
        **{name: _plain(getattr(submission, name)) for name in SCALAR_FIELDS},
        "recommendations": [
            {
                "text": r.text,
                "addressee": r.addressee,
                "priority": r.priority,
                "articles": sorted(
                    f"{a.instrument.code}-{a.number}"
                    for a in r.articles.select_related("instrument")
                ),
            }
            for r in submission.recommendations.all()
        ],
        "sources": [
            {"title": s.title, "url": s.url, "date": _plain(s.date), "kind": s.kind}
            for s in submission.sources.all()
        ],
        # Each attachment by the hash of its original: a receipt covers the evidence too.
        "attachments": [
            {"file": a.safe_filename, "sha256": a.original_sha256, "kind": a.kind}
            for a in submission.attachments.all()
        ],
    }


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _next_reference() -> str:
    year = timezone.now().year
    prefix = f"S-{year}-"
    # Longest first, then highest: as text "S-2026-9999" would sort after "S-2026-10000".
    last = (
        Submission.objects.filter(reference__startswith=prefix)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _record_version(submission: Submission, by) -> SubmissionVersion:
    content = snapshot(submission)
    return SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version,
        content=content,
        content_sha256=content_hash(content),
        saved_by=by,
    )


def _replay(form_token: str) -> FormToken | None:
    return FormToken.objects.select_related("submission").filter(token=form_token).first()


def _apply(
    submission: Submission, *, data: dict, recommendations: list[dict], sources: list[dict]
) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(submission, name, data[name])
    for name in ("state", "review", "cluster"):
        if name in data:
            setattr(submission, name, data[name])
    submission.full_clean(exclude=["reference", "organization"])
    submission.save()
    if "instruments" in data:
        submission.instruments.set(data["instruments"])
    if "articles" in data:
        submission.articles.set(data["articles"])
    submission.recommendations.all().delete()
    for position, item in enumerate(recommendations, start=1):
        rec = Recommendation(
            submission=submission,
            position=position,
            text=item["text"],
            addressee=item["addressee"],
            priority=item["priority"],
        )
        rec.full_clean(exclude=["submission"])
        rec.save()
        rec.articles.set(item.get("articles", []))
    submission.sources.all().delete()
    for position, item in enumerate(sources, start=1):
        source = SubmissionSource(
            submission=submission,
            position=position,
            title=item["title"],
            url=item.get("url", ""),
            date=item.get("date"),
            kind=item["kind"],
        )
        source.full_clean(exclude=["submission"])
        source.save()


def review_for(state, cluster) -> CountryReview | None:
    """The State's review of that cluster, when its group is known."""
    if cluster is None:
        return None
    return CountryReview.objects.filter(state=state, phase__cluster=cluster).first()


@transaction.atomic
def submission_create(
    *,
    organization,
    by,
    data: dict,
    recommendations: list[dict],
    sources: list[dict],
    form_token: str,
) -> SaveResult:
    """Start a draft for `organization`; version 1. A re-posted form returns the draft the
    first post made."""
    if found := _replay(form_token):
        if found.submission.organization_id != getattr(organization, "pk", None):
            raise ValidationError(_("This form was already used elsewhere. Reload the page."))
        return SaveResult(found.submission, changed=False, replayed=True, version=found.version)
    for attempt in range(5):  # two creators in the same instant race for the number
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    reference=_next_reference(),
                    organization=organization,
                    created_by=by,
                    state=data["state"],
                    title=data.get("title", ""),
                    summary=data.get("summary", ""),
                )
            break
        except IntegrityError:
            if attempt == 4:
                raise
    if "review" not in data:
        data = {**data, "review": review_for(data["state"], data.get("cluster"))}
    _apply(submission, data=data, recommendations=recommendations, sources=sources)
    _record_version(submission, by)
    FormToken.objects.create(token=form_token, submission=submission, version=1)
    return SaveResult(submission, changed=True, replayed=False, version=1)


@transaction.atomic
def submission_save(
    *,
    submission: Submission,
    by,
    data: dict,
    recommendations: list[dict],
    sources: list[dict],
    base_version: int,
    form_token: str,
) -> SaveResult:
    """Save an edit made on version `base_version`. Raises EditConflict when a newer version
    was saved meanwhile. An unchanged form writes nothing."""
    if found := _replay(form_token):
        if found.submission_id == submission.pk:
            return SaveResult(submission, changed=False, replayed=True, version=found.version)
        raise ValidationError(_("This form belongs to another submission. Reload the page."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_editable:
        raise PermissionDenied
    if locked.version != base_version:
        raise EditConflict(locked.versions.get(number=locked.version))
    before = snapshot(locked)
    if "cluster" in data:  # a new cluster means the State's review of that cluster
        data = {**data, "review": review_for(data.get("state", locked.state), data["cluster"])}
    _apply(locked, data=data, recommendations=recommendations, sources=sources)
    changed = snapshot(locked) != before
    if changed:
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        _record_version(locked, by)
    FormToken.objects.create(token=form_token, submission=locked, version=locked.version)
    return SaveResult(locked, changed=changed, replayed=False, version=locked.version)


# action -> (allowed from, to)
TRANSITIONS = {
    Transition.REQUEST_REVIEW: (
        {SubmissionStatus.DRAFT, SubmissionStatus.RETURNED},
        SubmissionStatus.INTERNAL_REVIEW,
    ),
    Transition.BACK_TO_DRAFT: ({SubmissionStatus.INTERNAL_REVIEW}, SubmissionStatus.DRAFT),
    Transition.APPROVE: ({SubmissionStatus.INTERNAL_REVIEW}, SubmissionStatus.SUBMITTED),
    Transition.PUBLISH: ({SubmissionStatus.SUBMITTED}, SubmissionStatus.PUBLISHED),
    Transition.RETURN: ({SubmissionStatus.SUBMITTED}, SubmissionStatus.RETURNED),
    Transition.WITHDRAW: (
        {
            SubmissionStatus.DRAFT,
            SubmissionStatus.INTERNAL_REVIEW,
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.RETURNED,
            SubmissionStatus.PUBLISHED,
        },
        SubmissionStatus.WITHDRAWN,
    ),
}
NOTE_REQUIRED = {Transition.RETURN, Transition.WITHDRAW}


def _notify(submission: Submission, action: str, by, note: str) -> None:
    """E-mail the lead organization's editors and owners (and, on submission, nobody else:
    coordinators work from their queue)."""
    if submission.organization is None:  # anonymous: nobody to e-mail, by design
        return
    recipients = sorted(
        {
            m.user.email
            for m in submission.organization.memberships.select_related("user").filter(
                role__in=[MemberRole.EDITOR, MemberRole.OWNER]
            )
            if m.user_id != by.pk
        }
    )
    if not recipients:
        return
    context = {
        "submission": submission,
        "action": Transition(action).label,
        "note": note,
        "url": settings.SITE_URL + submission.get_absolute_url(),
    }
    mail_after_commit(to=recipients, template="submissions/email/transition", context=context)


@transaction.atomic
def submission_transition(
    *, submission: Submission, action: str, by, membership, note: str = ""
) -> Submission:
    """Move the submission through its workflow if `by` may take this step now."""
    action = Transition(action)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    allowed_from, target = TRANSITIONS[action]
    if locked.status not in allowed_from:
        raise ValidationError(
            _("This step is not possible while the submission is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if not permissions.can_transition(by, locked, membership, action):
        raise PermissionDenied
    note = note.strip()
    if action in NOTE_REQUIRED and not note:
        raise ValidationError(_("Say why: the reason is shown to the people concerned."))
    now = timezone.now()
    SubmissionEvent.objects.create(
        submission=locked,
        action=action,
        from_status=locked.status,
        to_status=target,
        version=locked.version,
        by=by,
        note=note,
    )
    locked.status = target
    if target == SubmissionStatus.SUBMITTED:
        locked.submitted_at = now
    elif target == SubmissionStatus.PUBLISHED:
        locked.published_at = now
    elif target == SubmissionStatus.WITHDRAWN:
        locked.withdrawal_reason = note
    locked._change_reason = f"workflow: {action}"
    locked.save()
    if target == SubmissionStatus.SUBMITTED:
        # Inside the transaction: no submission is acknowledged without its receipt.
        receipt_issue(submission=locked)
    audit_record(
        actor=by,
        action=AuditAction.SUBMISSION_TRANSITION,
        target=locked,
        organization=locked.organization,
        details={"action": action.value, "to": target},
    )
    _notify(locked, action, by, note)
    return locked


@transaction.atomic
def comment_add(*, submission: Submission, by, body: str, by_sender: bool = False) -> Comment:
    comment = Comment(submission=submission, author=by, body=body.strip(), by_sender=by_sender)
    comment.full_clean(exclude=["submission", "author"])
    comment.save()
    return comment


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: list[tuple[str, str]]  # ("+", text) added, ("-", text) removed, (" ", text) kept


def versions_diff(older: SubmissionVersion, newer: SubmissionVersion) -> list[FieldDiff]:
    """A readable, line-by-line comparison of two versions, field by field."""
    diffs = []
    keys = sorted(set(older.content) | set(newer.content))
    for key in keys:
        before, after = older.content.get(key), newer.content.get(key)
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(_lines(before), _lines(after)):
            if line.startswith("? "):
                continue
            lines.append((line[0], line[2:]))
        diffs.append(FieldDiff(field=key, lines=lines))
    return diffs


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_lines(item) if isinstance(item, dict | list) else [str(item)])
        return out
    if isinstance(value, dict):
        return [f"{key}: {item}" for key, item in sorted(value.items())]
    return str(value).splitlines() or [""]


def attachments_root() -> Path:
    return Path(settings.ATTACHMENTS_ROOT)


@transaction.atomic
def attachment_add(*, submission: Submission, by, data: bytes) -> Attachment:
    """Check and sanitise an upload (palermo/submissions/attachments.py), keep the original
    privately and the clean copy for others, and save a new version of the submission."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_editable:
        raise PermissionDenied
    if locked.attachments.count() >= settings.ATTACHMENTS_PER_SUBMISSION:
        raise ValidationError(
            _("A submission can carry at most %(count)s files.")
            % {"count": settings.ATTACHMENTS_PER_SUBMISSION}
        )
    result = sanitise_attachment(data, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    folder = attachments_root() / locked.reference
    (folder / "original").mkdir(parents=True, exist_ok=True)
    (folder / "clean").mkdir(parents=True, exist_ok=True)
    stem = uuid.uuid4().hex
    original_path = f"{locked.reference}/original/{stem}"
    clean_path = f"{locked.reference}/clean/{stem}"
    (attachments_root() / original_path).write_bytes(data)
    (attachments_root() / clean_path).write_bytes(result.clean)
    attachment = Attachment.objects.create(
        submission=locked,
        kind=result.kind,
        original_sha256=result.original_sha256,
        original_path=original_path,
        clean_sha256=result.clean_sha256,
        clean_path=clean_path,
        safe_filename=result.safe_filename,
        content_type=result.content_type,
        size=len(result.clean),
        found_metadata=result.found_metadata,
        removed_metadata=result.removed_metadata,
        uploaded_by=by,
    )
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    _record_version(locked, by)
    return attachment
