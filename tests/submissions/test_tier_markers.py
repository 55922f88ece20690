"""Identity tiers hold in every output: the planted-marker sweep (issue #4, item 5).

For each identity tier a published submission is made through the services (draft, an
evidence file uploaded through its page, a co-signer who accepts, request review → approve
→ publish, so the e-mails go out and the receipt is signed), and for the anonymous tier
through /submit/ and /submit/return/ like a sender without an account. Every name that
could identify the authors carries a unique marker: the organization's name, Latin name,
slug, website and description, the display names and e-mail addresses of its author,
approver and owner, the co-signing organization and its editor, the uploaded file's name and
its PDF metadata; for the anonymous sender, a contact detail written in a follow-up
message, a distinctive network address and a distinctive user agent.

Then every output a visitor, and separately a signed-in outsider (owner of another
organization), can reach is collected once (`sweep`, module-scoped, in a transaction rolled
back afterwards), and each test searches one output for one tier's markers. The rules come
from palermo/submissions/identity.py (`public_author`) and coalitions.py
(`public_cosigners`):

* attributed: the organization is named, and its author when `show_authors` is on; the
  co-signers are named;
* coalition-shielded: only the lead organization is named ("A coalition led by …"): never
  an author, even with `show_authors` on, and the co-signers only as a count;
* pseudonymous: "A civil-society organization working in <region>", nothing else;
* anonymous: "An anonymous civil-society source"; no address or user agent anywhere, the
  database and the logs included.

E-mail addresses, the names of members other than a named author, the uploaded file's name
and the file's metadata are public in no tier. Receipts, /verify/ results and the logs name
nobody at all, whatever the tier.

Outputs that grow with issue #5 (exports, the changes feed, live reports, recommendation
pages, new API endpoints) are found at run time: the API from its OpenAPI schema, the
others when their address resolves; /search/ is swept once it exists.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import pickle
import re
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase
from django.urls import Resolver404, resolve
from django.utils import translation
from pypdf import PdfReader, PdfWriter
from pypdf.generic import StreamObject

from palermo.common.text import name_skeleton
from palermo.organizations.enums import MemberRole, OrganizationType, VerificationStatus
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Article, Cluster, Instrument, State
from palermo.reviews.roles import ensure_coordinators_group
from palermo.submissions import coalitions, services
from palermo.submissions.enums import SubmissionStatus, Transition
from palermo.submissions.models import Attachment, Submission
from tests.organizations.helpers import TOTP_SECRET, CommittingClient, make_user, signed_in
from tests.submissions.helpers import (
    LAW,
    PRACTICE,
    REGION_TEXT,
    article_pk,
    cluster_pk,
    fill,
    instrument_pk,
    read_form,
    state_pk,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ATTRIBUTED, COALITION, PSEUDONYMOUS, ANONYMOUS = TIERS = (
    "attributed",
    "coalition",
    "pseudonymous",
    "anonymous",
)
ORGANIZATION_TIERS = (ATTRIBUTED, COALITION, PSEUDONYMOUS)
ANONYMOUS_ADDRESS = "203.0.113.77"
ANONYMOUS_AGENT = "ANONMARKER-AGENT/7.7 (sweep)"
ANONYMOUS_TEXT = "An anonymous civil-society source"
COORDINATOR_EMAIL = "sweep-coordinator@example.org"

# What an output is checked against:
PUBLIC = "public"  # the tier's hidden markers: what its rules do not name publicly
STRICT = "strict"  # every marker of the tier: receipts, /verify/ and logs name nobody
NETWORK = "network"  # the anonymous sender's address and user agent (the database)


# --- The planted markers -------------------------------------------------------------------


@dataclass(frozen=True)
class Plant:
    tier: str
    markers: dict[str, str]  # what it is → the unique text planted there
    shown: frozenset[str] = frozenset()  # what the tier's rules name publicly
    network: frozenset[str] = frozenset()

    def __getitem__(self, key: str) -> str:
        return self.markers[key]

    def for_scope(self, scope: str) -> dict[str, str]:
        if scope == STRICT:
            return dict(self.markers)
        if scope == NETWORK:
            return {k: v for k, v in self.markers.items() if k in self.network}
        return {k: v for k, v in self.markers.items() if k not in self.shown}


def organization_plant(tier: str, prefix: str, shown: set[str]) -> Plant:
    low = prefix.lower()
    return Plant(
        tier=tier,
        markers={
            "organization name": f"{prefix}-ORG-7Q",
            "organization Latin name": f"{prefix}-LATIN-7Q",
            "organization slug": f"{low}-slug-7q",
            "organization website": f"{low}-web-7q",
            "organization description": f"{prefix}-DESC-7Q",
            "author name": f"{prefix}-AUTHOR-7Q",
            "author e-mail": f"{low}-authormail-7q@example.org",
            "approver name": f"{prefix}-APPROVER-7Q",
            "approver e-mail": f"{low}-approvermail-7q@example.org",
            "owner name": f"{prefix}-OWNER-7Q",
            "owner e-mail": f"{low}-ownermail-7q@example.org",
            "co-signer name": f"{prefix}-COSIGNER-ORG-7Q",
            "co-signer slug": f"{low}-cosigner-slug-7q",
            "co-signer editor name": f"{prefix}-COSIGNER-EDITOR-7Q",
            "co-signer editor e-mail": f"{low}-cosignermail-7q@example.org",
            "uploaded file name": f"{prefix}-FILENAME-7Q",
            "uploaded file metadata": f"{prefix}-PDFMETA-7Q",
        },
        shown=frozenset(shown),
    )


LEAD_NAMED = {
    "organization name",
    "organization Latin name",
    "organization slug",
    "organization website",
    "organization description",
}
PLANTS = {
    ATTRIBUTED: organization_plant(
        ATTRIBUTED,
        "ATTRMARKER",
        LEAD_NAMED | {"author name", "co-signer name", "co-signer slug"},
    ),
    COALITION: organization_plant(COALITION, "COALMARKER", LEAD_NAMED),
    PSEUDONYMOUS: organization_plant(PSEUDONYMOUS, "PSEUDOMARKER", set()),
    ANONYMOUS: Plant(
        tier=ANONYMOUS,
        markers={
            "sender contact": "ANONMARKER-CONTACT-7Q",
            "sender address": ANONYMOUS_ADDRESS,
            "sender user agent": ANONYMOUS_AGENT,
        },
        network=frozenset({"sender address", "sender user agent"}),
    ),
}


# --- Reading outputs --------------------------------------------------------------------------


def section(title: str, body: str) -> str:
    return f"\n=== {title} ===\n{body}\n"


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def pdf_text(data: bytes) -> str:
    """Everything a reader of the PDF could find: the page text, the document information,
    every object and decoded stream (XMP, annotations, fonts), and the raw file."""
    reader = PdfReader(io.BytesIO(data))
    parts = [page.extract_text() or "" for page in reader.pages]
    parts.append(repr(dict(reader.metadata or {})))
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:  # a free or damaged object: nothing to read there
            continue
        parts.append(repr(obj))
        if isinstance(obj, StreamObject):
            parts.append(obj.get_data().decode("latin-1"))
    parts.append(data.decode("latin-1"))
    return "\n".join(parts)


def readable(data: bytes) -> str:
    """A response's body as text: PDFs extracted, archives (DOCX, ZIP) unpacked."""
    if data.startswith(b"%PDF"):
        return pdf_text(data)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(
                section(name, archive.read(name).decode("utf-8", "replace"))
                for name in archive.namelist()
            )
    return data.decode("utf-8", "replace")


