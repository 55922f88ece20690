"""Bulk exports of published data (open data, C11): CSV, JSON and NDJSON, streamed.

Every dataset is built from the queries the public pages and the API use, so the same rules
hold everywhere: only published submissions past their embargo, authors named through
`public_author` (the identity tier), only listed and verified organizations, and the same
filters with the same 400 messages.

Memory stays flat whatever the size: the rows come from one database cursor
(`.iterator(chunk_size=CHUNK)`), in batches (FIRST_CHUNK rows, then CHUNK); each batch costs a
fixed number of queries (its many-to-many links, its co-signers), the reference rows they
point to are read once per export, and the response streams out in pieces of about
FLUSH_BYTES. So 3 rows and 300 cost the same queries. (prefetch_related would do the same
work through a related manager and a queryset per row: four times slower at 100,000 rows.)

Formats (docs/open-data.md):

* CSV: RFC 4180 (comma, CRLF, double quotes when needed), UTF-8 without a byte-order mark
  unless `?bom=1` (for Excel), one header row. Lists are joined with "; ". A text cell that a
  spreadsheet would run as a formula gets a leading apostrophe (see `neutralise`).
* JSON: one array of objects, streamed; lists stay lists.
* NDJSON: one JSON object per line, the same objects as JSON.
"""

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from palermo.common.views import bad_filter
from palermo.organizations import queries as organization_queries
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.reviews import queries as review_queries
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import Stage
from palermo.submissions import queries as submission_queries
from palermo.submissions.coalitions import public_cosigners
from palermo.submissions.identity import public_author
from palermo.submissions.models import (
    CoSigner,
    CoSignerStatus,
    Recommendation,
    Submission,
    SubmissionSource,
)

CHUNK = 1000  # rows per database round trip (and per set of per-batch queries)
FIRST_CHUNK = 100  # a short first batch: the first row leaves within a fraction of a second
FLUSH_BYTES = 64 * 1024  # bytes handed to the server at a time
LIST_SEPARATOR = "; "


# Each app raises its own; all of them mean "this filter names nothing" (a 400).
FILTER_ERRORS = (
    submission_queries.FilterError,
    review_queries.FilterError,
    organization_queries.FilterError,
)


# --- Formula injection ------------------------------------------------------------------------

# OWASP "CSV Injection": a cell starting with one of these is run as a formula by Excel,
# LibreOffice or Google Sheets. The full-width forms are there too: some spreadsheet
# versions fold them to their ASCII twins before parsing.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(cell: str) -> str:
    """The cell with a leading apostrophe when a spreadsheet would read it as a formula.

    Spreadsheets take a leading apostrophe as "this is text" and do not show it. Leading
    spaces are looked through: some importers strip them, and " =1+1" would then run."""
    if cell.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


# --- Rendering --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Dates as ISO 8601 and lazy translations as text: what json.dumps cannot write."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"not exportable: {type(value).__name__}")


def _json(record: dict) -> str:
    text = json.dumps(record, ensure_ascii=False, default=_plain, separators=(",", ":"))
    # Valid JSON either way; escaped, U+2028/2029 cannot split an NDJSON line in readers
    # that break lines on them (Python's str.splitlines, some editors).
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _lookup(record: dict, column: str) -> Any:
    """A value by dotted path: "participation.untoc" is record["participation"]["untoc"]."""
    value: Any = record
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula, and -3 must stay -3
    if isinstance(value, list | tuple):
        return neutralise(LIST_SEPARATOR.join("" if v is None else str(v) for v in value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return neutralise(str(value))


def _buffered(pieces: Iterable[str]) -> Iterator[bytes]:
    """Joins small pieces into writes of about FLUSH_BYTES. The first piece that carries a
    record goes out alone, at once: the reader sees data as soon as the first chunk is read."""
    pending: list[str] = []
    size = 0
    first = True
    for piece in pieces:
        pending.append(piece)
        size += len(piece)
        if first or size >= FLUSH_BYTES:
            yield "".join(pending).encode()
            pending, size, first = [], 0, False
    if pending:
        yield "".join(pending).encode()


def csv_pieces(records: Iterable[dict], columns: list[str], *, bom: bool) -> Iterator[str]:
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(_lookup(record, column)) for column in columns])
        yield out.getvalue()  # the header goes out with the first row
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue()  # no row: the header alone


