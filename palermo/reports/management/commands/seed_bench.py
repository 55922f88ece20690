"""Generate a large, clearly synthetic data set for benchmarks (never for a public site).

    manage.py seed_bench --submissions 100000 [--organizations 2000] [--seed 1] [--replace]

Every organization is named "Synthetic org 00001 (benchmark data)" (slug synthetic-org-…) and
marked demo, every submission "Synthetic submission 000001 (benchmark data): …", and every
text starts with "[Synthetic benchmark data]". The submissions are published, spread across
States (mostly those with a review under way), clusters, articles, languages, identity tiers
and regions, each with 1-3 recommendations, one source and its version 1 (hashed like a real
one, so reports can cite it). Rows are written with bulk_create in batches: no history rows,
no e-mails, no workflow events.
"""

import datetime as dt
import random
import time
from collections import defaultdict
from itertools import accumulate

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError
from django.db.models.functions import Length
from django.test.utils import override_settings
from django.utils import timezone

from palermo.common.text import name_skeleton
from palermo.organizations.enums import EcosocStatus, OrganizationType, VerificationStatus
from palermo.organizations.models import Organization
from palermo.reference.models import Article, Cluster, Instrument, State, Topic
from palermo.reviews.models import CountryReview
from palermo.submissions.enums import (
    Addressee,
    IdentityTier,
    Priority,
    SourceKind,
    SubmissionStatus,
)
from palermo.submissions.models import (
    Recommendation,
    Submission,
    SubmissionSource,
    SubmissionVersion,
    content_hash,
)

SLUG_PREFIX = "synthetic-org-"
MARK = "[Synthetic benchmark data]"

# Shares, roughly as expected from the network: most input in English, Spanish and French;
# most authors named; a sizeable minority shielded (pseudonymous) or anonymous.
LANGUAGES = {"en": 44, "es": 16, "fr": 15, "ar": 8, "ru": 7, "zh": 5, "pt": 5}
TIERS = {
    IdentityTier.ATTRIBUTED: 55,
    IdentityTier.COALITION: 14,
    IdentityTier.PSEUDONYMOUS: 23,
    IdentityTier.ANONYMOUS: 8,
}
INSTRUMENTS = {"untoc": 60, "tip": 20, "som": 10, "firearms": 10}
KINDS = {
    OrganizationType.NGO: 55,
    OrganizationType.COMMUNITY: 12,
    OrganizationType.NETWORK: 10,
    OrganizationType.ACADEMIA: 12,
    OrganizationType.MEDIA: 5,
    OrganizationType.FOUNDATION: 4,
    OrganizationType.PRIVATE: 2,
}

# A few made-up sentences per language, so text in every script reaches exports and PDFs.
SENTENCES = {
    "en": [
        "The law covers the offence only in part.",
        "Few cases reach court and fewer end in a conviction.",
        "Victims rarely receive compensation or protection.",
        "Investigators lack training and resources.",
        "Cooperation with neighbouring States is slow.",
        "Civil society is not consulted on the self-assessment.",
    ],
    "es": [
        "La ley cubre el delito solo en parte.",
        "Pocos casos llegan a los tribunales.",
        "Las víctimas rara vez reciben reparación.",
        "Faltan recursos para la investigación.",
    ],
    "fr": [
        "La loi ne couvre l'infraction qu'en partie.",
        "Peu d'affaires arrivent devant les tribunaux.",
        "Les victimes sont rarement indemnisées.",
        "La coopération régionale reste lente.",
    ],
    "ar": [
        "يغطي القانون الجريمة جزئياً فقط.",
        "قليل من القضايا يصل إلى المحاكم.",
        "نادراً ما يحصل الضحايا على تعويض.",
    ],
    "ru": [
        "Закон охватывает это преступление лишь частично.",
        "Лишь немногие дела доходят до суда.",
        "Жертвы редко получают компенсацию.",
    ],
    "zh": [
        "法律仅部分涵盖该罪行。",
        "很少有案件进入法院审理。",
        "受害者很少获得赔偿。",
    ],
    "pt": [
        "A lei cobre o crime apenas em parte.",
        "Poucos casos chegam aos tribunais.",
        "As vítimas raramente recebem indemnização.",
    ],
}
RECOMMENDATIONS = [
    "Adopt a specific offence in line with the article.",
    "Train investigators and prosecutors.",
    "Fund victim support services.",
    "Publish annual data on prosecutions.",
    "Consult civil society on the self-assessment.",
]


