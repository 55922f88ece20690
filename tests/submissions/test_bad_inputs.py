"""The bad-input catalogue applied to every field of every submission form (issue #4).

The catalogue is ../shared/research/reliability_perf.md §4.1: markup and script, `javascript:` and
its disguises in URLs and Markdown links, oversized values (the field's limit + 1 and 1 MB), NUL
and other invisible characters, invalid UTF-8 (and the lone surrogate it would encode), bidi
overrides, zero-width characters, very long words, negative and huge numbers, impossible dates,
unknown ids and ids of other objects, and tampered formset management forms.

Each row of the tables below is one test: (form, field, payload) → the outcome it must have:

* ``Refused(message)``: the page comes back (200, or the status given) saying ``message``, shown
  escaped, and nothing is stored;
* ``Stored(value)``: accepted and stored as ``value`` (by default the payload itself), and every
  page that shows it shows it escaped.

Whatever the outcome: never a 500 (the test client re-raises server errors) and no page carries
active content (script elements, on* attributes, javascript:/data:/vbscript: URLs; see
tests.organizations.helpers.active_content). PostgreSQL refuses NUL in text where SQLite stores it,
so here the database refuses it too (``database_refuses_nul``): a NUL that reaches a query fails
on every backend.

Markdown: no submission text is rendered as Markdown (it is shown as escaped plain text), so a
``[x](javascript:…)`` link stays text here; the Markdown renderer itself is tested against the same
link payloads in tests/common/test_markdown.py.

Uploads, row by row of §4.1 (this file adds the HTTP-level cases at the end, which send crafted
``filename=`` headers through the real upload view):

=====================================  =======================================================
bidi override in the file name         here (test_upload), test_attachments::
                                       test_the_safe_filename_never_contains_the_original_name
traversal: ../../etc/passwd, C:\\x\\..\\y  here, and the unit test above; inside archives:
                                       test_attachments::test_unsafe_entry_names_are_refused
polyglot PDF/HTML, .pdf that is HTML   here, test_attachments::test_polyglots_with_markup_near_
                                       the_start_are_refused, test_other_types_are_refused_…,
                                       test_attachment_uploads::test_a_refused_file_is_explained…
zip bomb DOCX (ratio, total, overlap)  here, test_attachments::test_zip_bombs_are_refused_…,
                                       test_zip_bomb_within_the_ratio…, test_overlapping_entries…
pixel flood PNG                        here, test_attachments::test_pixel_flood_is_refused_…
wrong extension                        here, test_attachments::test_an_extension_that_disagrees…
oversize file, limit + 1               test_attachments::test_oversize_is_refused_before_parsing
too many files in one request          here (test_too_many_files_in_one_request_is_a_400)
NUL bytes in addresses                 tests/common/test_nul_bytes.py
=====================================  =======================================================
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.base import Template
from django.test import Client
from django.utils.html import escape

from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.reviews.models import CountryReview
from palermo.submissions import anonymous, forms, receipts
from palermo.submissions.enums import SubmissionStatus
from palermo.submissions.models import (
    Attachment,
    Comment,
    CoSigner,
    CoSignerStatus,
    FormToken,
    Submission,
    SubmissionEvent,
)
from palermo.submissions.views import ANONYMOUS_SESSION_KEY
from tests.organizations.helpers import active_content, make_organization, make_user
from tests.submissions.helpers import (
    LAW,
    PRACTICE,
    article_pk,
    cluster_pk,
    instrument_pk,
    make_submission,
    state_pk,
)
from tests.submissions.test_attachments import (
    _zip_with_zeros,
    header_only_png,
    make_pdf,
    make_png,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# --- The payloads --------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MEGABYTE = 1_000_000
# Markdown links whose target is not http(s)/mailto, in the disguises of the OWASP cheat sheet.
MARKDOWN_LINKS = {
    "md-javascript": "[x](javascript:alert(1))",
    "md-JaVaScRiPt": "[x](JaVaScRiPt:alert(1))",
    "md-spaced-javascript": "[x](  javascript:alert(1))",
    "md-entity-javascript": "[x](java&#x09;script:alert(1))",
    "md-data-html": "[x](data:text/html,<script>alert(1)</script>)",
    "md-vbscript": "[x](vbscript:msgbox(1))",
}
# URL fields: each is refused as "Enter a valid URL." (only http and https are allowed).
BAD_URLS = {
    "javascript": "javascript:alert(1)",
    "JaVaScRiPt": "JaVaScRiPt:alert(document.cookie)",
    "spaced-javascript": "  javascript:alert(1)",
    "tab-javascript": "java\tscript:alert(1)",
    "entity-javascript": "java&#x09;script:alert(1)",
    "data-html": "data:text/html,<script>alert(1)</script>",
    "data-base64": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "vbscript:msgbox(1)",
    "file": "file:///etc/passwd",
    "ftp": "ftp://example.org/file",
}
# Invalid UTF-8 cannot be put in a str: the posting helper replaces this private-use character
# by the raw bytes FF (never valid in UTF-8) and ED A0 80 (the UTF-8 form of the lone surrogate
# U+D800, which strict decoders refuse). Django decodes form bodies with errors="replace".
BAD_UTF8_MARK = "\ue000"
BAD_UTF8_BYTES = "%FF%ED%A0%80"
BAD_UTF8_TEXT = f"bad {BAD_UTF8_MARK} bytes"
BAD_UTF8_STORED = "bad " + b"\xff\xed\xa0\x80".decode("utf-8", "replace") + " bytes"

NULL_MESSAGE = "Null characters are not allowed."
REQUIRED = "This field is required."
BAD_DATE = "Enter a valid date."
BAD_URL = "Enter a valid URL."
NO_SUCH_CHOICE = "Select a valid choice. That choice is not one of the available choices."
TAMPERED_FORMSET = "ManagementForm data is missing or has been tampered with."


def too_long(limit: int, length: int) -> str:
    return f"Ensure this value has at most {limit} characters (it has {length})."


def bidi(position: int, codepoint: str = "U+202E") -> str:
    return f"Remove the invisible text-direction character {codepoint} at position {position}"


def not_a_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."


def not_a_value(value: str) -> str:
    return f"“{value}” is not a valid value."


# --- Outcomes ------------------------------------------------------------------------------

SAME = object()


@dataclass(frozen=True)
class Refused:
    """The page says `message` (escaped) with this status; nothing is stored."""

    message: str
    status: int = 200


@dataclass(frozen=True)
class Stored:
    """Accepted; the field then holds `value` (SAME: the payload; a callable: computed in the
    test) and, if `shown`, the submission's page shows it escaped."""

    value: object = SAME
    shown: bool = True

    def expected(self, payload):
        if self.value is SAME:
            return BAD_UTF8_STORED if payload == BAD_UTF8_TEXT else payload
        return self.value() if callable(self.value) else self.value


