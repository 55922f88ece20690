"""Demo submissions: one published (pseudonymous), one draft; titles say "demo"."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction

from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, Transition
from palermo.submissions.models import Submission

DEMO_TITLE_PUBLISHED = "Demo: victims' access to remedies in trafficking cases"
DEMO_TITLE_DRAFT = "Demo: draft on the criminalization of smuggling"


@transaction.atomic
def demo_submissions_seed() -> list[str]:
    done: list[str] = []
    organization = Organization.objects.filter(slug="demo-observatorio-palermo").first()
    if organization is None or Submission.objects.filter(title=DEMO_TITLE_PUBLISHED).exists():
        return done
    users = get_user_model().objects
    editor, owner = users.get(email="editor@example.org"), users.get(email="owner@example.org")
    coordinator = users.get(email="coordinator@example.org")
    tip = Instrument.objects.get(code="tip")
    mexico = State.objects.get(code="MEX")
    article = Article.objects.get(instrument=tip, number=5)
    result = services.submission_create(
        organization=organization,
        by=editor,
        form_token=uuid.uuid4().hex,
        data={
            "state": mexico,
            # On the cluster of Mexico's current review, so the demo country brief (which
            # covers the current phase) shows it.
            "cluster": _current_cluster(mexico),
            "instruments": [tip],
            "articles": [article],
            "title": DEMO_TITLE_PUBLISHED,
            "summary": "Demo submission, made up to show the hub. Survivors rarely obtain "
            "compensation because criminal courts do not order it.",
            "law": "Demo: the law allows compensation orders in criminal proceedings.",
            "practice": "Demo: in the shelters we work with, no survivor received "
            "compensation in the last three years.",
            "language": "en",
            "tier": IdentityTier.PSEUDONYMOUS,
            "show_authors": False,
            "embargo_until": None,
        },
        recommendations=[
            {
                "text": "Demo: make compensation orders mandatory on conviction.",
                "addressee": "state",
                "priority": "high",
                "articles": [article],
            }
        ],
        sources=[
            {
                "title": "Demo shelter data, 2023-2025",
                "url": "https://example.org/demo",
                "date": None,
                "kind": "data",
            }
        ],
    )
    submission = result.submission
    membership = {m.user_id: m for m in Membership.objects.filter(organization=organization)}
    services.submission_transition(
        submission=submission,
        action=Transition.REQUEST_REVIEW,
        by=editor,
        membership=membership[editor.pk],
    )
    services.submission_transition(
        submission=submission, action=Transition.APPROVE, by=owner, membership=membership[owner.pk]
    )
    services.submission_transition(
        submission=submission, action=Transition.PUBLISH, by=coordinator, membership=None
    )
    done.append(f"demo submission (published): {submission.reference}")
    draft = services.submission_create(
        organization=organization,
        by=editor,
        form_token=uuid.uuid4().hex,
        data={
            "state": State.objects.get(code="MEX"),
            "instruments": [tip],
            "articles": [],
            "title": DEMO_TITLE_DRAFT,
            "summary": "Demo draft, visible to its organization only.",
            "law": "",
            "practice": "",
            "language": "es",
            "tier": IdentityTier.ATTRIBUTED,
            "show_authors": False,
            "embargo_until": None,
            "cluster": None,
        },
        recommendations=[],
        sources=[],
    ).submission
    done.append(f"demo submission (draft): {draft.reference}")
    return done


@transaction.atomic
def demo_submissions_remove() -> int:
    return Submission.objects.filter(organization__is_demo=True).delete()[0]


def _current_cluster(state: State) -> Cluster:
    from palermo.reviews.calendar import review_today  # demo only: the tracker's rule
    from palermo.reviews.models import CountryReview
    from palermo.reviews.queries import current_review, review_views

    today = review_today()
    reviews = list(
        CountryReview.objects.filter(state=state)
        .select_related("phase__cluster", "phase__group")
        .prefetch_related("events")
    )
    current = current_review(review_views(reviews, today), today)
    return current.review.phase.cluster if current else Cluster.objects.get(numeral="I")
