"""Reports (issue #5): country brief, cluster synthesis, global report, snapshots, ledger."""

import io
import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document
from pypdf import PdfReader

from palermo.organizations.enums import MemberRole
from palermo.reports import services
from palermo.reports.enums import FeedbackStatus, ReportKind, SnapshotStatus
from palermo.reports.models import ImmutableSnapshotError, ReportSnapshot
from palermo.reviews.calendar import review_today
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import Submission
from tests.organizations.helpers import make_organization
from tests.submissions.helpers import ORG_MARKER, make_submission

CITATION = re.compile(r"\[(S-\d{4}-\d{4,})\]")
PARTNER_MARKER = "Partner Kq4-Marker"

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def partner(outsider):
    """An organization that publishes attributed work under a name we can look for."""
    return make_organization(
        PARTNER_MARKER, slug="partner-kq4", members={outsider: MemberRole.OWNER}, logo=False
    )


@pytest.fixture
def nga_cluster(db):
    """The cluster of Nigeria's current review: what its brief covers."""
    from palermo.reference.models import State
    from palermo.reports.queries import review_of

    return review_of(
        State.objects.get(code="NGA"), today=review_today()
    ).review.phase.cluster.numeral


@pytest.fixture
def brief_input(observatorio, org_editor, partner, outsider, nga_cluster):
    """On Nigeria: one attributed submission by the partner (named), one pseudonymous by
    observatorio (whose name must appear nowhere public), one draft and one submitted but
    unpublished (neither may be cited)."""
    named = make_submission(
        partner,
        outsider,
        status=SubmissionStatus.PUBLISHED,
        title="Named input",
        articles=(("untoc", 5), ("untoc", 24)),
        cluster=nga_cluster,
    )
    hidden = make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.PUBLISHED,
        title="Shielded input",
        tier=IdentityTier.PSEUDONYMOUS,
        cluster=None,
    )
    draft = make_submission(observatorio, org_editor, title="Draft input", cluster=nga_cluster)
    sent = make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.SUBMITTED,
        title="Sent input",
        cluster=nga_cluster,
    )
    return {"named": named, "hidden": hidden, "draft": draft, "sent": sent}


def outputs(client, base: str) -> dict[str, str]:
    """Every format of a live report, as text."""
    found = {}
    for fmt in ("html", "pdf", "docx", "json", "csv"):
        url = base if fmt == "html" else base.rstrip("/") + f".{fmt}"
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.content
        found[fmt] = (
            pdf_text(body) if fmt == "pdf" else docx_text(body) if fmt == "docx" else body.decode()
        )
    return found


# --- Country brief -----------------------------------------------------------------------


def test_every_citation_in_a_brief_is_a_published_submission(brief_input):
    texts = outputs(Client(), "/states/NGA/brief/")
    published = {brief_input["named"].reference, brief_input["hidden"].reference}
    for fmt, text in texts.items():
        cited = set(CITATION.findall(text))
        if fmt in ("html", "pdf", "docx"):  # data formats list references without brackets
            assert cited == published, fmt
        assert brief_input["draft"].reference not in text, fmt
        assert brief_input["sent"].reference not in text, fmt
    content = json.loads(texts["json"])
    for rec in content["recommendations"]:
        assert Submission.objects.get(reference=rec["reference"]).status == "published"


def test_a_brief_groups_recommendations_by_article(brief_input):
    content = Client().get("/states/NGA/brief.json").json()
    sections = {s["code"]: s for s in content["by_article"]}
    assert set(sections) == {"untoc-5", "untoc-24"}
    assert sorted(sections["untoc-5"]["submissions"]) == sorted(
        [brief_input["named"].reference, brief_input["hidden"].reference]
    )
    assert sections["untoc-24"]["submissions"] == [brief_input["named"].reference]
    assert content["figures"]["submissions"] == 2
    assert content["figures"]["organizations_named"] == 1
    assert content["figures"]["not_named"] == 1
    # The reference facts carry their confidence.
    assert all(f["confidence"] in {"H", "M", "L"} for f in content["context"]["facts"])