def case(form: str, key: str, name: str, value, outcome, *marks):
    return pytest.param(key, value, outcome, id=f"{form}:{key}:{name}", marks=marks)


def hidden_case(form: str, key: str, name: str, value, message: str):
    return case(
        form,
        key,
        name,
        value,
        Refused(message),
    )


def text_cases(form: str, key: str, limit: int, *, single_line: bool, full: bool = True):
    """The text catalogue for one field; `full=False` keeps the rows that differ by form (the
    other rows go through the same field classes and validators, tested on the new form)."""
    rows = [
        ("script", f"Before {SCRIPT} after", Stored()),
        ("nul", "a\x00b", Refused(NULL_MESSAGE)),
        ("rlo", "invoice\u202efdp.exe", Refused(bidi(8))),
        ("1MB", "x" * MEGABYTE, Refused(too_long(limit, MEGABYTE))),
    ]
    if full:
        rows += [
            ("img-onerror", f"See {IMG}", Stored()),
            *[(name, f"Read {link} here", Stored()) for name, link in MARKDOWN_LINKS.items()],
            ("sql", "' OR 1=1--; DROP TABLE x;--", Stored()),
            ("zero-width", "zero\u200bwidth\u200djoiner\ufeff", Stored()),
            ("rtl-and-emoji", "تقرير عن الاتجار بالبشر 📄", Stored()),
            ("long-word", "W" * limit, Stored()),
            ("invalid-utf8", BAD_UTF8_TEXT, Stored()),
            ("lri", "a\u2066b", Refused(bidi(2, "U+2066"))),
            ("escape-char", "a\x1bb", Refused("Remove the invisible control character U+001B")),
            ("c1-control", "a\x85b", Refused("Remove the invisible control character U+0085")),
            ("max+1", "x" * (limit + 1), Refused(too_long(limit, limit + 1))),
        ]
        if single_line:
            rows.append(("line-break", "one\u2028two", Refused("This must be a single line")))
    return [case(form, key, name, value, outcome) for name, value, outcome in rows]


# --- Reference data and forms as a browser posts them ----------------------------------------


@cache
def ids() -> dict[str, str]:
    """Primary keys of reference data (loaded once per session, never changed by tests)."""
    return {
        "NGA": state_pk("NGA"),
        "MEX": state_pk("MEX"),
        "untoc": instrument_pk("untoc"),
        "untoc-5": article_pk("untoc", 5),
        "tip-3": article_pk("tip", 3),
        "cluster-I": cluster_pk("I"),
    }


def rows_of(prefix: str, rows: list[dict], max_num: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(max_num),
    }
    for number, row in enumerate(rows):
        data.update({f"{prefix}-{number}-{name}": value for name, value in row.items()})
    return data


def content_fields() -> dict:
    """What every submission form posts: a complete, valid submission on Nigeria, UNTOC art. 5,
    cluster I, one recommendation and one source (each formset with one blank extra row)."""
    return {
        "cluster": ids()["cluster-I"],
        "instruments": [ids()["untoc"]],
        "articles": [ids()["untoc-5"]],
        "title": "Criminalizing participation in an organized criminal group",
        "summary": "Nigeria's law covers article 5 only in part.",
        "law": LAW,
        "practice": PRACTICE,
        "language": "en",
        "form_token": "f" * 32,
        "base_version": "",
        **rows_of(
            "rec",
            [
                {
                    "text": "Adopt a specific offence of participation.",
                    "addressee": "state",
                    "priority": "high",
                    "articles": [ids()["untoc-5"]],
                },
                {"text": "", "addressee": "", "priority": "medium"},
            ],
            50,
        ),
        **rows_of(
            "src",
            [
                {
                    "title": "Annual report on prosecutions",
                    "url": "https://example.org/report-2023",
                    "date": "2023-05-01",
                    "kind": "report",
                },
                {"title": "", "url": "", "date": "", "kind": "report"},
            ],
            100,
        ),
    }


def member_form(**changes) -> dict:
    data = {
        "state": ids()["NGA"],
        **content_fields(),
        "tier": "attributed",
        "show_authors": "on",
        "embargo_until": "",
        "signon_deadline": "",
    }
    return {**data, **changes}


def edit_form(**changes) -> dict:
    data = member_form(base_version="1", form_token="e" * 32)
    del data["state"]  # disabled on the edit form: a browser does not send it
    return {**data, **changes}


def anonymous_form(**changes) -> dict:
    return {"state": ids()["NGA"], **content_fields(), **changes}


def post(client: Client, url: str, data: dict, **extra):
    """POST as a browser does (urlencoded), with BAD_UTF8_MARK turned into invalid UTF-8."""
    body = urlencode(data, doseq=True).replace(quote_plus(BAD_UTF8_MARK), BAD_UTF8_BYTES)
    return client.post(url, body, content_type="application/x-www-form-urlencoded", **extra)


# --- Checks --------------------------------------------------------------------------------


def assert_page_safe(html: str) -> None:
    """No executable content, and no payload tag that escaped escaping."""
    assert active_content(html) == [], active_content(html)
    for raw in ("<script>alert", "<img src=x", "<svg"):
        assert raw not in html, raw


def assert_refused(response, outcome: Refused) -> str:
    html = response.content.decode()
    assert response.status_code == outcome.status, html[:2000]
    assert escape(outcome.message) in html, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', html)
    assert_page_safe(html)
    return html


def assert_shows(client: Client, url: str, expected=None) -> str:
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    assert_page_safe(html)
    if expected is not None:
        assert escape(expected) in html
    return html


