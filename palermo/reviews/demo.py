"""Demo records: a few clearly labelled examples so a newcomer sees a living tracker.

Every record made here has is_demo=True (or a name saying "Demo") and every page that
shows one says "demo". Real facts are never edited: demo events are added beside them."""

import datetime as dt

from django.db import transaction

from palermo.common.enums import Confidence
from palermo.reference.models import Instrument, State
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import DocumentKind, DocumentLanguage, Stage, Visibility
from palermo.reviews.models import (
    CountryReview,
    FocalPoint,
    ReviewDocument,
    Reviewer,
    StageEvent,
)

DEMO_SOURCE = "https://example.org/palermo-hub-demo-record"

# (State, phase, stages reached with the day offset from the phase start). Current
# phases get a few stages so the tracker's table and map show movement; two past phases
# run to the end so a completed timeline can be seen.
DEMO_PROGRESS = [
    ("NGA", 4, [(Stage.FOCAL_POINT, 10), (Stage.EXPERTS, 25)]),
    (
        "NGA",
        1,
        [
            (Stage.FOCAL_POINT, 20),
            (Stage.EXPERTS, 41),
            (Stage.SELF_ASSESSMENT, 260),
            (Stage.FEEDBACK, 470),
            (Stage.OBSERVATIONS, 690),
        ],
    ),
    ("ITA", 4, [(Stage.FOCAL_POINT, 9)]),
    (
        "ITA",
        1,
        [
            (Stage.FOCAL_POINT, 10),
            (Stage.EXPERTS, 25),
            (Stage.SELF_ASSESSMENT, 175),
            (Stage.FEEDBACK, 350),
            (Stage.OBSERVATIONS, 520),
            (Stage.SUMMARY, 700),
            (Stage.COMPLETED, 720),
        ],
    ),
    ("MEX", 3, [(Stage.FOCAL_POINT, 12), (Stage.EXPERTS, 30), (Stage.SELF_ASSESSMENT, 200)]),
]


@transaction.atomic
def demo_seed() -> list[str]:
    """Create the demo records if missing; return what was done. Idempotent."""
    done: list[str] = []
    today = review_today()
    for code, phase_number, stages in DEMO_PROGRESS:
        review = (
            CountryReview.objects.select_related("phase")
            .filter(state__code=code, phase__number=phase_number)
            .first()
        )
        if review is None:
            continue
        for stage, offset in stages:
            date = review.phase.expected_start + dt.timedelta(days=offset)
            if date > today:  # a demo never claims something happened in the future
                continue
            _, created = StageEvent.objects.get_or_create(
                review=review,
                stage=stage,
                defaults={
                    "date": date,
                    "sources": DEMO_SOURCE,
                    "confidence": Confidence.LOW,
                    "is_demo": True,
                    "note": "Demo event: not a real fact.",
                },
            )
            if created:
                done.append(f"demo stage event: {review} {stage.label}")
    nigeria = CountryReview.objects.filter(state__code="NGA", phase__number=4).first()
    if nigeria:
        demo_records = [
            (
                FocalPoint,
                {"name": "Demo Focal Point (public)"},
                {
                    "position": "Demo position, Ministry of Justice",
                    "email": "focal.point@example.org",
                    "visibility": Visibility.PUBLIC,
                },
            ),
            (
                FocalPoint,
                {"name": "Demo Focal Point (restricted)"},
                {
                    "position": "Demo restricted contact",
                    "email": "restricted@example.org",
                    "phone": "+000 0000 0000",
                    "visibility": Visibility.RESTRICTED,
                },
            ),
            (
                ReviewDocument,
                {"title": "Demo note verbale on the focal point"},
                {
                    "kind": DocumentKind.NOTE_VERBALE,
                    "url": "https://example.org/demo-note-verbale.pdf",
                    "language": DocumentLanguage.EN,
                    "date": None,
                },
            ),
        ]
        for model, lookup, defaults in demo_records:
            _, created = model.objects.get_or_create(
                review=nigeria,
                is_demo=True,
                **lookup,
                defaults={**defaults, "sources": DEMO_SOURCE, "confidence": Confidence.LOW},
            )
            if created:
                done.append(f"demo {model._meta.verbose_name}: {lookup}")
        for instrument_code, reviewer_code in [("untoc", "GHA"), ("untoc", "FIN")]:
            _, created = Reviewer.objects.get_or_create(
                review=nigeria,
                is_demo=True,
                instrument=Instrument.objects.get(code=instrument_code),
                reviewing_state=State.objects.get(code=reviewer_code),
                defaults={"sources": DEMO_SOURCE, "confidence": Confidence.LOW},
            )
            if created:
                done.append(f"demo reviewing State: {reviewer_code} for {instrument_code}")
    return done


@transaction.atomic
def demo_remove() -> int:
    removed = 0
    for model in (StageEvent, FocalPoint, ReviewDocument, Reviewer):
        removed += model.objects.filter(is_demo=True).delete()[0]
    return removed