def fetch(client, url: str, *, expect: int | None = 200, label: str = "", data=None) -> str:
    """One labelled section: the request, its status, where it redirects, and the body."""
    response = client.post(url, data) if data is not None else client.get(url)
    if expect is not None:
        assert response.status_code == expect, (label or url, response.status_code)
    title = f"{'POST' if data is not None else 'GET'} {url} ({label}) → {response.status_code}"
    return section(f"{title} {response.get('Location', '')}".rstrip(), readable(body_of(response)))


def where_found(text: str, marker: str) -> str:
    at = text.lower().find(marker.lower())
    start = text.rfind("\n=== ", 0, at)
    header = text[start + 1 : text.find("\n", start + 1)] if start >= 0 else "(no section)"
    snippet = text[max(0, at - 100) : at + len(marker) + 100].replace("\n", " ⏎ ")
    return f"{header}\n      …{snippet}…"


def resolves(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


# --- Capturing logs and the process's output -------------------------------------------------


@dataclass
class Captured:
    records: list[str] = field(default_factory=list)  # every record, as caplog keeps them
    console: str = ""  # what the handlers of settings.LOGGING wrote
    stdio: str = ""  # anything else written to stdout/stderr, at the descriptor level
    files: dict[str, str] = field(default_factory=dict)  # configured log files, if any


class _Records(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__(logging.DEBUG)
        self.into = into
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record):
        self.into.append(self.format(record))


def _configured_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    found: list[logging.Handler] = []
    for logger in loggers:
        found.extend(h for h in logger.handlers if h not in found)
    return found


@contextlib.contextmanager
def capture_everything() -> Iterator[Captured]:
    """caplog at DEBUG and capfd, for the whole module-scoped collection (those fixtures
    are per test): every log record (the root logger at DEBUG, as with LOG_LEVEL=DEBUG;
    the loggers settings.LOGGING quietens stay quiet), the text the configured console
    handlers write, any configured log file (FileHandler), and whatever reaches file
    descriptors 1 and 2."""
    captured = Captured()
    root = logging.getLogger()
    records = _Records(captured.records)
    handlers = _configured_handlers()
    consoles = [h for h in handlers if type(h) is logging.StreamHandler]
    console = io.StringIO()
    files = {
        h.baseFilename: os.path.getsize(h.baseFilename) if os.path.exists(h.baseFilename) else 0
        for h in handlers
        if isinstance(h, logging.FileHandler)
    }
    old_level, old_streams = root.level, [(h, h.stream) for h in consoles]
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryFile() as spool_out, tempfile.TemporaryFile() as spool_err:
        spools = {1: spool_out, 2: spool_err}
        sys.stdout.flush()
        sys.stderr.flush()
        saved = {fd: os.dup(fd) for fd in spools}
        for fd, spool in spools.items():
            os.dup2(spool.fileno(), fd)
        root.addHandler(records)
        root.setLevel(logging.DEBUG)
        for h in consoles:
            h.setStream(console)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                yield captured
        finally:
            for h, stream in old_streams:
                h.setStream(stream)
            root.setLevel(old_level)
            root.removeHandler(records)
            for fd in spools:
                os.dup2(saved[fd], fd)
                os.close(saved[fd])
            written = []
            for spool in spools.values():
                spool.seek(0)
                written.append(spool.read().decode("utf-8", "replace"))
    captured.console = console.getvalue()
    captured.stdio = out.getvalue() + err.getvalue() + "".join(written)
    for path, size in files.items():
        with open(path, "rb") as handle:
            handle.seek(size)
            captured.files[path] = handle.read().decode("utf-8", "replace")


# --- The world the sweep reads ---------------------------------------------------------------


@dataclass
class World:
    visitor: CommittingClient
    outsider: CommittingClient
    coordinator: CommittingClient
    coordinator_user: object = None
    published: dict[str, Submission] = field(default_factory=dict)
    withdrawn: dict[str, Submission] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    receipt_json: dict[str, bytes] = field(default_factory=dict)
    receipt_pdf: dict[str, bytes] = field(default_factory=dict)
    insiders: dict[str, set[str]] = field(default_factory=dict)
    outsider_draft: Submission | None = None
    mail: list = field(default_factory=list)
    logs: Captured | None = None
    seen: dict[str, str] = field(default_factory=dict)  # pages read for the positive checks

    def submissions(self) -> list[Submission]:
        return [*self.published.values(), *self.withdrawn.values()]


def evidence_pdf(plant: Plant) -> bytes:
    """A one-page PDF whose metadata names its author and organization."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {
            "/Author": plant["author name"],
            "/Creator": plant["organization name"],
            "/Title": plant["uploaded file metadata"],
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def person(email: str, name: str):
    return make_user(get_user_model(), email, display_name=name)


def organization(name: str, slug: str, **extra) -> Organization:
    return Organization.objects.create(
        slug=slug,
        name=name,
        name_skeleton=name_skeleton(name),
        kind=OrganizationType.NGO,
        verification_status=VerificationStatus.VERIFIED,
        **extra,
    )


def member(organization: Organization, user, role: str) -> Membership:
    return Membership.objects.create(organization=organization, user=user, role=role)


def draft(organization: Organization, by, *, tier: str, title: str) -> Submission:
    """A draft on Nigeria, UNTOC article 5, cluster I, as the new-submission form makes it."""
    return services.submission_create(
        organization=organization,
        by=by,
        data={
            "state": State.objects.get(code="NGA"),
            "cluster": Cluster.objects.get(numeral="I"),
            "instruments": [Instrument.objects.get(code="untoc")],
            "articles": [Article.objects.get(instrument__code="untoc", number=5)],
            "title": title,
            "summary": f"Summary of: {title}",
            "law": LAW,
            "practice": PRACTICE,
            "language": "en",
            "tier": tier,
            "show_authors": True,  # asked for in every tier: only attributed may honour it
            "embargo_until": None,
            "signon_deadline": None,
        },
        recommendations=[{"text": "Protect witnesses.", "addressee": "state", "priority": "high"}],
        sources=[{"title": "A report", "url": "https://example.org/r", "kind": "report"}],
        form_token=uuid.uuid4().hex,
    ).submission


def step(submission: Submission, action: str, membership: Membership | None, by, note=""):
    """A workflow step through the service, its e-mails sent as on a real commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submission_transition(
            submission=submission, action=action, by=by, membership=membership, note=note
        )


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return body_of(response)


def post_ok(client, url: str, data: dict | None = None) -> None:
    response = client.post(url, data or {})
    assert response.status_code == 302, (url, response.status_code)


def build_organization_tier(world: World, tier: str) -> None:
    plant = PLANTS[tier]
    author = person(plant["author e-mail"], plant["author name"])
    approver = person(plant["approver e-mail"], plant["approver name"])
    owner = person(plant["owner e-mail"], plant["owner name"])
    lead = organization(
        plant["organization name"],
        plant["organization slug"],
        name_latin=plant["organization Latin name"],
        website=f"https://{plant['organization website']}.example.org/",
        description=f"{plant['organization description']} documents organized crime.",
        headquarters=State.objects.get(code="NGA"),  # African States
    )
    as_author = member(lead, author, MemberRole.EDITOR)
    as_approver = member(lead, approver, MemberRole.EDITOR)
    member(lead, owner, MemberRole.OWNER)
    partner = organization(plant["co-signer name"], plant["co-signer slug"])
    partner_editor = person(plant["co-signer editor e-mail"], plant["co-signer editor name"])
    as_partner = member(partner, partner_editor, MemberRole.EDITOR)
    world.insiders[tier] = {author.email, approver.email, owner.email, COORDINATOR_EMAIL}

    submission = draft(lead, author, tier=tier, title=f"Tier sweep: {tier} input")
    writing = signed_in(author, CommittingClient)
    upload = world.uploads[tier] = evidence_pdf(plant)
    name = f"{plant['uploaded file name']}.pdf"
    post_ok(
        writing,
        f"/submissions/{submission.reference}/attachments/",
        {"file": SimpleUploadedFile(name, upload, content_type="application/pdf")},
    )
    world.attachments[tier] = submission.attachments.get()
    cosigner = coalitions.cosigner_invite(
        submission=submission, organization=partner, by=author, membership=as_author
    )
    coalitions.cosigner_respond(
        cosigner=cosigner, accept=True, by=partner_editor, membership=as_partner
    )
    step(submission, Transition.REQUEST_REVIEW, as_author, author)
    step(submission, Transition.APPROVE, as_approver, approver)  # signs the receipt
    step(submission, Transition.PUBLISH, None, world.coordinator_user)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PUBLISHED
    world.published[tier] = submission

    # The receipt, downloaded by its author as they would hand it to a third party. The
    # PDF is the same template for every tier: rendered once, for the pseudonymous one.
    receipt = submission.receipts.get()
    base = f"/submissions/{submission.reference}/receipts/{receipt.pk}"
    world.receipt_json[tier] = download(writing, f"{base}.json")
    if tier == PSEUDONYMOUS:
        world.receipt_pdf[tier] = download(writing, f"{base}.pdf")

    # A second one, published and then withdrawn by its authors: a public notice stays.
    gone = draft(lead, author, tier=tier, title=f"Tier sweep: {tier} withdrawn")
    step(gone, Transition.REQUEST_REVIEW, as_author, author)
    step(gone, Transition.APPROVE, as_approver, approver)
    step(gone, Transition.PUBLISH, None, world.coordinator_user)
    step(gone, Transition.WITHDRAW, as_author, author, note="Withdrawn for the sweep.")
    world.withdrawn[tier] = gone


def build_anonymous_tier(world: World) -> None:
    sender = CommittingClient(REMOTE_ADDR=ANONYMOUS_ADDRESS, HTTP_USER_AGENT=ANONYMOUS_AGENT)
    page = sender.get("/submit/")
    assert page.status_code == 200
    payload = fill(
        read_form(page.content),
        state=state_pk("NGA"),
        cluster=cluster_pk("I"),
        instruments=[instrument_pk("untoc")],
        articles=[article_pk("untoc", 5)],
        title="Tier sweep: anonymous input",
        summary="What we saw at the border.",
        practice="Cases are dropped.",
        language="en",
        rec__0__text="Protect those who report.",
        rec__0__addressee="state",
        rec__0__priority="high",
    )
    sent = sender.post("/submit/", payload)
    assert sent.status_code == 200, sent.content.decode()[:2000]
    html = sent.content.decode()
    passphrase = re.search(r'<p class="passphrase"><code>([a-z ]+)</code>', html).group(1)
    receipt = re.search(r"<textarea readonly[^>]*>(.*?)</textarea>", html, re.S).group(1)
    world.receipt_json[ANONYMOUS] = receipt.replace("&quot;", '"').encode()
    submission = Submission.objects.get(title="Tier sweep: anonymous input")
    # The sender comes back with the passphrase (once wrongly) and leaves a way to reach them.
    wrong = {"reference": submission.reference, "passphrase": "wrong words"}
    assert sender.post("/submit/return/", wrong).status_code == 400
    right = {"reference": submission.reference, "passphrase": passphrase}
    post_ok(sender, "/submit/return/", right)
    assert sender.get("/submit/return/").status_code == 200
    contact = PLANTS[ANONYMOUS]["sender contact"]
    post_ok(sender, "/submit/return/comment/", {"body": f"Reach me on Signal: {contact}"})
    post_ok(sender, "/submit/return/leave/")
    step(submission, Transition.PUBLISH, None, world.coordinator_user)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PUBLISHED
    world.published[ANONYMOUS] = submission
    world.insiders[ANONYMOUS] = {COORDINATOR_EMAIL}


def build_world() -> World:
    coordinator = person(COORDINATOR_EMAIL, "Sweep Coordinator")
    coordinator.groups.add(ensure_coordinators_group())
    TOTP.activate(coordinator, TOTP_SECRET)
    stranger = person("sweep-outsider@example.org", "Olga Outsider")
    outsiders = organization("Red Sur Sweep", "red-sur-sweep")
    member(outsiders, stranger, MemberRole.OWNER)
    world = World(
        visitor=CommittingClient(),
        outsider=signed_in(stranger, CommittingClient),
        coordinator=signed_in(coordinator, CommittingClient),
        coordinator_user=coordinator,
    )
    for tier in ORGANIZATION_TIERS:
        build_organization_tier(world, tier)
    build_anonymous_tier(world)
    # The outsider drafts on the same State: their page suggests "who else works on this".
    world.outsider_draft = draft(outsiders, stranger, tier=ATTRIBUTED, title="Outsider's draft")
    return world


def read_for_positive_checks(world: World) -> None:
    """What the tests that prove the sweep is not vacuous look at (the data is rolled back
    before any test runs, so it is read here)."""
    seen = world.seen
    seen["queue"] = fetch(world.coordinator, "/coordination/submissions/?status=published")
    for tier, submission in world.published.items():
        seen[f"api {tier}"] = body_of(
            world.visitor.get(f"/api/v1/submissions/{submission.reference}")
        ).decode()
        seen[f"page {tier}"] = fetch(world.visitor, submission.get_absolute_url())
        seen[f"coordinator {tier}"] = fetch(world.coordinator, submission.get_absolute_url())


# --- The outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    id: str
    description: str
    fetch: Callable[[World], str | dict[str, str] | None]
    scope: str = PUBLIC
    lists: str = ""  # "published" / "withdrawn": the output must show those references
    after: bool = False  # read once the flow and the other outputs are done (logs, dump)
    missing: str = ""  # why fetch may return None (the output does not exist yet)


LIST_FILTERS = (
    "state=NGA",
    "instrument=untoc",
    "article=untoc-5",
    "cluster=I",
    "language=en",
    "type=ngo",
    "page=1",
)


def viewer_outputs(viewer: str, *, all_of_them: bool) -> list[Output]:
    """What a visitor (or a signed-in outsider) can fetch. The outsider gets the outputs
    that look at who is asking (pages, history, receipts, files); the rest is the same for
    everybody and is read once, as a visitor."""

    def pages(urls: Callable[[World], list[str]], expect: int | None = 200):
        def read(world: World) -> str:
            client = getattr(world, viewer)
            return "".join(fetch(client, u, expect=expect, label=viewer) for u in urls(world))

        return read

    outputs = [
        Output(
            "list",
            "the public list /submissions/",
            pages(lambda w: ["/submissions/"]),
            lists="published",
        ),
        Output(
            "detail-pages",
            "each published submission's page",
            pages(lambda w: [s.get_absolute_url() for s in w.published.values()]),
            lists="published",
        ),
        Output(
            "withdrawal-notices",
            "the public notice of each withdrawn submission",
            pages(lambda w: [s.get_absolute_url() for s in w.withdrawn.values()]),
            lists="withdrawn",
        ),
        Output(
            "state-page",
            "the State page /states/NGA/",
            pages(lambda w: ["/states/NGA/"]),
            lists="published",
        ),
        Output(
            "article-page",
            "the article page /instruments/untoc/articles/5/",
            pages(lambda w: ["/instruments/untoc/articles/5/"]),
            lists="published",
        ),
        Output(
            "versions",
            "versions and comparisons of every submission (404)",
            pages(
                lambda w: [
                    f"/submissions/{s.reference}/versions/?a=1&b=2" for s in w.submissions()
                ],
                expect=404,
            ),
        ),
        Output(
            "admin-history",
            "the admin history of every published submission (sent to sign in)",
            pages(
                lambda w: [
                    f"/admin/submissions/submission/{s.pk}/history/" for s in w.published.values()
                ],
                expect=302,
            ),
        ),
        Output(
            "receipt-urls",
            "the receipt downloads of every submission (404)",
            pages(
                lambda w: [
                    f"/submissions/{r.submission.reference}/receipts/{r.pk}.{kind}"
                    for s in w.published.values()
                    for r in s.receipts.all()
                    for kind in ("json", "pdf")
                ],
                expect=404,
            ),
        ),
        Output(
            "attachments",
            "each evidence file as downloaded (the sanitised PDF: text, metadata, streams)",
            pages(
                lambda w: [
                    f"/submissions/{a.submission.reference}/attachments/{a.pk}/"
                    for a in w.attachments.values()
                ]
            ),
        ),
    ]
    if all_of_them:
        outputs += [
            Output(
                "list-filtered",
                "/submissions/ with each filter",
                pages(lambda w: [f"/submissions/?{q}" for q in LIST_FILTERS]),
                lists="published",
            ),
            Output(
                "other-pages",
                "the home page and the instrument page",
                pages(lambda w: ["/", "/instruments/untoc/"]),
            ),
            Output(
                "feeds",
                "the Atom and iCalendar feeds",
                pages(
                    lambda w: [
                        "/states/NGA/feed.atom",
                        "/states/NGA/calendar.ics",
                        "/calendar.ics",
                    ]
                ),
            ),
            Output(
                "api",
                "every API listing (from the OpenAPI schema), /api/v1/submissions with each "
                "filter, and each submission and its State by address",
                api_everything,
                lists="published",
            ),
        ]
    return [
        Output(f"{viewer}:{o.id}", f"{o.description}, as {viewer}", o.fetch, o.scope, o.lists)
        for o in outputs
    ]


def api_everything(world: World) -> str:
    """The API as documented by its own schema: every path without parameters, the
    submissions listing with each filter, every submission by reference (withdrawn: 404)
    and the State they address."""
    schema = json.loads(world.visitor.get("/api/v1/openapi.json").content)
    listings = [path for path in schema["paths"] if "{" not in path]
    assert "/api/v1/submissions" in listings
    urls = [*listings, *(f"/api/v1/submissions?{q}" for q in LIST_FILTERS)]
    if "/api/v1/states/{code}" in schema["paths"]:
        urls.append("/api/v1/states/NGA")
    parts = [fetch(world.visitor, url, label="visitor") for url in urls]
    for submission in world.submissions():
        url = f"/api/v1/submissions/{submission.reference}"
        expect = 200 if submission.status == SubmissionStatus.PUBLISHED else 404
        parts.append(fetch(world.visitor, url, expect=expect, label="visitor"))
    return "".join(parts)


def outsider_own_pages(world: World) -> str:
    draft_page = world.outsider_draft.get_absolute_url()
    return "".join(
        fetch(world.outsider, url, label="outsider")
        for url in (draft_page, "/cosigning/", "/submissions/mine/")
    )


def optional(urls: Callable[[World], list[str]]) -> Callable[[World], str | None]:
    """Outputs other issues are building: read when the first address resolves. Their
    status is recorded, not asserted (the "lists" check says whether they work)."""

    def read(world: World) -> str | None:
        found = urls(world)
        if not resolves(found[0]):
            return None
        return "".join(fetch(world.visitor, u, expect=None, label="visitor") for u in found)

    return read


def exports(world: World) -> str | None:
    """/exports/ and every download it links to that carries submissions. The
    organizations dataset is the registry (organizations listed by their own choice; ours
    are not listed) and the States and reviews datasets hold no submission data."""
    if not resolves("/exports/"):
        return None
    index = world.visitor.get("/exports/")
    html = index.content.decode()
    parts = [section(f"GET /exports/ → {index.status_code}", html)]
    links = re.findall(r'href="(/exports/(?:submissions|recommendations|sources)[^"#]*)"', html)
    assert links, "the export page links to no submission dataset"
    for url in dict.fromkeys(links):
        parts.append(fetch(world.visitor, url, label="visitor"))
    return "".join(parts)


def search(world: World) -> dict[str, str] | None:
    """/search/ asked for each hidden marker of the tier, once search exists."""
    if not resolves("/search/"):
        return None
    return {
        tier: "".join(
            fetch(world.visitor, f"/search/?q={marker}", expect=None, label="search")
            for marker in PLANTS[tier].for_scope(PUBLIC).values()
        )
        for tier in TIERS
    }


def receipts_json(world: World) -> str:
    return "".join(
        section(f"receipt JSON ({t})", b.decode()) for t, b in world.receipt_json.items()
    )


def receipts_pdf(world: World) -> str:
    return "".join(section(f"receipt PDF ({t})", pdf_text(b)) for t, b in world.receipt_pdf.items())


def verify_results(world: World) -> str:
    return "".join(
        fetch(world.visitor, "/verify/", label=f"receipt of {t}", data={"receipt": b.decode()})
        for t, b in world.receipt_json.items()
    )


def emails_to_others(world: World) -> dict[str, str]:
    """Per tier: every message with a recipient outside the submitting organization and
    the coordinators (co-signers, anybody else)."""
    return {
        tier: "".join(
            section(f"e-mail to {', '.join(m.to)}: {m.subject}", m.body)
            for m in world.mail
            if set(m.to) - world.insiders[tier]
        )
        for tier in TIERS
    }


def database_dump(world: World) -> str:
    """dumpdata, plus every table read directly (the cache table is not a model), with the
    sessions and the cache values decoded (they are stored encoded)."""
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    parts = [section("dumpdata", dump.getvalue())]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # names from the schema itself
            parts.append(section(f"table {table}", "\n".join(map(repr, cursor.fetchall()))))
        cursor.execute("SELECT cache_key, value FROM palermo_cache")
        for key, value in cursor.fetchall():
            with contextlib.suppress(Exception):
                decoded = pickle.loads(base64.b64decode(value))  # our own cache's values
                parts.append(section(f"cache {key}", repr(decoded)))
    for stored in Session.objects.all():
        parts.append(section(f"session {stored.pk[:6]}…", repr(stored.get_decoded())))
    return "".join(parts)


OUTPUTS: list[Output] = [
    *viewer_outputs("visitor", all_of_them=True),
    *viewer_outputs("outsider", all_of_them=False),
    Output(
        "outsider:own-pages",
        "the outsider's own draft on the same State (with “who else works on this”), "
        "their co-signing invitations and their organizations' submissions",
        outsider_own_pages,
    ),
    Output(
        "changes-feed",
        "the changes feed /changes.atom",
        optional(lambda w: ["/changes.atom"]),
        lists="published",
        missing="/changes.atom does not exist yet (issue #5)",
    ),
    Output(
        "exports",
        "/exports/ and its submission, recommendation and source downloads (CSV, JSON, NDJSON)",
        exports,
        lists="published",
        missing="/exports/ does not exist yet (issue #5)",
    ),
    Output(
        "reports",
        "the live reports: the State brief (HTML, PDF, DOCX, JSON, CSV), the cluster "
        "synthesis and the global report (HTML, JSON, CSV)",
        optional(
            lambda w: [
                "/states/NGA/brief/",
                "/states/NGA/brief.pdf",
                "/states/NGA/brief.docx",
                "/states/NGA/brief.json",
                "/states/NGA/brief.csv",
                "/reports/clusters/I/",
                "/reports/clusters/I.json",
                "/reports/clusters/I.csv",
                "/reports/global/",
                "/reports/global.json",
                "/reports/global.csv",
            ]
        ),
        lists="published",
        missing="the live reports do not exist yet (issue #5)",
    ),
    Output(
        "recommendation-pages",
        "the page of each published submission's first recommendation",
        optional(
            lambda w: [
                f"/submissions/{s.reference}/recommendations/1/" for s in w.published.values()
            ]
        ),
        lists="published",
        missing="recommendation pages do not exist yet (issue #5)",
    ),
    Output("search", "/search/", search, missing="/search/ does not exist yet"),
    Output("receipt-json", "each receipt's JSON, as its author got it", receipts_json, STRICT),
    Output("receipt-pdf", "each receipt's PDF (extracted text)", receipts_pdf, STRICT),
    Output("verify", "the /verify/ result for each receipt", verify_results, STRICT),
    Output(
        "emails-to-others",
        "e-mails to anyone outside the submitting organization and the coordinators",
        emails_to_others,
        after=True,
    ),
    Output(
        "log-records",
        "every log record (all loggers, root at DEBUG)",
        lambda w: section("log records", "\n".join(w.logs.records)),
        STRICT,
        after=True,
    ),
    Output(
        "console-log",
        "what the console handler of settings.LOGGING wrote",
        lambda w: section("console handler", w.logs.console),
        STRICT,
        after=True,
    ),
    Output(
        "stdio",
        "stdout and stderr (file descriptors 1 and 2)",
        lambda w: section("stdout and stderr", w.logs.stdio),
        STRICT,
        after=True,
    ),
    Output(
        "log-files",
        "the log files settings.LOGGING configures (none today: console only)",
        lambda w: "".join(section(f"log file {p}", t) for p, t in w.logs.files.items()),
        STRICT,
        after=True,
    ),
    Output("database", "the whole database", database_dump, NETWORK, after=True),
]
BY_ID = {o.id: o for o in OUTPUTS}
assert len(BY_ID) == len(OUTPUTS), "output ids are unique"


@dataclass
class Sweep:
    world: World
    texts: dict[str, str | dict[str, str] | None]


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker) -> Iterator[Sweep]:
    """Build every tier's submissions and read every output once, in a transaction rolled
    back afterwards (the tests only read the texts)."""
    texts: dict[str, str | dict[str, str] | None] = {}
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        cache.clear()
        mail.outbox = []
        with capture_everything() as logs:
            world = build_world()
            for output in OUTPUTS:
                if not output.after:
                    texts[output.id] = output.fetch(world)
            read_for_positive_checks(world)
        world.logs = logs
        world.mail = list(mail.outbox)
        for output in OUTPUTS:
            if output.after:
                texts[output.id] = output.fetch(world)
        transaction.set_rollback(True)
    mail.outbox = []
    yield Sweep(world=world, texts=texts)