# Where each field of the submission forms is stored.
STORED_AS: dict[str, Callable[[Submission], object]] = {
    "state": lambda s: s.state_id,
    "review": lambda s: s.review_id,
    "cluster": lambda s: s.cluster_id,
    "title": lambda s: s.title,
    "summary": lambda s: s.summary,
    "law": lambda s: s.law,
    "practice": lambda s: s.practice,
    "language": lambda s: s.language,
    "tier": lambda s: s.tier,
    "show_authors": lambda s: s.show_authors,
    "embargo_until": lambda s: s.embargo_until,
    "signon_deadline": lambda s: s.signon_deadline,
    "base_version": lambda s: s.version,
    "form_token": lambda s: FormToken.objects.get(submission=s).token,
    "rec-0-text": lambda s: s.recommendations.get().text,
    "rec-0-articles": lambda s: [str(a.pk) for a in s.recommendations.get().articles.all()],
    "rec-TOTAL_FORMS": lambda s: s.recommendations.count(),
    "rec-INITIAL_FORMS": lambda s: s.recommendations.count(),
    "rec-MAX_NUM_FORMS": lambda s: s.recommendations.count(),
    "src-0-title": lambda s: s.sources.get().title,
    "src-0-url": lambda s: s.sources.get().url,
    "src-0-date": lambda s: s.sources.get().date,
}


def text_value(payload) -> str | None:
    return payload if isinstance(payload, str) else None


# --- Fixtures ------------------------------------------------------------------------------


class _QuickArgon2(Argon2PasswordHasher):
    """The passphrase hash at its cheapest: its cost is not what these tests are about."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


@pytest.fixture(autouse=True)
def quick_passphrase_hash(monkeypatch):
    hasher = _QuickArgon2()
    monkeypatch.setattr(anonymous, "_HASHER", hasher)
    dummy = hasher.encode("dummy", hasher.salt())
    monkeypatch.setattr(anonymous, "_dummy_hash", lambda: dummy)


@pytest.fixture(autouse=True)
def templates_rendered_as_in_production(monkeypatch):
    """The test runner instruments template rendering: a signal and a copy of the context for
    every template, each <option> of the article lists included, which more than doubles the
    cost of these form pages. These tests read the HTML, never response.context."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))


@pytest.fixture(autouse=True)
def database_refuses_nul():
    """Make the test database refuse NUL in text parameters, as PostgreSQL does."""

    def refuse(execute, sql, params, many, context):
        rows = params if many else [params]
        for row in rows or ():
            values = row.values() if isinstance(row, dict) else (row or ())
            for value in values:
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def team(django_user_model):
    editor = make_user(django_user_model, "editor@bad-input.example", display_name="Eda Editor")
    organization = make_organization(
        "Bad Input Watch", slug="bad-input-watch", members={editor: MemberRole.EDITOR}
    )
    return organization, editor


@pytest.fixture
def editor(team) -> Client:
    client = Client()
    client.force_login(team[1])
    return client


@pytest.fixture
def draft(team) -> Submission:
    return make_submission(*team)


@pytest.fixture
def coordinator_session(coordinator) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


# =============================================================================================
# The member's new-submission form
# =============================================================================================

NEW = "new"


def _choice_rows():
    rows = []
    for key in ("state", "cluster"):
        rows += [
            case(NEW, key, "unknown-id", "999999", Refused(NO_SUCH_CHOICE)),
            case(NEW, key, "negative", "-1", Refused(NO_SUCH_CHOICE)),
            case(NEW, key, "huge", "9" * 30, Refused(NO_SUCH_CHOICE)),
            case(NEW, key, "not-a-number", "abc", Refused(NO_SUCH_CHOICE)),
            case(NEW, key, "script", SCRIPT, Refused(NO_SUCH_CHOICE)),
            case(NEW, key, "nul", "\x00", Refused(NULL_MESSAGE)),
        ]
    rows.append(case(NEW, "state", "blank", "", Refused(REQUIRED)))
    for key in ("instruments", "articles", "rec-0-articles"):
        rows += [
            case(NEW, key, "unknown-id", ["999999"], Refused(not_a_choice("999999"))),
            case(NEW, key, "negative", ["-1"], Refused(not_a_choice("-1"))),
            case(NEW, key, "huge", ["9" * 30], Refused(not_a_choice("9" * 30))),
            case(NEW, key, "not-a-number", ["abc"], Refused(not_a_value("abc"))),
            case(NEW, key, "decimal", ["1.5"], Refused(not_a_value("1.5"))),
            case(NEW, key, "script", [SCRIPT], Refused(not_a_value(SCRIPT))),
            case(NEW, key, "nul", ["\x00"], Refused(NULL_MESSAGE)),
        ]
    rows += [
        case(NEW, "instruments", "none", [], Refused(REQUIRED)),
        # An article of an instrument the submission does not cover.
        case(
            NEW,
            "articles",
            "other-instrument",
            ["tip-3"],
            Refused("These articles belong to instruments you did not select: TIP art. 3."),
        ),
        # Recommendations may cite any article (gap noted in the report).
        case(NEW, "rec-0-articles", "other-instrument", ["tip-3"], Stored(["tip-3"], False)),
    ]
    choices = {
        "language": ("xx", True),
        "tier": ("xx", True),
        "rec-0-addressee": ("xx", True),
        "rec-0-priority": ("xx", True),
        "src-0-kind": ("xx", True),
    }
    for key, (unknown, required) in choices.items():
        rows += [
            case(NEW, key, "unknown", unknown, Refused(not_a_choice(unknown))),
            case(NEW, key, "script", SCRIPT, Refused(not_a_choice(SCRIPT))),
            case(NEW, key, "nul", "\x00", Refused(not_a_choice("\x00"))),
            case(NEW, key, "1MB", "x" * MEGABYTE, Refused(not_a_choice("x" * MEGABYTE))),
        ]
        if required:
            rows.append(case(NEW, key, "blank", "", Refused(REQUIRED)))
    rows += [
        # Anonymous is for /submit/ only: an organization cannot post its way into it.
        case(NEW, "tier", "anonymous", "anonymous", Refused(not_a_choice("anonymous"))),
        case(NEW, "show_authors", "script", SCRIPT, Stored(True, False)),
        case(NEW, "show_authors", "false", "false", Stored(False, False)),
        case(NEW, "show_authors", "1MB", "x" * MEGABYTE, Stored(True, False)),
    ]
    return rows


def _date_rows():
    rows = []
    for key in ("embargo_until", "signon_deadline", "src-0-date"):
        rows += [
            case(NEW, key, "zeros", "0000-00-00", Refused(BAD_DATE)),
            case(NEW, key, "feb-30", "2026-02-30", Refused(BAD_DATE)),
            case(NEW, key, "month-13", "2026-13-01", Refused(BAD_DATE)),
            case(NEW, key, "year-99999", "99999-01-01", Refused(BAD_DATE)),
            case(NEW, key, "negative", "-1", Refused(BAD_DATE)),
            case(NEW, key, "huge-number", "9" * 1000, Refused(BAD_DATE)),
            case(NEW, key, "script", SCRIPT, Refused(BAD_DATE)),
            case(NEW, key, "nul", "2026-01-01\x00", Refused(BAD_DATE)),
            case(NEW, key, "last-day", "9999-12-31", Stored(dt.date(9999, 12, 31), False)),
            case(NEW, key, "first-day", "0001-01-01", Stored(dt.date(1, 1, 1), False)),
        ]
    return rows


