"""Open data to read: published submissions with varied recommendations, recorded stage
events, focal points, organizations and experts, each next to something of the same kind
that must never be public (a draft, an embargoed submission, an unlisted organization, a
restricted focal point, an unpublished expert), named with markers a test can search for."""

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from palermo.common.enums import Confidence
from palermo.organizations.enums import MemberRole, OrganizationType, VerificationStatus
from palermo.organizations.models import ExpertProfile, Organization
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import Stage, Visibility
from palermo.reviews.models import CountryReview, FocalPoint, StageEvent
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import Submission
from tests.organizations.helpers import make_organization, make_user

# Found in a public response, any of these is a leak.
SHIELDED_ORG = "Kx93 Shielded Observatory"
PRIVATE_TEXT = "Pv47 never public"
RESTRICTED_FOCAL = "Rz58 Restricted Focal"
UNLISTED_ORG = "Ul66 Unlisted Collective"
HIDDEN_EXPERT = "Hx12 Hidden Expert"


def article(code: str) -> Article:
    instrument, number = code.rsplit("-", 1)
    return Article.objects.get(instrument__code=instrument, number=int(number))


def publish(
    organization,
    by,
    title: str,
    *,
    status: str = SubmissionStatus.PUBLISHED,
    state: str = "NGA",
    instruments: tuple[str, ...] = ("untoc",),
    articles: tuple[str, ...] = ("untoc-5",),
    cluster: str | None = "I",
    language: str = "en",
    tier: str = IdentityTier.ATTRIBUTED,
    show_authors: bool = False,
    embargo_until: dt.date | None = None,
    recommendations: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("state", "high", ("untoc-5",)),
    ),
) -> Submission:
    """A submission made by the service, then put straight into `status` (the workflow
    has its own tests). Each recommendation is (addressee, priority, articles)."""
    submission = services.submission_create(
        organization=organization,
        by=by,
        data={
            "state": State.objects.get(code=state),
            "cluster": Cluster.objects.get(numeral=cluster) if cluster else None,
            "instruments": list(Instrument.objects.filter(code__in=instruments)),
            "articles": [article(code) for code in articles],
            "title": title,
            "summary": f"Summary of: {title}",
            "law": "The penal code covers part of it.",
            "practice": "Few cases reach court.",
            "language": language,
            "tier": tier,
            "show_authors": show_authors,
            "embargo_until": embargo_until,
        },
        recommendations=[
            {
                "text": f"{title}: recommendation {n}",
                "addressee": addressee,
                "priority": priority,
                "articles": [article(code) for code in codes],
            }
            for n, (addressee, priority, codes) in enumerate(recommendations, start=1)
        ],
        sources=[{"title": "A report", "url": "https://example.org/r", "kind": "report"}],
        form_token=uuid.uuid4().hex,
    ).submission
    now = timezone.now()
    changes: dict = {"status": status}
    if status != SubmissionStatus.DRAFT:
        changes["submitted_at"] = now
    if status in (SubmissionStatus.PUBLISHED, SubmissionStatus.WITHDRAWN):
        changes["published_at"] = now
    Submission.objects.filter(pk=submission.pk).update(**changes)
    submission.refresh_from_db()
    return submission


def record_event(state: str, phase: int, stage: str, date: dt.date, **extra) -> StageEvent:
    return StageEvent.objects.create(
        review=CountryReview.objects.get(state__code=state, phase__number=phase),
        stage=stage,
        date=date,
        sources="https://example.org/event",
        confidence=Confidence.MEDIUM,
        **extra,
    )


@dataclass
class World:
    public: list[Submission] = field(default_factory=list)
    private: list[Submission] = field(default_factory=list)
    events: list[StageEvent] = field(default_factory=list)
    organizations: dict[str, Organization] = field(default_factory=dict)
    experts: list[ExpertProfile] = field(default_factory=list)
    reports: list = field(default_factory=list)