def text_for(sweep: Sweep, output: Output, tier: str = "") -> str:
    text = sweep.texts[output.id]
    if text is None:
        pytest.skip(output.missing)
    return text[tier] if isinstance(text, dict) else text


# --- The sweep: one test per tier and output ----------------------------------------------------

CASES = [
    pytest.param(tier, output.id, id=f"{tier}-{output.id}")
    for output in OUTPUTS
    for tier in TIERS
    if PLANTS[tier].for_scope(output.scope)
]


@pytest.mark.parametrize(("tier", "output_id"), CASES)
def test_the_tier_holds_in_the_output(sweep, tier, output_id):
    output = BY_ID[output_id]
    text = text_for(sweep, output, tier)
    found = [
        f"  {what} {marker!r} in {where_found(text, marker)}"
        for what, marker in PLANTS[tier].for_scope(output.scope).items()
        if marker.lower() in text.lower()
    ]
    assert not found, f"the {tier} submission is named in {output.description}:\n" + "\n".join(
        found
    )


# --- Not vacuous: the outputs show what they should --------------------------------------------


@pytest.mark.parametrize("output_id", [o.id for o in OUTPUTS if o.lists])
def test_the_output_shows_the_submissions(sweep, output_id):
    output = BY_ID[output_id]
    text = text_for(sweep, output)
    expected = getattr(sweep.world, output.lists)
    missing = [tier for tier, s in expected.items() if s.reference not in text]
    assert not missing, f"{output.description} does not show the {missing} submissions"


