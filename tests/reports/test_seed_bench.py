"""manage.py seed_bench: clearly synthetic, published, complete (recommendations, a source,
a version hashed like a real one), refused on a production-like site and when it already
ran, and reproducible from its seed."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from palermo.organizations.models import Organization
from palermo.submissions import services
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import Submission, content_hash

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

FLAG = "--i-know-this-is-not-production"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


def synthetic() -> list[Submission]:
    return list(
        Submission.objects.filter(title__contains="(benchmark data)")
        .select_related("state", "organization")
        .order_by("pk")
    )


def test_it_refuses_without_debug_or_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        seed("--submissions", "5")
    assert not Submission.objects.exists()


def test_it_makes_clearly_synthetic_published_submissions(settings):
    settings.DEBUG = True
    output = seed("--submissions", "60", "--organizations", "6", "--batch", "25")

    assert "60 synthetic submissions" in output
    organizations = Organization.objects.filter(slug__startswith="synthetic-org-").order_by("slug")
    assert [o.name for o in organizations] == [
        f"Synthetic org {n:05d} (benchmark data)" for n in range(1, 7)
    ]
    assert all(o.is_demo for o in organizations)
    made = synthetic()
    assert len(made) == 60
    assert {s.title.split(":")[0] for s in made} == {
        f"Synthetic submission {n:06d} (benchmark data)" for n in range(1, 61)
    }
    assert {s.status for s in made} == {SubmissionStatus.PUBLISHED}
    assert all(s.published_at and s.embargo_until is None for s in made)
    assert all(s.summary.startswith("[Synthetic benchmark data]") for s in made)
    for submission in made:
        assert submission.tier != IdentityTier.ANONYMOUS or submission.organization is None
        assert 1 <= submission.recommendations.count() <= 3
        assert submission.sources.count() == 1
        assert submission.instruments.exists()


def test_each_version_is_what_the_service_would_have_recorded(settings):
    settings.DEBUG = True
    seed("--submissions", "30")

    for submission in synthetic():
        version = submission.versions.get()
        assert version.number == submission.version == 1
        assert version.content == services.snapshot(submission)
        assert version.content_sha256 == content_hash(services.snapshot(submission))


def test_the_data_is_spread_out(settings):
    seed("--submissions", "400", FLAG)
    made = synthetic()

    assert len(Counter(s.state.code for s in made)) > 30
    assert set(Counter(s.tier for s in made)) == set(IdentityTier.values)
    assert len(Counter(s.language for s in made)) >= 6
    assert len(Counter(s.cluster_id for s in made)) == 5  # four clusters and none
    assert len(Counter(s.state.regional_group_id for s in made)) >= 5
    assert sum(1 for s in made if s.review_id) > 200


def test_it_refuses_to_run_twice_unless_asked_to_replace(settings):
    seed("--submissions", "20", "--seed", "7", FLAG)
    first = [(s.title, s.state.code, s.tier, s.language) for s in synthetic()]

    with pytest.raises(CommandError, match="already there"):
        seed("--submissions", "20", FLAG)
    output = seed("--submissions", "20", "--seed", "7", "--replace", FLAG)

    assert "removed" in output
    assert [(s.title, s.state.code, s.tier, s.language) for s in synthetic()] == first
    assert Organization.objects.filter(slug__startswith="synthetic-org-").count() == 10


def test_the_exports_carry_the_synthetic_data(settings):
    seed("--submissions", "25", FLAG)

    response = Client().get("/exports/submissions.ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()

    expected = Submission.objects.filter(title__contains="(benchmark data)").count()
    assert len(lines) == expected == 25