def _url_rows():
    key = "src-0-url"
    rows = [case(NEW, key, name, url, Refused(BAD_URL)) for name, url in BAD_URLS.items()]
    long_url = "https://example.org/" + "a" * 481
    rows += [
        case(NEW, key, "nul", "https://example.org/\x00", Refused(NULL_MESSAGE)),
        case(NEW, key, "rlo-in-path", "https://example.org/\u202efdp.exe", Refused(bidi(21))),
        case(NEW, key, "rlo-in-host", "https://exa\u202emple.org/", Refused(bidi(12))),
        case(NEW, key, "max+1", long_url, Refused(too_long(500, 501))),
        case(NEW, key, "1MB", "https://example.org/" + "a" * MEGABYTE, Refused(BAD_URL)),
        case(NEW, key, "script", SCRIPT, Refused(BAD_URL)),
        # Accepted, and harmless: an http(s) link, its markup escaped in the href.
        case(
            NEW,
            key,
            "attribute-breakout",
            'https://example.org/"><script>alert(1)</script>',
            Stored(),
        ),
        case(NEW, key, "scheme-relative", "//evil.example/x", Stored("https://evil.example/x")),
        # Gap: zero-width characters pass in a host name (the link shows the source's title).
        case(NEW, key, "zero-width-in-host", "https://exa\u200bmple.org/", Stored()),
        # Decoded with replacement characters: a harmless https URL.
        case(
            NEW,
            key,
            "invalid-utf8",
            f"https://example.org/{BAD_UTF8_MARK}",
            Stored("https://example.org/" + BAD_UTF8_STORED.split()[1]),
        ),
    ]
    return rows


def other_states_review() -> str:
    return str(CountryReview.objects.exclude(state__code="NGA").values_list("pk", flat=True)[0])


def nga_cluster_i_review() -> int:
    return CountryReview.objects.get(state__code="NGA", phase__cluster__numeral="I").pk


def _hidden_rows():
    return [
        hidden_case(NEW, "form_token", "max+1", "x" * 65, too_long(64, 65)),
        hidden_case(NEW, "form_token", "nul", "a\x00b", NULL_MESSAGE),
        hidden_case(NEW, "base_version", "not-a-number", "abc", "Enter a whole number."),
        case(NEW, "form_token", "script", SCRIPT[:64], Stored(shown=False)),
        case(NEW, "base_version", "negative", "-1", Stored(1, False)),
        case(NEW, "base_version", "huge", "9" * 30, Stored(1, False)),
        # Not a field: the review follows from the State and the cluster.
        case(
            NEW,
            "review",
            "other-states-review",
            other_states_review,
            Stored(nga_cluster_i_review, False),
        ),
    ]


def _management_rows():
    rows = []
    for prefix, limit in (("rec", 50), ("src", 100)):
        total = f"{prefix}-TOTAL_FORMS"
        rows += [
            case(NEW, total, "not-a-number", "abc", Refused(TAMPERED_FORMSET)),
            case(NEW, total, "blank", "", Refused(TAMPERED_FORMSET)),
            case(
                NEW, total, "1000000", "1000000", Refused(f"Please submit at most {limit} forms.")
            ),
            case(
                NEW,
                total,
                "negative",
                "-1",
                Refused(TAMPERED_FORMSET),
            ),
        ]
    rows += [
        case(NEW, "rec-TOTAL_FORMS", "max+1", "51", Refused("Please submit at most 50 forms.")),
        case(NEW, "rec-INITIAL_FORMS", "not-a-number", "abc", Refused(TAMPERED_FORMSET)),
        case(NEW, "rec-INITIAL_FORMS", "negative", "-1", Stored(1, False)),
        # The client's MAX_NUM_FORMS is ignored: the server's limit holds.
        case(NEW, "rec-MAX_NUM_FORMS", "huge", "1000000", Stored(1, False)),
    ]
    return rows


NEW_FORM_CASES = [
    *text_cases(NEW, "title", 200, single_line=True),
    *text_cases(NEW, "summary", 2000, single_line=False),
    *text_cases(NEW, "law", 30000, single_line=False),
    *text_cases(NEW, "practice", 30000, single_line=False),
    *text_cases(NEW, "rec-0-text", 3000, single_line=False),
    *text_cases(NEW, "src-0-title", 300, single_line=True),
    *_choice_rows(),
    *_date_rows(),
    *_url_rows(),
    *_hidden_rows(),
    *_management_rows(),
]


def _resolve(value):
    """Payload values naming reference data ("tip-3") or computed at test time."""
    if callable(value):
        return value()
    if isinstance(value, list):
        return [ids().get(v, v) for v in value]
    return value


def _expected(outcome: Stored, payload):
    expected = outcome.expected(payload)
    if isinstance(expected, list):
        return [ids().get(v, v) for v in expected]
    return expected


@pytest.mark.parametrize(("key", "value", "outcome"), NEW_FORM_CASES)
def test_new_submission_form(editor, key, value, outcome):
    value = _resolve(value)
    data = member_form(**{key: value})
    if key == "rec-TOTAL_FORMS" and value == "51":
        data.update(
            rows_of("rec", [{"text": f"R{n}", "addressee": "state"} for n in range(51)], 50)
        )

    response = post(editor, "/submissions/new/", data)

    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert not Submission.objects.exists()
        return
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get()
    expected = _expected(outcome, value)
    assert STORED_AS[key](submission) == expected
    assert_shows(
        editor, submission.get_absolute_url(), text_value(expected) if outcome.shown else None
    )


def test_huge_formsets_are_cut_at_their_limit_quickly(editor):
    """TOTAL_FORMS=1000000 must not build (and render) a thousand rows."""
    response = post(editor, "/submissions/new/", member_form(**{"rec-TOTAL_FORMS": "1000000"}))
    html = response.content.decode()
    assert "Please submit at most 50 forms." in html
    assert len(re.findall(r'name="rec-\d+-text"', html)) == 50


# =============================================================================================
# The member's edit form
# =============================================================================================