@pytest.fixture
def world(django_user_model, db) -> World:
    editor = make_user(django_user_model, "kx93-editor@example.org", display_name="Ines Kx93")
    shielded = make_organization(
        SHIELDED_ORG, slug="kx93-shielded", members={editor: MemberRole.EDITOR}
    )
    shielded.headquarters = State.objects.get(code="NGA")
    shielded.save(update_fields=["headquarters"])
    scholar = make_user(django_user_model, "wv52-scholar@example.org")
    institute = make_organization(
        "Wv52 Open Institute", slug="wv52-institute", members={scholar: MemberRole.EDITOR}
    )
    institute.kind = OrganizationType.ACADEMIA
    institute.headquarters = State.objects.get(code="MEX")
    institute.save(update_fields=["kind", "headquarters"])
    unlisted = make_organization(UNLISTED_ORG, slug="ul66-unlisted", listed=False)
    pending = make_organization(
        "Pd31 Pending Group", slug="pd31-pending", status=VerificationStatus.PENDING
    )

    w = World(
        organizations={
            "shielded": shielded,
            "institute": institute,
            "unlisted": unlisted,
            "pending": pending,
        }
    )
    w.public = [
        publish(
            shielded,
            editor,
            "NGA attributed",
            recommendations=(
                ("state", "high", ("untoc-5",)),
                ("secretariat", "low", ()),
            ),
        ),
        publish(
            shielded,
            editor,
            "NGA pseudonymous",
            tier=IdentityTier.PSEUDONYMOUS,
            show_authors=True,
            instruments=("untoc", "tip"),
            articles=("untoc-5", "tip-5"),
            language="fr",
            recommendations=(
                ("reviewers", "medium", ("tip-5",)),
                ("state", "high", ("untoc-5", "tip-5")),
            ),
        ),
        publish(
            institute,
            scholar,
            "MEX coalition",
            state="MEX",
            tier=IdentityTier.COALITION,
            instruments=("tip",),
            articles=("tip-3",),
            cluster=None,
            recommendations=(("conference", "medium", ("tip-3",)),),
        ),
        publish(
            institute,
            scholar,
            "PAK named authors",
            state="PAK",
            show_authors=True,
            articles=("untoc-6",),
            recommendations=(
                ("state", "low", ("untoc-6",)),
                ("other", "high", ()),
            ),
        ),
    ]
    w.private = [
        publish(shielded, editor, f"{PRIVATE_TEXT} draft", status=SubmissionStatus.DRAFT),
        publish(shielded, editor, f"{PRIVATE_TEXT} submitted", status=SubmissionStatus.SUBMITTED),
        publish(shielded, editor, f"{PRIVATE_TEXT} withdrawn", status=SubmissionStatus.WITHDRAWN),
        publish(
            shielded,
            editor,
            f"{PRIVATE_TEXT} embargoed",
            embargo_until=review_today() + dt.timedelta(days=10),
        ),
    ]
    w.events = [
        record_event("NGA", 1, Stage.FOCAL_POINT, dt.date(2020, 11, 20), note="Note verbale."),
        record_event("NGA", 1, Stage.EXPERTS, dt.date(2020, 12, 10)),
        record_event("ARG", 1, Stage.FOCAL_POINT, dt.date(2020, 11, 12), is_demo=True),
        record_event("ARG", 2, Stage.FOCAL_POINT, dt.date(2022, 11, 14)),
    ]
    review = CountryReview.objects.get(state__code="NGA", phase__number=1)
    for name, visibility in (
        ("Amina Public Focal", Visibility.PUBLIC),
        (RESTRICTED_FOCAL, Visibility.RESTRICTED),
    ):
        FocalPoint.objects.create(
            review=review,
            name=name,
            visibility=visibility,
            sources="https://example.org/fp",
            confidence=Confidence.HIGH,
        )
    for name, published in (("Paz Published", True), (HIDDEN_EXPERT, False), ("Ana Also", True)):
        user = make_user(django_user_model, f"{name.split()[0].lower()}@example.org")
        w.experts.append(
            ExpertProfile.objects.create(
                user=user, name=name, headline="Lawyer", is_published=published
            )
        )
    w.reports = plant_reports(editor)
    return w


def plant_reports(by):
    """A published global report edition (as the build task leaves it) and one still being
    built, which must not be public. Built by hand: the PDF is not what these tests read."""
    from django.utils import timezone

    from palermo.reports.enums import ReportKind, SnapshotStatus
    from palermo.reports.models import ReportSnapshot, SnapshotInput
    from palermo.submissions.models import SubmissionVersion

    today = timezone.now().date()
    ready = ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="Global report",
        scope="global",
        edition=1,
        as_of=today,
        requested_by=by,
        status=SnapshotStatus.READY,
        content={"kind": "global"},
        content_sha256="0" * 64,
        pdf=b"%PDF-1.7",
        docx=b"PK",
        published_at=timezone.now(),
    )
    for version in SubmissionVersion.objects.filter(submission__status="published")[:2]:
        SnapshotInput.objects.create(
            snapshot=ready,
            version=version,
            reference=version.submission.reference,
            number=version.number,
            content_sha256=version.content_sha256,
            header={},
        )
    building = ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="Global report",
        scope="global",
        edition=2,
        as_of=today,
        requested_by=by,
    )
    return [ready, building]