def api_author(sweep: Sweep, tier: str) -> str:
    return json.loads(sweep.world.seen[f"api {tier}"])["author"]


def test_the_attributed_submission_names_its_organization_author_and_co_signer(sweep):
    plant = PLANTS[ATTRIBUTED]
    named = f"{plant['organization name']} (author: {plant['author name']})"
    page = sweep.world.seen[f"page {ATTRIBUTED}"]
    assert f"Authors: {named}" in page
    assert f"Co-signed by: {plant['co-signer name']}" in page
    assert named in sweep.texts["visitor:list"]
    assert api_author(sweep, ATTRIBUTED) == named


def test_the_coalition_submission_names_only_its_lead(sweep):
    named = f"A coalition led by {PLANTS[COALITION]['organization name']}"
    page = sweep.world.seen[f"page {COALITION}"]
    assert f"Authors: {named}" in page
    assert "Co-signed by 1 other organization." in page
    assert api_author(sweep, COALITION) == named


@pytest.mark.parametrize(
    ("tier", "named"), [(PSEUDONYMOUS, REGION_TEXT), (ANONYMOUS, ANONYMOUS_TEXT)]
)
def test_the_hidden_tiers_are_named_as_their_rules_say(sweep, tier, named):
    assert f"Authors: {named}" in sweep.world.seen[f"page {tier}"]
    assert api_author(sweep, tier) == named