EDIT = "edit"
CONFLICT = Refused("Your changes were not saved and nothing was overwritten.", status=409)
EDIT_FORM_CASES = [
    *text_cases(EDIT, "title", 200, single_line=True, full=False),
    *text_cases(EDIT, "summary", 2000, single_line=False, full=False),
    *text_cases(EDIT, "law", 30000, single_line=False, full=False),
    *text_cases(EDIT, "practice", 30000, single_line=False, full=False),
    *text_cases(EDIT, "rec-0-text", 3000, single_line=False, full=False),
    *text_cases(EDIT, "src-0-title", 300, single_line=True, full=False),
    case(EDIT, "src-0-url", "javascript", "javascript:alert(1)", Refused(BAD_URL)),
    case(EDIT, "embargo_until", "feb-30", "2026-02-30", Refused(BAD_DATE)),
    case(EDIT, "instruments", "huge", ["9" * 30], Refused(not_a_choice("9" * 30))),
    # The State is disabled on edit: a forged one is ignored.
    case(EDIT, "state", "forged", "MEX", Stored(lambda: int(ids()["NGA"]), False)),
    hidden_case(EDIT, "base_version", "not-a-number", "abc", "Enter a whole number."),
    # A stale or impossible version is an edit conflict, never an overwrite.
    case(EDIT, "base_version", "negative", "-1", CONFLICT),
    case(EDIT, "base_version", "huge", "9" * 30, CONFLICT),
    case(
        EDIT,
        "form_token",
        "other-submissions-token",
        "OTHER",
        Refused("This form belongs to another submission. Reload the page."),
    ),
]


@pytest.mark.parametrize(("key", "value", "outcome"), EDIT_FORM_CASES)
def test_edit_submission_form(editor, team, draft, key, value, outcome):
    value = ids().get(value, value) if key == "state" else _resolve(value)
    if value == "OTHER":
        other = make_submission(*team)
        value = FormToken.objects.get(submission=other).token
    before = {name: STORED_AS[name](draft) for name in ("title", "summary", "law", "practice")}

    response = post(editor, f"/submissions/{draft.reference}/edit/", edit_form(**{key: value}))

    draft.refresh_from_db()
    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert draft.version == 1 and draft.versions.count() == 1
        assert {name: STORED_AS[name](draft) for name in before} == before
        return
    assert response.status_code == 302, response.content.decode()[:3000]
    expected = _expected(outcome, value)
    assert STORED_AS[key](draft) == expected
    shown = text_value(expected) if outcome.shown else None
    assert_shows(editor, draft.get_absolute_url(), shown)
    if draft.version == 2:  # the change is shown in the versions' diff, escaped too
        assert_shows(editor, f"/submissions/{draft.reference}/versions/?a=1&b=2", shown)


# =============================================================================================
# The anonymous form (/submit/)
# =============================================================================================

ANON = "anonymous"
ANONYMOUS_FORM_CASES = [
    *text_cases(ANON, "title", 200, single_line=True, full=False),
    *text_cases(ANON, "summary", 2000, single_line=False, full=False),
    *text_cases(ANON, "law", 30000, single_line=False, full=False),
    *text_cases(ANON, "practice", 30000, single_line=False, full=False),
    *text_cases(ANON, "rec-0-text", 3000, single_line=False, full=False),
    *text_cases(ANON, "src-0-title", 300, single_line=True, full=False),
    case(ANON, "state", "unknown-id", "999999", Refused(NO_SUCH_CHOICE)),
    case(ANON, "state", "nul", "\x00", Refused(NULL_MESSAGE)),
    case(ANON, "cluster", "not-a-number", "abc", Refused(NO_SUCH_CHOICE)),
    case(ANON, "instruments", "huge", ["9" * 30], Refused(not_a_choice("9" * 30))),
    case(ANON, "instruments", "script", [SCRIPT], Refused(not_a_value(SCRIPT))),
    case(
        ANON,
        "articles",
        "other-instrument",
        ["tip-3"],
        Refused("These articles belong to instruments you did not select: TIP art. 3."),
    ),
    case(ANON, "language", "script", SCRIPT, Refused(not_a_choice(SCRIPT))),
    case(ANON, "rec-0-addressee", "unknown", "xx", Refused(not_a_choice("xx"))),
    case(ANON, "rec-0-priority", "script", SCRIPT, Refused(not_a_choice(SCRIPT))),
    case(ANON, "rec-0-articles", "huge", ["9" * 30], Refused(not_a_choice("9" * 30))),
    case(ANON, "src-0-url", "javascript", "javascript:alert(1)", Refused(BAD_URL)),
    case(ANON, "src-0-url", "JaVaScRiPt", "JaVaScRiPt:alert(1)", Refused(BAD_URL)),
    case(ANON, "src-0-url", "rlo", "https://example.org/\u202e", Refused(bidi(21))),
    case(ANON, "src-0-date", "feb-30", "2026-02-30", Refused(BAD_DATE)),
    case(ANON, "src-0-kind", "unknown", "xx", Refused(not_a_choice("xx"))),
    case(ANON, "rec-TOTAL_FORMS", "not-a-number", "abc", Refused(TAMPERED_FORMSET)),
    hidden_case(ANON, "form_token", "max+1", "x" * 65, too_long(64, 65)),
    hidden_case(ANON, "base_version", "not-a-number", "abc", "Enter a whole number."),
    # Not fields of this form: forged values are ignored, the submission stays anonymous.
    case(ANON, "tier", "forged-attributed", "attributed", Stored("anonymous", False)),
    case(ANON, "show_authors", "forged", "on", Stored(False, False)),
    case(ANON, "embargo_until", "forged", "2030-01-01", Stored(None, False)),
]


@pytest.mark.parametrize(("key", "value", "outcome"), ANONYMOUS_FORM_CASES)
def test_anonymous_form(client, key, value, outcome, request):
    value = _resolve(value)

    response = post(client, "/submit/", anonymous_form(**{key: value}))

    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert not Submission.objects.exists()
        return
    html = response.content.decode()
    assert response.status_code == 200 and "Sent to the coordinators" in html, html[:3000]
    assert_page_safe(html)
    submission = Submission.objects.get()
    expected = _expected(outcome, value)
    assert STORED_AS[key](submission) == expected
    shown = text_value(expected) if outcome.shown else None
    # The sender's own page (as after coming back with the passphrase)…
    session = client.session
    session[ANONYMOUS_SESSION_KEY] = submission.pk
    session.save()
    assert_shows(client, "/submit/return/", shown if key == "title" else None)
    # …and the coordinators' page, which shows every field.
    coordinator = request.getfixturevalue("coordinator_session")
    assert_shows(coordinator, submission.get_absolute_url(), shown)