def test_identity_tiers_hold_in_every_format_of_a_brief(brief_input):
    for fmt, text in outputs(Client(), "/states/NGA/brief/").items():
        assert ORG_MARKER not in text, fmt
        assert "Eda Editor" not in text, fmt
        assert "org-editor@example.org" not in text, fmt
        # Not vacuous: the attributed organization is named, the shielded one described.
        assert PARTNER_MARKER in text, fmt
        if fmt in ("html", "json", "docx"):
            assert "A civil-society organization working in African States" in text, fmt


def test_a_brief_without_input_says_so(db):
    client = Client()
    page = client.get("/states/FRA/brief/")
    assert page.status_code == 200
    assert "No civil-society submission has been published" in page.content.decode()
    pdf = client.get("/states/FRA/brief.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "No civil-society submission" in " ".join(pdf_text(pdf.content).split())
    docx = client.get("/states/FRA/brief.docx")
    assert "No civil-society submission" in docx_text(docx.content)


def test_an_unknown_state_has_no_brief(db):
    assert Client().get("/states/XXX/brief/").status_code == 404
    assert Client().get("/states/XXX/brief.pdf").status_code == 404


def test_an_embargoed_submission_is_not_in_a_brief(submission_in):
    import datetime as dt

    hidden = submission_in(
        SubmissionStatus.PUBLISHED,
        title="Embargoed input",
        embargo_until=review_today() + dt.timedelta(days=5),
    )
    for fmt, text in outputs(Client(), "/states/NGA/brief/").items():
        assert hidden.reference not in text, fmt
        assert "Embargoed input" not in text, fmt


def test_brief_files_are_downloads(brief_input):
    client = Client()
    for fmt in ("pdf", "docx", "csv"):
        response = client.get(f"/states/NGA/brief.{fmt}")
        assert response["Content-Disposition"].startswith("attachment;"), fmt
        assert response["X-Content-Type-Options"] == "nosniff"


def test_csv_neutralises_formulas(observatorio, org_editor):
    submission = make_submission(
        observatorio, org_editor, status=SubmissionStatus.PUBLISHED, cluster=None
    )
    # Reports read the stored version: that is where a spreadsheet formula would come from.
    version = submission.versions.get()
    version.content["recommendations"][0]["text"] = '=HYPERLINK("http://evil.example")'
    version.save()
    text = Client().get("/states/NGA/brief.csv").content.decode()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
    content = Client().get("/states/NGA/brief.json").json()
    assert content["recommendations"][0]["text"].startswith("=HYPERLINK")


def test_the_brief_runs_the_same_queries_for_2_and_12_submissions(observatorio, org_editor):
    client = Client()

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/states/NGA/brief/").status_code == 200
        return len(captured)

    for _ in range(2):
        make_submission(observatorio, org_editor, status=SubmissionStatus.PUBLISHED, cluster=None)
    few = count()
    for _ in range(10):
        make_submission(observatorio, org_editor, status=SubmissionStatus.PUBLISHED, cluster=None)
    many = count()
    assert len(Client().get("/states/NGA/brief.json").json()["submissions"]) == 12
    assert many == few


def test_the_state_page_links_its_brief(db):
    html = Client().get("/states/NGA/").content.decode()
    assert 'href="/states/NGA/brief/"' in html
    assert 'href="/states/NGA/brief.pdf"' in html


# --- Cluster synthesis and global report -------------------------------------------------


def test_a_brief_covers_one_review_phase(brief_input, observatorio, org_editor, nga_cluster):
    other = "I" if nga_cluster != "I" else "II"
    elsewhere = make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.PUBLISHED,
        title="Other phase",
        cluster=other,
    )
    current = Client().get("/states/NGA/brief.json").json()
    assert elsewhere.reference not in {s["reference"] for s in current["submissions"]}
    assert current["title"].startswith("Country brief: Nigeria, review phase ")
    from palermo.reviews.models import CountryReview

    phase = CountryReview.objects.filter(state__code="NGA", phase__cluster__numeral=other).first()
    if phase is not None:
        earlier = Client().get(f"/states/NGA/brief.json?phase={phase.phase.number}").json()
        refs = {s["reference"] for s in earlier["submissions"]}
        assert elsewhere.reference in refs and brief_input["named"].reference not in refs
    assert Client().get("/states/NGA/brief/?phase=29").status_code == 404
    assert Client().get("/states/NGA/brief/?phase=four").status_code == 400