def test_coordinators_see_who_is_behind_a_pseudonymous_or_anonymous_submission(sweep):
    seen = sweep.world.seen
    assert PLANTS[PSEUDONYMOUS]["organization name"] in seen["queue"]
    assert sweep.world.published[ANONYMOUS].reference in seen["queue"]
    # The workflow steps on the page say who did what; the anonymous thread is theirs too.
    assert PLANTS[PSEUDONYMOUS]["author name"] in seen[f"coordinator {PSEUDONYMOUS}"]
    assert PLANTS[ANONYMOUS]["sender contact"] in seen[f"coordinator {ANONYMOUS}"]


def test_receipts_state_what_was_sent_and_verify(sweep):
    for tier, submission in sweep.world.published.items():
        document = json.loads(sweep.world.receipt_json[tier])
        assert set(document) == {"receipt", "key_id", "signature"}
        # What was sent, when, and its hash; who sent it is not a receipt's business.
        assert set(document["receipt"]) == {
            "format",
            "hub",
            "submission",
            "version",
            "timestamp",
            "content_sha256",
            "attachments",
        }
        assert document["receipt"]["submission"] == submission.reference
    for tier, data in sweep.world.receipt_pdf.items():
        receipt = json.loads(sweep.world.receipt_json[tier])["receipt"]
        text = pdf_text(data)
        assert receipt["submission"] in text and receipt["content_sha256"] in text
    assert sweep.texts["verify"].count("Authentic, and it matches the current") == len(TIERS)