# =============================================================================================
# Comments: the member's thread and the anonymous sender's answers
# =============================================================================================

COMMENT_ROWS = [
    ("script", f"Question: {SCRIPT}", Stored()),
    ("img-onerror", IMG, Stored()),
    ("md-javascript", MARKDOWN_LINKS["md-javascript"], Stored()),
    ("zero-width", "ok\u200b\u200d\ufeff", Stored()),
    ("invalid-utf8", BAD_UTF8_TEXT, Stored()),
    ("nul", "a\x00b", Refused(NULL_MESSAGE)),
    ("rlo", "invoice\u202efdp.exe", Refused(bidi(8))),
    ("escape-char", "a\x1bb", Refused("Remove the invisible control character U+001B")),
    ("max+1", "x" * 5001, Refused(too_long(5000, 5001))),
    ("1MB", "x" * MEGABYTE, Refused(too_long(5000, MEGABYTE))),
    ("blank", "   ", Refused(REQUIRED)),
]


def _comment_cases(form: str):
    return [case(form, "body", name, value, outcome) for name, value, outcome in COMMENT_ROWS]


def _check_comment(response, value, outcome):
    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert not Comment.objects.exists()
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert_page_safe(html)
    expected = outcome.expected(value)
    assert Comment.objects.get().body == expected
    assert escape(expected) in html


@pytest.mark.parametrize(("key", "value", "outcome"), _comment_cases("member-comment"))
def test_member_comment(editor, draft, key, value, outcome):
    response = post(editor, f"/submissions/{draft.reference}/comments/", {key: value}, follow=True)
    _check_comment(response, value, outcome)


@pytest.mark.parametrize(("key", "value", "outcome"), _comment_cases("anonymous-comment"))
def test_anonymous_senders_comment(client, key, value, outcome):
    assert post(client, "/submit/", anonymous_form()).status_code == 200
    session = client.session
    session[ANONYMOUS_SESSION_KEY] = Submission.objects.get().pk
    session.save()

    response = post(client, "/submit/return/comment/", {key: value}, follow=True)

    _check_comment(response, value, outcome)


# =============================================================================================
# Notes on workflow steps: returning (coordinators) and withdrawing (the organization)
# =============================================================================================

NOTE_ROWS = [
    ("script", f"Because {SCRIPT}", Stored()),
    ("img-onerror", IMG, Stored()),
    ("invalid-utf8", BAD_UTF8_TEXT, Stored()),
    ("nul", "a\x00b", Refused(NULL_MESSAGE)),
    ("rlo", "invoice\u202efdp.exe", Refused(bidi(8))),
    ("max+1", "x" * 2001, Refused(too_long(2000, 2001))),
    ("1MB", "x" * MEGABYTE, Refused(too_long(2000, MEGABYTE))),
    ("blank", "  ", Refused("Say why: the reason is shown to the people concerned.")),
]
NOTE_CASES = [
    pytest.param(action, value, outcome, id=f"{action}:note:{name}")
    for action in ("withdraw", "return")
    for name, value, outcome in NOTE_ROWS
]


@pytest.mark.parametrize(("action", "value", "outcome"), NOTE_CASES)
def test_transition_note(request, team, action, value, outcome):
    if action == "withdraw":
        submission = make_submission(*team)
        client = request.getfixturevalue("editor")
    else:
        submission = make_submission(*team, status=SubmissionStatus.SUBMITTED)
        client = request.getfixturevalue("coordinator_session")
    before = submission.status

    response = post(
        client, f"/submissions/{submission.reference}/steps/{action}/", {"note": value}, follow=True
    )

    submission.refresh_from_db()
    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert submission.status == before
        assert not SubmissionEvent.objects.filter(submission=submission).exists()
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert_page_safe(html)
    expected = outcome.expected(value)
    assert SubmissionEvent.objects.get(submission=submission).note == expected
    assert escape(expected) in html


# =============================================================================================
# Co-signing: the invitation (an organization's slug) and a co-signer's withdrawal note
# =============================================================================================


@pytest.fixture
def partner(django_user_model):
    """A verified organization, with its editor signed in."""
    user = make_user(django_user_model, "partner@bad-input.example", display_name="Pia Partner")
    organization = make_organization(
        "Red Partner", slug="red-partner", members={user: MemberRole.EDITOR}
    )
    client = Client()
    client.force_login(user)
    return organization, client


INVITE_CASES = [
    case("cosign-invite", "organization", name, value, outcome)
    for name, value, outcome in [
        ("unknown", "no-such-organization", Refused("Choose an organization to invite.")),
        ("script", SCRIPT, Refused("Choose an organization to invite.")),
        ("nul", "red-partner\x00", Refused("Choose an organization to invite.")),
        ("1MB", "x" * MEGABYTE, Refused("Choose an organization to invite.")),
        ("blank", "", Refused("Choose an organization to invite.")),
        ("own-organization", "bad-input-watch", Refused("The lead organization signs already.")),
        (
            "unverified",
            "pending-org",
            Refused("Only verified organizations can be invited to co-sign."),
        ),
        ("already-invited", "ALREADY", Refused("Red Partner was already invited.")),
        ("verified", "red-partner", Stored("red-partner", False)),
    ]
]


@pytest.mark.parametrize(("key", "value", "outcome"), INVITE_CASES)
def test_cosigner_invitation(editor, draft, partner, key, value, outcome):
    make_organization("Pending Org", slug="pending-org", status=VerificationStatus.PENDING)
    if value == "ALREADY":
        CoSigner.objects.create(submission=draft, organization=partner[0])
        value = "red-partner"
    invited = CoSigner.objects.count()

    response = post(
        editor, f"/submissions/{draft.reference}/cosigners/invite/", {key: value}, follow=True
    )

    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert CoSigner.objects.count() == invited
        return
    assert_page_safe(response.content.decode())
    assert CoSigner.objects.get().organization.slug == outcome.expected(value)


WITHDRAW_NOTE_CASES = [
    case("cosign-withdraw", "note", name, value, outcome)
    for name, value, outcome in [
        ("script", f"Because {SCRIPT}", Stored()),
        ("invalid-utf8", BAD_UTF8_TEXT, Stored()),
        ("nul", "a\x00b", Refused(NULL_MESSAGE)),
        ("rlo", "invoice\u202efdp.exe", Refused(bidi(8))),
        ("max+1", "x" * 2001, Refused(too_long(2000, 2001))),
        ("1MB", "x" * MEGABYTE, Refused(too_long(2000, MEGABYTE))),
        ("blank", " ", Refused("Say why: the withdrawal is shown with its reason.")),
    ]
]