def test_a_cluster_synthesis_covers_states_articles_and_regions(
    brief_input, observatorio, org_editor, nga_cluster
):
    make_submission(
        observatorio,
        org_editor,
        status=SubmissionStatus.PUBLISHED,
        title="Clustered",
        cluster=nga_cluster,
        tier=IdentityTier.PSEUDONYMOUS,
    )
    content = Client().get(f"/reports/clusters/{nga_cluster}.json").json()
    assert content["kind"] == "cluster"
    refs = {s["reference"] for s in content["submissions"]}
    assert brief_input["named"].reference in refs and len(refs) == 2
    assert brief_input["hidden"].reference not in refs  # it names no cluster
    assert content["matrix"]["rows"][0]["state"] == "NGA"
    assert sum(content["matrix"]["rows"][0]["cells"]) == 3  # untoc-5 twice, untoc-24 once
    assert [r["region"] for r in content["by_region"]] == ["African States"]
    assert {t["key"] for t in content["figures"]["organization_types"]} <= {
        "ngo",
        "community",
        "network",
        "academia",
        "media",
        "private",
        "foundation",
        "other",
    }
    assert content["figures"]["not_named"] == 1
    html = Client().get(f"/reports/clusters/{nga_cluster}/").content.decode()
    assert ORG_MARKER not in html and PARTNER_MARKER in html


def test_an_unknown_cluster_is_404(db):
    assert Client().get("/reports/clusters/IX/").status_code == 404


