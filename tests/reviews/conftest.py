import datetime as dt

import pytest

from palermo.common.enums import Confidence
from palermo.reviews.enums import Stage, Visibility
from palermo.reviews.models import CountryReview, FocalPoint, StageEvent

PUBLIC_FOCAL = "Amina Public-Focalpoint"
RESTRICTED_FOCAL = "Zed Restricted-Marker-7Q"
RESTRICTED_EMAIL = "restricted-marker-7q@example.org"


@pytest.fixture
def nigeria_review(db):
    """Nigeria's phase-1 review (group 1, cluster I), started 1 November 2020."""
    return CountryReview.objects.select_related("phase").get(state__code="NGA", phase__number=1)


@pytest.fixture
def focal_points(nigeria_review):
    public = FocalPoint.objects.create(
        review=nigeria_review,
        name=PUBLIC_FOCAL,
        email="public-focal@example.org",
        visibility=Visibility.PUBLIC,
        sources="https://example.org/fp",
        confidence=Confidence.HIGH,
    )
    restricted = FocalPoint.objects.create(
        review=nigeria_review,
        name=RESTRICTED_FOCAL,
        email=RESTRICTED_EMAIL,
        phone="+1 555 0199",
        visibility=Visibility.RESTRICTED,
        sources="https://example.org/fp",
        confidence=Confidence.HIGH,
    )
    return public, restricted


@pytest.fixture
def recorded_event(nigeria_review, coordinator):
    return StageEvent.objects.create(
        review=nigeria_review,
        stage=Stage.FOCAL_POINT,
        date=dt.date(2020, 11, 20),
        sources="https://example.org/note-verbale",
        confidence=Confidence.MEDIUM,
        recorded_by=coordinator,
        note="Note verbale received by the secretariat.",
    )