@pytest.mark.parametrize(("key", "value", "outcome"), WITHDRAW_NOTE_CASES)
def test_cosigner_withdrawal_note(draft, partner, key, value, outcome):
    organization, client = partner
    cosigner = CoSigner.objects.create(
        submission=draft, organization=organization, status=CoSignerStatus.ACCEPTED
    )

    response = post(
        client, f"/submissions/{draft.reference}/cosigners/withdraw/", {key: value}, follow=True
    )

    cosigner.refresh_from_db()
    if isinstance(outcome, Refused):
        assert_refused(response, outcome)
        assert (cosigner.status, cosigner.note) == (CoSignerStatus.ACCEPTED, "")
        return
    html = response.content.decode()
    assert_page_safe(html)
    expected = outcome.expected(value)
    assert (cosigner.status, cosigner.note) == (CoSignerStatus.WITHDRAWN, expected)
    assert escape(expected) in html


# =============================================================================================
# Coming back to an anonymous submission (/submit/return/)
# =============================================================================================

NO_MATCH = Refused("This reference and passphrase do not match.", status=400)
RETURN_CASES = [
    case("return", "reference", "nul", "S-2026-\x000001", Refused(NULL_MESSAGE, 400)),
    case("return", "reference", "max+1", "S-2026-0000000001", Refused(too_long(16, 17), 400)),
    case("return", "reference", "1MB", "x" * MEGABYTE, Refused(too_long(16, MEGABYTE), 400)),
    case("return", "reference", "markup", "<svg/onload=1>", NO_MATCH),
    case("return", "reference", "rlo", "S-2026\u202e0001", NO_MATCH),
    case("return", "reference", "invalid-utf8", f"S-{BAD_UTF8_MARK}", NO_MATCH),
    case("return", "reference", "blank", "", Refused(REQUIRED, 400)),
    case("return", "passphrase", "nul", "baba\x00dede", Refused(NULL_MESSAGE, 400)),
    case("return", "passphrase", "max+1", "a" * 201, Refused(too_long(200, 201), 400)),
    case("return", "passphrase", "1MB", "a" * MEGABYTE, Refused(too_long(200, MEGABYTE), 400)),
    case("return", "passphrase", "script", SCRIPT, NO_MATCH),
    case("return", "passphrase", "rlo", "baba\u202ededa", NO_MATCH),
    case("return", "passphrase", "invalid-utf8", BAD_UTF8_TEXT, NO_MATCH),
    case("return", "passphrase", "blank", "", Refused(REQUIRED, 400)),
]


@pytest.mark.parametrize(("key", "value", "outcome"), RETURN_CASES)
def test_return_with_passphrase(client, key, value, outcome):
    data = {"reference": "S-2026-0001", "passphrase": "baba dede fifo gugu", key: value}

    response = post(client, "/submit/return/", data)

    html = assert_refused(response, outcome)
    if key == "passphrase":  # never echoed back
        assert 'type="password"' in html and f'value="{escape(value)}"' not in html
    assert ANONYMOUS_SESSION_KEY not in client.session


# =============================================================================================
# Checking a receipt (/verify/): pasted or uploaded JSON
# =============================================================================================

MALFORMED = Refused("This is not a Palermo Hub receipt (or it is damaged).")
UNKNOWN_KEY = Refused("Not authentic: it claims a signing key this hub has never used.")
TAMPERED = Refused("Not authentic: the receipt was changed after it was signed.")
NOTHING = Refused("Paste a receipt, or choose its file (at most 20 kB).", status=400)


def receipt(**fields) -> str:
    return json.dumps({"receipt": {}, "key_id": "20260101-0a1b2c3d", "signature": "AA==", **fields})


VERIFY_ROWS = [
    ("not-json", "{not json", MALFORMED),
    ("blank", "   ", NOTHING),
    ("1MB", receipt(receipt={"x": "a" * MEGABYTE}), MALFORMED),  # cut at 20,000 characters
    ("nested-arrays", "[" * 20_000, MALFORMED),
    ("nested-objects", '{"a":' * 5_000 + "1" + "}" * 5_000, MALFORMED),
    ("array", "[]", MALFORMED),
    ("string", '"a receipt"', MALFORMED),
    ("number", "42", MALFORMED),
    ("null", "null", MALFORMED),
    ("huge-integer", "9" * 5_000, MALFORMED),
    ("infinity", "1e999", MALFORMED),
    ("receipt-not-an-object", receipt(receipt=[]), MALFORMED),
    ("key-id-a-number", receipt(key_id=5), MALFORMED),
    ("signature-null", receipt(signature=None), MALFORMED),
    ("nul", "\x00", MALFORMED),
    ("nul-in-key-id", receipt(key_id="\x00"), UNKNOWN_KEY),
    ("surrogate-in-key-id", receipt().replace("20260101-0a1b2c3d", "\\ud800"), UNKNOWN_KEY),
    ("markup-in-key-id", receipt(key_id=SCRIPT), UNKNOWN_KEY),
    ("19kB-key-id", receipt(key_id="k" * 19_000), UNKNOWN_KEY),
    ("1MB-key-id", receipt(key_id="k" * MEGABYTE), MALFORMED),  # cut at 20,000: not JSON
    ("invalid-utf8", BAD_UTF8_TEXT, MALFORMED),
    # With the hub's real key id: the signature check must not trip over what it checks.
    ("surrogate-in-receipt", receipt(receipt={"a": "\ud800"}, key_id="KEY"), TAMPERED),
    ("signature-not-base64", receipt(key_id="KEY", signature="!!!"), TAMPERED),
    ("signature-1kB", receipt(key_id="KEY", signature="A" * 1_000), TAMPERED),
]
VERIFY_CASES = [case("verify", "receipt", *row) for row in VERIFY_ROWS]


def _with_real_key(text: str) -> str:
    if '"KEY"' in text:
        key = receipts.key_generate()
        text = text.replace('"KEY"', json.dumps(key.key_id))
    return text


@pytest.mark.parametrize(("key", "value", "outcome"), VERIFY_CASES)
def test_verify_pasted_receipt(client, key, value, outcome):
    response = post(client, "/verify/", {key: _with_real_key(value)})
    html = assert_refused(response, outcome)
    assert "Signature: authentic" not in html