def test_the_global_report_has_a_map_charts_chapters_and_an_annex(brief_input):
    response = Client().get("/reports/global/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="map-NGA"' in html and "coverage-1" in html
    assert html.count('class="chart"') == 4
    assert 'id="h-cluster-I"' in html
    assert "Annex: contributing organizations" in html
    assert PARTNER_MARKER in html and ORG_MARKER not in html
    content = Client().get("/reports/global.json").json()
    assert content["per_state"] == [{"state": "NGA", "count": 2}]
    assert ORG_MARKER not in json.dumps(content)


def test_the_reports_page_lists_the_compilations(db):
    html = Client().get("/reports/").content.decode()
    assert 'href="/reports/global/"' in html
    assert 'href="/reports/clusters/I/"' in html
    assert "No report has been published yet." in html
    assert Client().get("/reports/?kind=bogus").status_code == 400


# --- Snapshots ---------------------------------------------------------------------------


def publish(client, **data) -> ReportSnapshot:
    response = client.post("/reports/publish/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReportSnapshot.objects.order_by("-id").first()


def test_a_coordinator_publishes_a_snapshot_that_a_reader_finds(brief_input, client_as):
    snapshot = publish(client_as("coordinator"), kind="brief", state="nga")
    assert snapshot.status == SnapshotStatus.READY  # the task ran (immediate in tests)
    assert snapshot.edition == 1
    reader = Client()
    listing = reader.get("/reports/").content.decode()
    assert f'href="/reports/{snapshot.pk}/"' in listing
    page = reader.get(f"/reports/{snapshot.pk}/").content.decode()
    assert "Edition 1" in page and brief_input["named"].reference in page
    pdf = reader.get(f"/reports/{snapshot.pk}.pdf")
    assert brief_input["named"].reference in pdf_text(pdf.content)
    assert ORG_MARKER not in pdf_text(pdf.content)
    docx = reader.get(f"/reports/{snapshot.pk}.docx")
    assert ORG_MARKER not in docx_text(docx.content)
    inputs = reader.get(f"/reports/{snapshot.pk}/inputs.json").json()
    assert [(i["reference"], i["version"]) for i in inputs["inputs"]] == sorted(
        (s.reference, s.version) for s in (brief_input["named"], brief_input["hidden"])
    )


def test_a_snapshot_input_list_reproduces_it(brief_input, client_as):
    snapshot = publish(client_as("coordinator"), kind="global")
    assert services.snapshot_reproduce(snapshot) == snapshot.content
    assert services.content_sha256(snapshot.content) == snapshot.content_sha256


def test_a_published_snapshot_never_changes(brief_input, client_as):
    snapshot = publish(client_as("coordinator"), kind="brief", state="NGA")
    snapshot.title = "Rewritten"
    with pytest.raises(ImmutableSnapshotError):
        snapshot.save()


def test_a_withdrawn_submission_leaves_the_next_snapshot_not_the_old_one(brief_input, client_as):
    coordinator = client_as("coordinator")
    first = publish(coordinator, kind="brief", state="NGA")
    withdrawn = brief_input["named"]
    Submission.objects.filter(pk=withdrawn.pk).update(
        status=SubmissionStatus.WITHDRAWN, withdrawal_reason="safety"
    )
    second = publish(coordinator, kind="brief", state="NGA")
    assert second.edition == 2
    first.refresh_from_db()
    assert withdrawn.reference in {s["reference"] for s in first.content["submissions"]}
    assert withdrawn.reference not in {s["reference"] for s in second.content["submissions"]}
    assert withdrawn.reference in Client().get(f"/reports/{first.pk}/").content.decode()
    assert withdrawn.reference not in Client().get(f"/reports/{second.pk}/").content.decode()
    assert services.snapshot_reproduce(first) == first.content


@pytest.mark.parametrize("role", ["visitor", "outsider", "editor", "coordinator_without_mfa"])
def test_only_coordinators_publish_reports(brief_input, client_as, role):
    response = client_as(role).post("/reports/publish/", {"kind": "global"})
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/accounts/" in response["Location"]
    assert not ReportSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "brief"}, "A country brief needs a State."),
        ({"kind": "brief", "state": "XXX"}, "No State has the code"),
        ({"kind": "cluster"}, "A cluster synthesis needs a cluster."),
        ({"kind": "cluster", "cluster": "IX"}, "No cluster has the numeral"),
        ({"kind": "nonsense"}, "Select a valid choice"),
        ({"kind": "global", "note": "a\x00b"}, ""),
    ],
)
def test_a_bad_publish_request_says_why(db, client_as, coord, data, message):
    response = client_as("coordinator").post("/reports/publish/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportSnapshot.objects.exists()


def test_a_snapshot_being_built_is_not_public(coord, db):
    snapshot = ReportSnapshot.objects.create(
        kind=ReportKind.GLOBAL_REPORT,
        title="x",
        scope="global",
        edition=1,
        as_of=review_today(),
        requested_by=coord,
    )
    for url in (
        f"/reports/{snapshot.pk}/",
        f"/reports/{snapshot.pk}.pdf",
        f"/reports/{snapshot.pk}/inputs.json",
    ):
        assert Client().get(url).status_code == 404, url


def test_a_failed_build_publishes_nothing(
    brief_input, coord, monkeypatch, django_capture_on_commit_callbacks
):
    from palermo.reports import render

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(render, "report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.snapshot_request(kind="global", by=coord, today=review_today())
    snapshot = ReportSnapshot.objects.get()
    assert snapshot.status == SnapshotStatus.FAILED
    assert not snapshot.inputs.exists() and snapshot.content is None


# --- Feedback ledger ---------------------------------------------------------------------


def ledger_url(submission, number=1):
    return f"/submissions/{submission.reference}/recommendations/{number}/"


FEEDBACK = {
    "kind": "dialogue",
    "title": "Summary of the constructive dialogue",
    "url": "https://example.org/summary.pdf",
    "date": "2026-10-01",
    "note": "Cited in paragraph 12.",
}


def test_a_coordinator_records_uptake_and_the_authors_are_told(brief_input, client_as):
    hidden = brief_input["hidden"]
    mail.outbox.clear()
    response = client_as("coordinator").post(ledger_url(hidden), FEEDBACK)
    assert response.status_code == 302
    page = Client().get(ledger_url(hidden)).content.decode()
    assert "Summary of the constructive dialogue" in page
    assert {m.to[0] for m in mail.outbox} >= {"org-editor@example.org"}
    assert all(ORG_MARKER not in m.body for m in mail.outbox)
    content = Client().get("/states/NGA/brief.json").json()
    assert content["figures"]["recommendations_taken_up"] == 1
    assert "Taken up:" in Client().get("/states/NGA/brief/").content.decode()


def test_an_author_proposes_and_a_coordinator_confirms(brief_input, client_as):
    hidden = brief_input["hidden"]
    response = client_as("editor").post(ledger_url(hidden), FEEDBACK)
    assert response.status_code == 302
    entry = hidden.recommendations.get().feedback.get()
    assert entry.status == FeedbackStatus.PROPOSED
    assert (
        "Summary of the constructive dialogue"
        not in Client().get(ledger_url(hidden)).content.decode()
    )
    assert Client().get("/states/NGA/brief.json").json()["figures"]["recommendations_taken_up"] == 0
    coordinator = client_as("coordinator")
    assert (
        "Summary of the constructive dialogue"
        in coordinator.get("/coordination/feedback/").content.decode()
    )
    coordinator.post("/coordination/feedback/", {"entry": entry.pk, "decision": "confirm"})
    entry.refresh_from_db()
    assert entry.status == FeedbackStatus.CONFIRMED
    assert (
        "Summary of the constructive dialogue" in Client().get(ledger_url(hidden)).content.decode()
    )


@pytest.mark.parametrize("role", ["visitor", "outsider", "member"])
def test_others_cannot_record_uptake(brief_input, client_as, role):
    hidden = brief_input["hidden"]
    response = client_as(role).post(ledger_url(hidden), FEEDBACK)
    assert response.status_code == 404
    assert not hidden.recommendations.get().feedback.exists()


@pytest.mark.parametrize("role", ["visitor", "outsider", "editor"])
def test_the_feedback_queue_is_for_coordinators(db, client_as, coord, role):
    response = client_as(role).get("/coordination/feedback/")
    assert response.status_code in (302, 404)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "javascript:alert(1)", "Enter a valid URL"),
        ("date", "2099-01-01", "cannot be in the future"),
        ("date", "2026-02-30", "Enter a valid date"),
        ("title", "a" * 301, "at most 300"),
        ("kind", "gossip", "Select a valid choice"),
    ],
)
def test_bad_feedback_is_refused_with_a_message(brief_input, client_as, field, value, message):
    hidden = brief_input["hidden"]
    response = client_as("coordinator").post(ledger_url(hidden), {**FEEDBACK, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not hidden.recommendations.get().feedback.exists()


def test_a_draft_recommendation_has_no_public_ledger(brief_input):
    assert Client().get(ledger_url(brief_input["draft"])).status_code == 404
    assert Client().get(ledger_url(brief_input["named"], number=9)).status_code == 404


def test_report_pages_link_their_json_twin(brief_input, client_as):
    snapshot = publish(client_as("coordinator"), kind="global")
    for page, twin in (
        ("/states/NGA/brief/", "/states/NGA/brief.json"),
        ("/reports/global/", "/reports/global.json"),
        (f"/reports/{snapshot.pk}/", f"/reports/{snapshot.pk}.json"),
    ):
        html = Client().get(page).content.decode()
        assert f'<link rel="alternate" type="application/json" href="{twin}">' in html, page
        assert Client().get(twin).status_code == 200