def synthetic_submissions():
    # Anonymous ones have no organization: every synthetic submission is found by its title.
    return Submission.objects.filter(
        title__startswith="Synthetic submission ", title__contains="(benchmark data)"
    )


def is_synthetic_present() -> bool:
    return (
        Organization.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        or synthetic_submissions().exists()
    )


def synthetic_remove(*, batch: int = 1000, report=lambda message: None) -> int:
    """Delete the synthetic organizations and their submissions, a batch at a time through
    the ORM, so everything attached (versions, recommendations, history) goes with them."""
    removed = 0
    # The rows were written without history (bulk_create); deleting them one history row
    # at a time would take longer than making them, and record nothing worth keeping.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        while ids := list(synthetic_submissions().values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                removed += Submission.objects.filter(pk__in=ids).delete()[0]
            report(f"removed {removed} rows so far")
        return removed + Organization.objects.filter(slug__startswith=SLUG_PREFIX).delete()[0]


class Picker:
    """Weighted choices with precomputed cumulative weights (fast for large draws)."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng = rng
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]


def _text(rng: random.Random, language: str, low: int, high: int) -> str:
    pool = SENTENCES[language]
    target = rng.randint(low, high)
    parts = [MARK]
    size = len(MARK)
    while size < target:
        sentence = rng.choice(pool)
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


class Command(BaseCommand):
    help = "Generate a large synthetic data set for benchmarks. Never on a public site."

    def add_arguments(self, parser):
        parser.add_argument("--submissions", type=int, required=True)
        parser.add_argument(
            "--organizations", type=int, help="default: one per 50 submissions (at least 10)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2000, help="rows per bulk insert")
        parser.add_argument(
            "--replace", action="store_true", help="delete earlier synthetic data first"
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            help="run although DEBUG is off (a benchmark site)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["i_know_this_is_not_production"]:
            raise CommandError(
                "Refusing to generate benchmark data with DEBUG off: it must never reach a "
                "public site. Pass --i-know-this-is-not-production on a throwaway copy."
            )
        total = options["submissions"]
        organizations = options["organizations"] or max(10, total // 50)
        if total < 0 or organizations < 1 or options["batch"] < 1:
            raise CommandError("--submissions must be 0 or more, the others 1 or more.")
        if not (State.objects.exists() and Article.objects.exists()):
            raise CommandError("No reference data: run manage.py load_reference first.")
        started = time.perf_counter()
        if is_synthetic_present():
            if not options["replace"]:
                raise CommandError(
                    "Synthetic data is already there. Pass --replace to delete it and "
                    "generate it again."
                )
            try:
                removed = synthetic_remove(report=self._progress)
            except ProtectedError as error:
                raise CommandError(
                    "Some synthetic submissions are cited by a report snapshot, which is a "
                    "record: start from a new database instead."
                ) from error
            self.stdout.write(f"removed {removed} synthetic rows")
        generator = Generator(seed=options["seed"], batch=options["batch"])
        orgs = generator.organizations(organizations)
        self.stdout.write(f"{len(orgs)} synthetic organizations")
        made = generator.submissions(total, orgs, report=self._progress)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{made} synthetic submissions, with recommendations, sources and versions, "
            f"in {elapsed:.1f} s"
        )

    def _progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


class Generator:
    def __init__(self, *, seed: int, batch: int):
        self.rng = random.Random(seed)
        self.batch = batch
        self.now = timezone.now()
        self.states = list(State.objects.select_related("regional_group"))
        self.instruments = {i.code: i for i in Instrument.objects.all()}
        self.clusters = {c.pk: c for c in Cluster.objects.all()}
        self.topics = list(Topic.objects.values_list("pk", flat=True))
        self.articles = defaultdict(list)  # (instrument code, cluster id or None) -> articles
        for article in Article.objects.select_related("instrument"):
            self.articles[(article.instrument.code, article.cluster_id)].append(article)
            self.articles[(article.instrument.code, "any")].append(article)
        self.reviews: dict[tuple[int, int], int] = {}  # (state, cluster) -> review
        self.review_clusters = defaultdict(list)  # state -> clusters it is reviewed on
        for review_id, state_id, cluster_id in CountryReview.objects.values_list(
            "pk", "state_id", "phase__cluster_id"
        ):
            self.reviews[(state_id, cluster_id)] = review_id
            self.review_clusters[state_id].append(cluster_id)
        self.reviewed_states = [s for s in self.states if s.pk in self.review_clusters]
        self.language = Picker(self.rng, LANGUAGES)
        self.tier = Picker(self.rng, TIERS)
        self.instrument = Picker(self.rng, INSTRUMENTS)

    # --- Organizations -------------------------------------------------------------------

    def organizations(self, count: int) -> list[Organization]:
        rng = self.rng
        kind = Picker(rng, KINDS)
        made = []
        for number in range(1, count + 1):
            name = f"Synthetic org {number:05d} (benchmark data)"
            verified = rng.random() < 0.95
            made.append(
                Organization(
                    slug=f"{SLUG_PREFIX}{number:05d}",
                    name=name,
                    name_skeleton=name_skeleton(name),
                    kind=kind(),
                    headquarters=rng.choice(self.states),
                    languages=sorted(rng.sample(list(LANGUAGES), rng.randint(1, 3))),
                    ecosoc_status=rng.choice(EcosocStatus.values),
                    description=f"{MARK} Not a real organization: made up for benchmarks.",
                    is_listed=verified and rng.random() < 0.85,
                    verification_status=(
                        VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
                    ),
                    is_demo=True,  # every page and export labels it as made up
                )
            )
        with transaction.atomic():
            made = Organization.objects.bulk_create(made, batch_size=self.batch)
            self._organization_links(made)
        return made

    def _organization_links(self, organizations: list[Organization]) -> None:
        rng = self.rng
        through = Organization.countries.through, Organization.regions.through
        countries, regions, instruments, topics = [], [], [], []
        for org in organizations:
            for state in rng.sample(self.states, rng.randint(1, 3)):
                countries.append(through[0](organization_id=org.pk, state_id=state.pk))
            if org.headquarters.regional_group_id:
                regions.append(
                    through[1](
                        organization_id=org.pk, regionalgroup_id=org.headquarters.regional_group_id
                    )
                )
            for code in {self.instrument() for _ in range(rng.randint(1, 2))}:
                instruments.append(
                    Organization.instruments.through(
                        organization_id=org.pk, instrument_id=self.instruments[code].pk
                    )
                )
            for topic in rng.sample(self.topics, min(len(self.topics), rng.randint(1, 3))):
                topics.append(Organization.topics.through(organization_id=org.pk, topic_id=topic))
        for rows in (countries, regions, instruments, topics):
            if rows:
                type(rows[0]).objects.bulk_create(rows, batch_size=self.batch)

    # --- Submissions ---------------------------------------------------------------------

    def _first_number(self) -> int:
        prefix = f"S-{self.now.year}-"
        last = (
            Submission.objects.filter(reference__startswith=prefix)
            .order_by(Length("reference").desc(), "-reference")
            .values_list("reference", flat=True)
            .first()
        )
        return int(last.rsplit("-", 1)[1]) + 1 if last else 1

    def submissions(self, total: int, organizations: list[Organization], *, report) -> int:
        # A few organizations write much of the input: weight 1/rank (Zipf).
        org_picker = Picker(self.rng, {org: 1 / rank for rank, org in enumerate(organizations, 1)})
        number = self._first_number()
        made = 0
        while made < total:
            size = min(self.batch, total - made)
            with transaction.atomic():
                self._batch(number + made, made + 1, size, org_picker)
            made += size
            report(f"{made} / {total} submissions")
        return made

    def _draw(self, org_picker):
        rng = self.rng
        tier = self.tier()
        organization = None if tier == IdentityTier.ANONYMOUS else org_picker()
        reviewed = self.reviewed_states and rng.random() < 0.75
        state = rng.choice(self.reviewed_states if reviewed else self.states)
        clusters = self.review_clusters.get(state.pk)
        if clusters and rng.random() < 0.85:
            cluster_id = rng.choice(clusters)
        elif rng.random() < 0.5:
            cluster_id = rng.choice(list(self.clusters))
        else:
            cluster_id = None
        codes = sorted({self.instrument() for _ in range(1 if rng.random() < 0.8 else 2)})
        articles = {}
        for code in codes:
            pool = self.articles.get((code, cluster_id)) or self.articles[(code, "any")]
            for article in rng.sample(pool, min(len(pool), rng.randint(1, 2))):
                articles[article.pk] = article
        return tier, organization, state, cluster_id, codes, list(articles.values())

    def _batch(self, first_number: int, first_index: int, size: int, org_picker) -> None:
        rng = self.rng
        submissions, plans = [], []
        for offset in range(size):
            tier, organization, state, cluster_id, codes, articles = self._draw(org_picker)
            language = self.language()
            published = self.now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
            index = first_index + offset
            submission = Submission(
                reference=f"S-{self.now.year}-{first_number + offset:06d}",
                organization=organization,
                state=state,
                review_id=self.reviews.get((state.pk, cluster_id)),
                cluster_id=cluster_id,
                title=f"Synthetic submission {index:06d} (benchmark data): "
                f"{', '.join(self.instruments[c].abbreviation for c in codes)} in {state.name}",
                summary=_text(rng, language, 150, 350),
                law=_text(rng, language, 200, 900),
                practice=_text(rng, language, 300, 1200),
                language=language,
                tier=tier,
                status=SubmissionStatus.PUBLISHED,
                version=1,
                submitted_at=published - dt.timedelta(days=rng.randint(1, 30)),
                published_at=published,
            )
            submissions.append(submission)
            plans.append((state, cluster_id, codes, articles))
        Submission.objects.bulk_create(submissions, batch_size=self.batch)

        instruments, articles_links, recommendations, sources = [], [], [], []
        rec_articles = []  # parallel to recommendations: the article each one cites
        for submission, (_state, _cluster, codes, articles) in zip(submissions, plans, strict=True):
            for code in codes:
                instruments.append(
                    Submission.instruments.through(
                        submission_id=submission.pk, instrument_id=self.instruments[code].pk
                    )
                )
            for article in articles:
                articles_links.append(
                    Submission.articles.through(submission_id=submission.pk, article_id=article.pk)
                )
            for position in range(1, rng.randint(1, 3) + 1):
                recommendations.append(
                    Recommendation(
                        submission=submission,
                        position=position,
                        text=f"{MARK} {rng.choice(RECOMMENDATIONS)}",
                        addressee=rng.choice(Addressee.values),
                        priority=rng.choice(Priority.values),
                    )
                )
                rec_articles.append(rng.choice(articles) if articles else None)
            sources.append(
                SubmissionSource(
                    submission=submission,
                    position=1,
                    title=f"Synthetic source for {submission.reference} (benchmark data)",
                    url=f"https://example.org/synthetic/{submission.reference}",
                    date=(submission.published_at - dt.timedelta(days=rng.randint(30, 900))).date(),
                    kind=rng.choice(SourceKind.values),
                )
            )
        Submission.instruments.through.objects.bulk_create(instruments, batch_size=self.batch)
        Submission.articles.through.objects.bulk_create(articles_links, batch_size=self.batch)
        Recommendation.objects.bulk_create(recommendations, batch_size=self.batch)
        Recommendation.articles.through.objects.bulk_create(
            [
                Recommendation.articles.through(recommendation_id=r.pk, article_id=a.pk)
                for r, a in zip(recommendations, rec_articles, strict=True)
                if a is not None
            ],
            batch_size=self.batch,
        )
        SubmissionSource.objects.bulk_create(sources, batch_size=self.batch)
        SubmissionVersion.objects.bulk_create(
            self._versions(submissions, plans, recommendations, rec_articles, sources),
            batch_size=self.batch,
        )

    def _versions(self, submissions, plans, recommendations, rec_articles, sources):
        """Version 1 of each, with the content services.snapshot() would record."""
        by_submission = defaultdict(list)
        for recommendation, article in zip(recommendations, rec_articles, strict=True):
            by_submission[recommendation.submission.pk].append((recommendation, article))
        source_of = {s.submission.pk: s for s in sources}
        versions = []
        for submission, (state, cluster_id, codes, articles) in zip(
            submissions, plans, strict=True
        ):
            source = source_of[submission.pk]
            content = {
                "reference": submission.reference,
                "state": state.code,
                "review": submission.review_id,
                "cluster": self.clusters[cluster_id].numeral if cluster_id else None,
                "instruments": codes,
                "articles": sorted(f"{a.instrument.code}-{a.number}" for a in articles),
                "title": submission.title,
                "summary": submission.summary,
                "law": submission.law,
                "practice": submission.practice,
                "language": submission.language,
                "tier": submission.tier,
                "show_authors": False,
                "embargo_until": None,
                "signon_deadline": None,
                "recommendations": [
                    {
                        "text": r.text,
                        "addressee": r.addressee,
                        "priority": r.priority,
                        "articles": [f"{a.instrument.code}-{a.number}"] if a else [],
                    }
                    for r, a in by_submission[submission.pk]
                ],
                "sources": [
                    {
                        "title": source.title,
                        "url": source.url,
                        "date": source.date.isoformat(),
                        "kind": source.kind,
                    }
                ],
                "attachments": [],
            }
            versions.append(
                SubmissionVersion(
                    submission=submission,
                    number=1,
                    content=content,
                    content_sha256=content_hash(content),
                )
            )
        return versions