def json_pieces(records: Iterable[dict]) -> Iterator[str]:
    separator = "[\n"
    for record in records:
        yield separator + _json(record)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def ndjson_pieces(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield _json(record) + "\n"  # json.dumps escapes newlines inside strings


FORMATS = {
    "csv": ("text/csv; charset=utf-8; header=present", "CSV"),
    "json": ("application/json", "JSON"),
    "ndjson": ("application/x-ndjson", "NDJSON"),
}


# --- Datasets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any  # lazy text
    description: Any
    filters: tuple[str, ...]
    parse: Callable[[Any], Any]  # query parameters -> parsed filters; raises FILTER_ERRORS
    records: Callable[..., Iterable[dict]]  # (parsed, *, today) -> records, lazily
    columns: Callable[[], list[str]]  # CSV columns, dotted paths into a record


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _submission_url() -> Callable[[str], str]:
    """reference -> absolute address, without a reverse() per row (it shows at 100,000)."""
    placeholder = "S-0000-0000"
    pattern = _absolute(reverse("submissions:submission_detail", args=[placeholder]))
    before, after = pattern.split(placeholder)
    return lambda reference: f"{before}{reference}{after}"


def _batches(rows: Iterable) -> Iterator[list]:
    """Rows in lists: a short first one, so that the first row leaves at once, then CHUNK."""
    iterator = iter(rows)
    size = FIRST_CHUNK
    while batch := list(islice(iterator, size)):
        yield batch
        size = CHUNK


@dataclass(frozen=True)
class Reference:
    """The reference rows every export row points to, read once per export (a few hundred
    rows): cheaper than joining or instantiating them again for every one of 100,000 rows."""

    states: dict[int, State]  # with their regional group, for public_author()
    clusters: dict[int, str]  # id -> numeral
    instruments: dict[int, tuple[int, str]]  # id -> (order, code)
    articles: dict[int, str]  # id -> "untoc-5"


def _reference() -> Reference:
    return Reference(
        states={s.pk: s for s in State.objects.select_related("regional_group")},
        clusters=dict(Cluster.objects.values_list("pk", "numeral")),
        instruments={
            pk: (order, code)
            for pk, order, code in Instrument.objects.values_list("pk", "order", "code")
        },
        articles={
            pk: f"{code}-{number}"
            for pk, code, number in Article.objects.values_list("pk", "instrument__code", "number")
        },
    )


def _linked(through, owner: str, target: str, ids: list[int]) -> dict[int, list[int]]:
    """owner id -> target ids, from a many-to-many table, for one batch: one query."""
    found: dict[int, list[int]] = defaultdict(list)
    pairs = through.objects.filter(**{f"{owner}__in": ids}).values_list(owner, target)
    for owner_id, target_id in pairs:
        found[owner_id].append(target_id)
    return found


def _with_headquarters(submission: Submission, reference: Reference) -> Submission:
    """public_author() reads the headquarters' regional group: given from the reference
    rows instead of a join per row."""
    organization = submission.organization
    if organization is not None and organization.headquarters_id:
        organization.headquarters = reference.states[organization.headquarters_id]
    return submission


class _Cosigned:
    """What public_cosigners() reads of a submission (its tier and co-signers), from the
    co-signers read once per batch: the tier rule stays in one place (coalitions.py)."""

    def __init__(self, tier: str, cosigners: list[CoSigner]):
        self.tier = tier
        self.cosigners = self
        self._cosigners = cosigners

    def all(self) -> list[CoSigner]:
        return self._cosigners


def _public_submission_ids(filters, *, today):
    """The ids of what /submissions/ lists for these filters (published, past any embargo,
    type only where the organization is named), as a subquery: no DISTINCT over the rows."""
    return (
        submission_queries.published_submissions(filters, today=today)
        .prefetch_related(None)
        .values("pk")
    )


SUBMISSION_COLUMNS = [
    "reference",
    "url",
    "title",
    "summary",
    "law",
    "practice",
    "language",
    "state",
    "state_name",
    "cluster",
    "instruments",
    "articles",
    "author",
    "tier",
    "cosigners",
    "cosigner_count",
    "published_at",
    "version",
    "is_demo",
]


def submission_records(filters, *, today) -> Iterator[dict]:
    """One streamed query for the rows (with the organization and author public_author()
    reads), then per batch one query each for instruments, articles and co-signers."""
    reference = _reference()
    url = _submission_url()
    found = (
        Submission.objects.filter(pk__in=_public_submission_ids(filters, today=today))
        .select_related("organization", "created_by")
        .order_by("pk")
    )
    for batch in _batches(found.iterator(chunk_size=CHUNK)):
        ids = [s.pk for s in batch]
        instruments = _linked(Submission.instruments.through, "submission_id", "instrument_id", ids)
        articles = _linked(Submission.articles.through, "submission_id", "article_id", ids)
        cosigners: dict[int, list[CoSigner]] = defaultdict(list)
        for cosigner in CoSigner.objects.filter(
            submission_id__in=ids,
            # public_cosigners() looks at these two statuses only.
            status__in=[CoSignerStatus.ACCEPTED, CoSignerStatus.WITHDRAWN],
        ).select_related("organization"):
            cosigners[cosigner.submission_id].append(cosigner)
        for submission in batch:
            _with_headquarters(submission, reference)
            state = reference.states[submission.state_id]
            public = public_cosigners(_Cosigned(submission.tier, cosigners[submission.pk]))
            yield {
                "reference": submission.reference,
                "url": url(submission.reference),
                "title": submission.title,
                "summary": submission.summary,
                "law": submission.law,
                "practice": submission.practice,
                "language": submission.language,
                "state": state.code,
                "state_name": state.name,
                "cluster": reference.clusters.get(submission.cluster_id),
                "instruments": [
                    code
                    for _order, code in sorted(
                        reference.instruments[i] for i in instruments[submission.pk]
                    )
                ],
                "articles": sorted(reference.articles[a] for a in articles[submission.pk]),
                "author": public_author(submission),
                "tier": submission.tier,
                # Names only when the organization is named (attributed); a count otherwise.
                "cosigners": [
                    c.organization.name
                    for c in public["signers"]
                    if c.status == CoSignerStatus.ACCEPTED
                ],
                "cosigner_count": public["count"],
                "published_at": submission.published_at,
                "version": submission.version,
                "is_demo": bool(submission.organization and submission.organization.is_demo),
            }


RECOMMENDATION_COLUMNS = [
    "submission",
    "submission_url",
    "number",
    "state",
    "cluster",
    "author",
    "tier",
    "text",
    "addressee",
    "priority",
    "articles",
    "published_at",
]


def recommendation_records(filters, *, today) -> Iterator[dict]:
    """The rows of /api/v1/recommendations (same filters, same rule), by submission and
    number: one streamed query, then one query per batch for the articles named."""
    reference = _reference()
    url = _submission_url()
    public = (
        submission_queries.published_recommendations(filters, today=today)
        .prefetch_related(None)
        .values("pk")
    )
    found = (
        Recommendation.objects.filter(pk__in=public)
        .select_related("submission__organization", "submission__created_by")
        # The submission's long texts are not part of this export.
        .defer("submission__summary", "submission__law", "submission__practice")
        .order_by("submission_id", "position", "pk")
    )
    for batch in _batches(found.iterator(chunk_size=CHUNK)):
        articles = _linked(
            Recommendation.articles.through,
            "recommendation_id",
            "article_id",
            [r.pk for r in batch],
        )
        for recommendation in batch:
            submission = _with_headquarters(recommendation.submission, reference)
            yield {
                "submission": submission.reference,
                "submission_url": url(submission.reference),
                "number": recommendation.position,
                "state": reference.states[submission.state_id].code,
                "cluster": reference.clusters.get(submission.cluster_id),
                "author": public_author(submission),
                "tier": submission.tier,
                "text": recommendation.text,
                "addressee": recommendation.addressee,
                "priority": recommendation.priority,
                "articles": sorted(reference.articles[a] for a in articles[recommendation.pk]),
                "published_at": submission.published_at,
            }


SOURCE_COLUMNS = ["submission", "position", "title", "url", "date", "kind"]


def source_records(filters, *, today) -> Iterator[dict]:
    found = (
        SubmissionSource.objects.filter(submission__in=_public_submission_ids(filters, today=today))
        .select_related("submission")
        .only("submission__reference", "position", "title", "url", "date", "kind")
        .order_by("submission_id", "position")
    )
    for source in found.iterator(chunk_size=CHUNK):
        yield {
            "submission": source.submission.reference,
            "position": source.position,
            "title": source.title,
            "url": source.url,
            "date": source.date,
            "kind": source.kind,
        }


def _instrument_codes() -> list[str]:
    return list(Instrument.objects.values_list("code", flat=True))


def state_columns() -> list[str]:
    return [
        "code",
        "name",
        "is_iso_code",
        "kind",
        "regional_group",
        "review_group",
        "progress",
        "overdue_days",
        *(f"participation.{code}" for code in _instrument_codes()),
        "url",
        "has_demo",
    ]


def state_records(filters, *, today) -> Iterator[dict]:
    # Every State (about 200) in four queries: small, so read at once like the /states/ page.
    for row in review_queries.state_rows(filters=filters, today=today):
        state = row.state
        yield {
            "code": state.code,
            "name": state.name,
            "is_iso_code": state.is_iso_code,
            "kind": state.kind,
            "regional_group": state.regional_group.code if state.regional_group else None,
            "review_group": row.group_number,
            "progress": row.progress.value,
            "overdue_days": row.current.status.overdue_days if row.current else None,
            "participation": {code: p.status for code, p in row.participations.items()},
            "url": _absolute(state.get_absolute_url()),
            "has_demo": row.has_demo,
        }


def review_columns() -> list[str]:
    return [
        "state",
        "state_name",
        "regional_group",
        "group",
        "phase",
        "cluster",
        "is_current",
        "expected_start",
        "expected_end",
        "dates_derived",
        "progress",
        "overdue_days",
        "next_stage",
        "next_expected",
        *(f"observed.{stage.value}" for stage in Stage),
        "url",
        "has_demo",
    ]


def review_records(filters, *, today) -> Iterator[dict]:
    # The API's /reviews query (a few hundred rows at most, in a fixed number of queries):
    # same filters, same order, same derived stage. Focal points are not exported.
    for row in review_queries.country_reviews(filters=filters, user=AnonymousUser(), today=today):
        review, status = row.view.review, row.view.status
        nxt = status.next_milestone
        yield {
            "state": row.state.code,
            "state_name": row.state.name,
            "regional_group": row.state.regional_group.code if row.state.regional_group else None,
            "group": review.phase.group.number,
            "phase": review.phase.number,
            "cluster": review.phase.cluster.numeral,
            "is_current": row.is_current,
            "expected_start": review.phase.expected_start,
            "expected_end": review.phase.expected_end,
            "dates_derived": review.phase.is_derived,
            "progress": status.progress.value,
            "overdue_days": status.overdue_days,
            "next_stage": nxt.stage.value if nxt else None,
            "next_expected": nxt.expected if nxt else None,
            "observed": {m.stage.value: m.observed for m in status.milestones if m.observed},
            "url": _absolute(review.get_absolute_url()),
            "has_demo": row.view.has_demo,
        }


ORGANIZATION_COLUMNS = [
    "slug",
    "name",
    "name_latin",
    "type",
    "headquarters",
    "countries",
    "regions",
    "languages",
    "instruments",
    "topics",
    "ecosoc_status",
    "website",
    "description",
    "url",
    "is_demo",
]


def organization_records(filters, *, today) -> Iterator[dict]:
    # The registry's own rule: listed by the organization and verified by the coordinators.
    found = organization_queries.public_organizations(filters).order_by("pk")
    for org in found.iterator(chunk_size=CHUNK):
        yield {
            "slug": org.slug,
            "name": org.name,
            "name_latin": org.name_latin,
            "type": org.kind,
            "headquarters": org.headquarters.code if org.headquarters_id else None,
            "countries": [c.code for c in org.countries.all()],
            "regions": [r.code for r in org.regions.all()],
            "languages": list(org.languages or []),
            "instruments": [i.code for i in org.instruments.all()],
            "topics": [t.code for t in org.topics.all()],
            "ecosoc_status": org.ecosoc_status,
            "website": org.website,
            "description": org.description,
            "url": _absolute(org.get_absolute_url()),
            "is_demo": org.is_demo,
        }


SUBMISSION_FILTERS = ("state", "instrument", "article", "cluster", "language", "type")

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in [
        Dataset(
            name="submissions",
            title=_lazy("Published submissions"),
            description=_lazy(
                "Civil-society submissions published and past their embargo, one row each, "
                "authors named as they chose (identity tier)."
            ),
            filters=SUBMISSION_FILTERS,
            parse=submission_queries.parse_submission_filters,
            records=submission_records,
            columns=lambda: SUBMISSION_COLUMNS,
        ),
        Dataset(
            name="recommendations",
            title=_lazy("Recommendations"),
            description=_lazy(
                "Every recommendation of the published submissions, with the reference of "
                "its submission and its authors named as the submission's tier says."
            ),
            filters=("state", "article", "addressee", "priority"),
            parse=submission_queries.parse_recommendation_filters,
            records=recommendation_records,
            columns=lambda: RECOMMENDATION_COLUMNS,
        ),
        Dataset(
            name="sources",
            title=_lazy("Sources"),
            description=_lazy(
                "The sources cited by the published submissions, with the reference of their "
                "submission. The filters select submissions."
            ),
            filters=SUBMISSION_FILTERS,
            parse=submission_queries.parse_submission_filters,
            records=source_records,
            columns=lambda: SOURCE_COLUMNS,
        ),
        Dataset(
            name="states",
            title=_lazy("States"),
            description=_lazy(
                "Every State with its regional group, review group, participation in each "
                "instrument and the derived stage of its current review."
            ),
            filters=("region", "group", "instrument", "stage"),
            parse=review_queries.parse_state_filters,
            records=state_records,
            columns=state_columns,
        ),
        Dataset(
            name="reviews",
            title=_lazy("Country reviews"),
            description=_lazy(
                "One row per State and review phase: expected dates, the derived stage, "
                "delays and the dates of the stages recorded."
            ),
            filters=(
                "state",
                "region",
                "group",
                "instrument",
                "stage",
                "phase",
                "cluster",
                "current",
            ),
            parse=review_queries.parse_review_filters,
            records=review_records,
            columns=review_columns,
        ),
        Dataset(
            name="organizations",
            title=_lazy("Organizations"),
            description=_lazy(
                "The organizations of the public registry: verified, and listed by their "
                "own choice."
            ),
            filters=("country", "region", "type", "instrument", "expertise", "q"),
            parse=organization_queries.parse_registry_filters,
            records=organization_records,
            columns=lambda: ORGANIZATION_COLUMNS,
        ),
    ]
}