UPLOAD_ROWS = [
    ("not-json", b"{not json", MALFORMED),
    ("invalid-utf8", b"\xff\xfe{\xed\xa0\x80}", MALFORMED),
    ("nul-bytes", b"\x00" * 1_000, MALFORMED),
    ("over-20kB", b" " * 20_000 + b"{}", NOTHING),
    ("nested-arrays", b"[" * 20_000, MALFORMED),
    ("html", b"<html><script>alert(1)</script></html>", MALFORMED),
    ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", MALFORMED),
    ("empty", b"", NOTHING),
]
UPLOAD_CASES = [case("verify", "receipt_file", *row) for row in UPLOAD_ROWS]


@pytest.mark.parametrize(("key", "value", "outcome"), UPLOAD_CASES)
def test_verify_uploaded_receipt(client, key, value, outcome):
    upload = SimpleUploadedFile("receipt\u202enosj.json", value, "application/json")
    response = client.post("/verify/", {key: upload})
    html = assert_refused(response, outcome)
    assert "\u202e" not in html


# =============================================================================================
# Requests as a whole
# =============================================================================================


def test_a_request_body_over_the_limit_is_a_400(editor):
    response = post(editor, "/submissions/new/", member_form(title="x" * 6_000_000))
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_too_many_fields_is_a_400(client):
    junk = {f"field{n}": "x" for n in range(1_001)}
    assert post(client, "/submit/", anonymous_form(**junk)).status_code == 400
    assert not Submission.objects.exists()


def test_too_many_files_in_one_request_is_a_400(editor, draft):
    files = {f"file{n}": io.BytesIO(make_png()) for n in range(6)}
    response = editor.post(f"/submissions/{draft.reference}/attachments/", files)
    assert response.status_code == 400
    assert not Attachment.objects.exists()


# =============================================================================================
# Uploads through the real view, with crafted file names
# =============================================================================================

BOUNDARY = "bad-input-boundary"


def multipart(filename: str, content: bytes) -> bytes:
    """One file part, its name sent byte for byte (the test client would take its basename)."""
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("utf-8", "surrogateescape")
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@cache
def docx_bomb() -> bytes:
    return _zip_with_zeros(20_000_000, docx=True)  # ~20 kB that inflate to 20 MB of zeros


ATTACHED = "Attached as evidence-"
# name → (file name sent, content, what the page says); the page never repeats the name.
UPLOAD_FILE_CASES = {
    "bidi-name": ("invoice\u202egnp.exe", make_png, ATTACHED),
    "traversal-name": ("../../etc/passwd", make_png, ATTACHED),
    "windows-traversal-name": ("C:\\x\\..\\Zq9y", make_png, ATTACHED),
    "nul-in-name": ("Zq9a.png\x00.html", make_png, ATTACHED),
    "markup-name": ("<img src=x onerror=alert(1)>.png", make_png, ATTACHED),
    "300-byte-name": ("n" * 296 + ".png", make_png, ATTACHED),
    "png-named-pdf": ("Zq9photo.pdf", make_png, ATTACHED),
    "html-named-pdf": (
        "Zq9report.pdf",
        lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "This type of file is not accepted.",
    ),
    "polyglot-pdf-html": (
        "Zq9report.pdf",
        lambda: make_pdf(prefix=b"%<html><script>alert(document.cookie)</script>"),
        "This file contains web-page code (HTML or script) hidden inside it",
    ),
    "zip-bomb-docx": (
        "Zq9report.docx",
        docx_bomb,
        "This document would expand to far more data than it contains",
    ),
    "pixel-flood-png": (
        "Zq9flood.png",
        lambda: header_only_png(50_000, 50_000),
        "The image has too many pixels",
    ),
}
SAFE_STORED_NAME = re.compile(r"S-\d{4}-\d{4,}/(original|clean)/[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("filename", "build", "message"),
    [pytest.param(*row, id=f"upload:{name}") for name, row in UPLOAD_FILE_CASES.items()],
)
def test_upload(editor, draft, filename, build, message):
    root = Path(settings.ATTACHMENTS_ROOT)
    before = files_under(root)

    response = editor.post(
        f"/submissions/{draft.reference}/attachments/",
        multipart(filename, build()),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        follow=True,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(message) in html
    assert_page_safe(html)
    for leak in ("\u202e", "invoice", "passwd", "Zq9", "nnnnnnnnnn", "onerror"):
        assert leak not in html, leak
    added = files_under(root) - before
    assert all(SAFE_STORED_NAME.fullmatch(path) for path in added), added
    if message == ATTACHED:
        attachment = Attachment.objects.get()
        assert re.fullmatch(r"evidence-[0-9a-f]{8}\.png", attachment.safe_filename)
        assert len(added) == 2
        download = editor.get(f"/submissions/{draft.reference}/attachments/{attachment.pk}/")
        assert download["Content-Disposition"].startswith("attachment;")
        assert attachment.safe_filename in download["Content-Disposition"]
        assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    else:
        assert not Attachment.objects.exists() and not added


# =============================================================================================
# The tables above cover every field
# =============================================================================================


def _keys(cases) -> set[str]:
    return {param.values[0] for param in cases}


def test_every_field_of_every_submission_form_has_bad_input_cases():
    new, edit, anon = _keys(NEW_FORM_CASES), _keys(EDIT_FORM_CASES), _keys(ANONYMOUS_FORM_CASES)
    expected = {
        "new": (new, {*forms.SubmissionForm.base_fields}),
        "edit": (edit, {"title", "summary", "law", "practice", "state", "base_version"}),
        "anonymous": (anon, {*forms.AnonymousSubmissionForm.base_fields}),
        "recommendations": (new, {f"rec-0-{n}" for n in forms.RecommendationForm.base_fields}),
        "sources": (new, {f"src-0-{n}" for n in forms.SourceForm.base_fields}),
        "management": (new, {"rec-TOTAL_FORMS", "src-TOTAL_FORMS", "rec-INITIAL_FORMS"}),
        "comment": (_keys(_comment_cases("x")), {*forms.CommentForm.base_fields}),
        "note": ({"note"}, {*forms.TransitionForm.base_fields}),
        "return": (_keys(RETURN_CASES), {*forms.ReturnForm.base_fields}),
        "verify": (_keys(VERIFY_CASES) | _keys(UPLOAD_CASES), {"receipt", "receipt_file"}),
    }
    for form, (covered, fields) in expected.items():
        assert fields <= covered, (form, fields - covered)