def test_evidence_files_carried_their_metadata_and_were_downloaded_clean(sweep):
    for tier, upload in sweep.world.uploads.items():
        metadata = PdfReader(io.BytesIO(upload)).metadata
        assert metadata["/Title"] == PLANTS[tier]["uploaded file metadata"]
        attachment = sweep.world.attachments[tier]
        assert attachment.safe_filename.startswith("evidence-")
        assert (
            f"/attachments/{attachment.pk}/ (visitor) → 200" in sweep.texts["visitor:attachments"]
        )
        assert "PDF info dictionary" in attachment.removed_metadata


def test_the_flow_e_mailed_the_organizations_own_people(sweep):
    to = {address for message in sweep.world.mail for address in message.to}
    for tier in ORGANIZATION_TIERS:
        plant = PLANTS[tier]
        assert {plant["author e-mail"], plant["approver e-mail"], plant["owner e-mail"]} <= to


def test_the_logs_were_captured(sweep):
    logs = sweep.world.logs
    assert any(line.startswith("WARNING django.request Not Found: ") for line in logs.records)
    assert "WARNING django.request Not Found: /submissions/" in logs.console
    assert "Bad Request: /submit/return/" in logs.console  # the wrong passphrase


def test_the_database_dump_is_complete(sweep):
    dump = sweep.texts["database"]
    assert sweep.world.published[ANONYMOUS].reference in dump
    assert PLANTS[ANONYMOUS]["sender contact"] in dump  # the comments table was read
    assert "=== table palermo_cache ===" in dump and "=== session " in dump


def test_the_outsider_sees_who_else_works_on_the_state(sweep):
    page = sweep.texts["outsider:own-pages"]
    assert "Who else works on this" in page
    assert PLANTS[ATTRIBUTED]["organization name"] in page
    assert PLANTS[COALITION]["organization name"] in page