# --- Views ------------------------------------------------------------------------------------


def export_list(request):
    return render(
        request,
        "reports/exports.html",
        {"datasets": DATASETS.values(), "formats": FORMATS, "today": review_today()},
    )


def _in_language(chunks: Iterator[bytes], language: str) -> Iterator[bytes]:
    """Each chunk is made in the request's language: the stream runs after the view has
    returned, when the middleware may have moved on."""
    while True:
        with translation.override(language):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def _bad_request(request, fmt: str, message: str) -> HttpResponse:
    if fmt == "csv":
        return bad_filter(request, message)
    return JsonResponse({"detail": message}, status=400)  # the API's error shape


def export_download(request, dataset: str, fmt: str):
    spec = DATASETS.get(dataset)
    if spec is None or fmt not in FORMATS:
        raise Http404
    try:
        filters = spec.parse(request.GET)
    except FILTER_ERRORS as error:
        return _bad_request(request, fmt, str(error))
    bom = request.GET.get("bom", "")
    if bom not in ("", "0", "1") or (bom and fmt != "csv"):
        return _bad_request(request, fmt, _("“bom” is 1 or 0, and for CSV only."))
    today = review_today()
    # Nothing has been read yet: the records are generators, run as the response streams.
    records = spec.records(filters, today=today)
    if fmt == "csv":
        pieces = csv_pieces(records, spec.columns(), bom=bom == "1")
    elif fmt == "json":
        pieces = json_pieces(records)
    else:
        pieces = ndjson_pieces(records)
    response = StreamingHttpResponse(
        _in_language(_buffered(pieces), translation.get_language() or settings.LANGUAGE_CODE),
        content_type=FORMATS[fmt][0],
    )
    response["Content-Disposition"] = (
        f'attachment; filename="palermo-hub-{dataset}-{today.isoformat()}.{fmt}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
