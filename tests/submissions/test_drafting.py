"""Drafting through the real forms: references, versions and their hashes, re-posted forms,
edit conflicts, the version diff, a database that refuses the write, and hostile input."""

import hashlib
import json
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from palermo.reviews.models import CountryReview
from palermo.submissions import services
from palermo.submissions.models import (
    Recommendation,
    Submission,
    SubmissionSource,
    SubmissionVersion,
)
from tests.organizations.helpers import active_content
from tests.submissions.helpers import (
    LAW,
    article_pk,
    cluster_pk,
    complete_draft,
    create_through_form,
    fill,
    instrument_pk,
    make_submission,
    open_edit_form,
    open_new_form,
    read_form,
    single,
    state_pk,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def sha256_of_canonical_json(content: dict) -> str:
    """Computed here, independently of the model's helper."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def editor(client_as, observatorio):
    return client_as("editor")


@pytest.fixture
def draft(editor):
    """Version 1 of a draft, made through the form."""
    return create_through_form(editor)


# --- Creating ---------------------------------------------------------------------------


def test_an_editor_creates_a_draft_through_the_form(editor, observatorio, org_editor):
    fields = open_new_form(editor, state="NGA")
    assert single(fields, "state") == state_pk("NGA"), "?state=NGA preselects Nigeria"
    assert single(fields, "form_token"), "the form carries its one-time token"
    for prefix in ("rec", "src"):
        assert single(fields, f"{prefix}-TOTAL_FORMS")
        assert single(fields, f"{prefix}-INITIAL_FORMS") == "0"

    response = editor.post("/submissions/new/", complete_draft(fields))

    year = timezone.now().year
    reference = f"S-{year}-0001"
    assert response.status_code == 302
    assert response["Location"] == f"/submissions/{reference}/"
    submission = Submission.objects.get()
    assert submission.reference == reference
    assert submission.organization == observatorio
    assert submission.created_by == org_editor
    assert submission.status == "draft"
    assert submission.version == 1
    assert submission.state.code == "NGA"
    assert submission.law == LAW
    assert [a.number for a in submission.articles.all()] == [5]
    assert submission.review is not None and submission.review.phase.cluster.numeral == "I"
    assert Recommendation.objects.get().text == "Adopt a specific offence of participation."
    assert SubmissionSource.objects.get().url == "https://example.org/report-2023"

    version = SubmissionVersion.objects.get()
    assert version.submission == submission and version.number == 1
    assert version.saved_by == org_editor
    assert version.content["title"] == submission.title
    assert version.content["law"] == LAW
    assert version.content["articles"] == ["untoc-5"]
    assert version.content["recommendations"][0]["articles"] == ["untoc-5"]
    assert version.content["sources"][0]["date"] == "2023-05-01"
    assert version.content == services.snapshot(submission)
    assert version.content_sha256 == sha256_of_canonical_json(version.content)

    detail = editor.get(response["Location"])
    assert detail.status_code == 200
    assert "Draft" in detail.content.decode() and reference in detail.content.decode()


def test_references_count_up_within_the_year(editor):
    first = create_through_form(editor)
    second = create_through_form(editor, title="A second draft")
    year = timezone.now().year
    assert (first.reference, second.reference) == (f"S-{year}-0001", f"S-{year}-0002")


def test_a_member_may_not_start_a_submission(client_as, observatorio):
    member = client_as("member")
    assert member.get("/submissions/new/?state=NGA").status_code == 403
    assert member.post("/submissions/new/", {"title": "x"}).status_code == 403
    assert Submission.objects.count() == 0


def test_nobody_starts_a_submission_for_an_organization_they_do_not_edit(
    client_as, observatorio, other_org
):
    """The outsider owns Red Sur; naming the Observatorio in the post does not make them its
    author."""
    outsider = client_as("outsider")
    payload = complete_draft(open_new_form(outsider), organization=observatorio.slug)

    outsider.post("/submissions/new/", payload)

    assert not Submission.objects.filter(organization=observatorio).exists()


# --- Editing and versions -----------------------------------------------------------------


def test_an_edit_based_on_version_1_makes_version_2(editor, draft):
    fields = open_edit_form(editor, draft.reference)
    assert single(fields, "base_version") == "1"
    assert "state" not in fields, "the State is fixed once the draft exists (disabled)"

    new_law = LAW.replace("Section 12", "Section 14")
    response = editor.post(f"/submissions/{draft.reference}/edit/", fill(fields, law=new_law))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.law == new_law
    v1, v2 = draft.versions.order_by("number")
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content["law"] == LAW, "version 1 is kept as it was"
    assert v2.content["law"] == new_law
    assert v2.content_sha256 == sha256_of_canonical_json(v2.content)
    assert v1.content_sha256 != v2.content_sha256


def test_saving_an_unchanged_form_makes_no_version(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    response = editor.post(f"/submissions/{draft.reference}/edit/", fields, follow=True)

    assert response.status_code == 200
    assert "Nothing changed; no new version." in response.content.decode()
    draft.refresh_from_db()
    assert draft.version == 1
    assert draft.versions.count() == 1


def test_a_reposted_create_form_makes_one_draft(editor):
    payload = complete_draft(open_new_form(editor))

    first = editor.post("/submissions/new/", payload)
    again = editor.post("/submissions/new/", payload)  # double click, back button, retry

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Submission.objects.count() == 1
    assert SubmissionVersion.objects.count() == 1


def test_a_reposted_edit_form_makes_one_version(editor, draft):
    payload = fill(open_edit_form(editor, draft.reference), title="A sharper title")

    first = editor.post(f"/submissions/{draft.reference}/edit/", payload)
    again = editor.post(f"/submissions/{draft.reference}/edit/", payload)

    assert first.status_code == again.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.title == "A sharper title"
    assert list(draft.versions.values_list("number", flat=True)) == [1, 2]


def test_two_editors_on_version_1_conflict_and_nothing_is_overwritten(client_as, draft, org_editor):
    first, second = client_as("editor"), client_as("second_editor")
    first_form = open_edit_form(first, draft.reference)
    second_form = open_edit_form(second, draft.reference)
    first_law = "FIRST EDITOR: the Penal Code, section 97."
    second_law = "SECOND EDITOR: the Cybercrime Act, section 27."
    second_title = "The second editor title"

    saved = first.post(f"/submissions/{draft.reference}/edit/", fill(first_form, law=first_law))
    assert saved.status_code == 302

    conflict = second.post(
        f"/submissions/{draft.reference}/edit/",
        fill(second_form, law=second_law, title=second_title),
    )

    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "Someone else saved first" in html
    assert "Eda Editor" in html, "says who saved meanwhile"
    assert second_law in html and second_title in html, "shows their text"
    assert first_law in html, "shows version 2's text"
    rebased = read_form(html)
    assert single(rebased, "base_version") == "2"
    assert single(rebased, "law") == second_law
    assert single(rebased, "title") == second_title
    assert single(rebased, "rec-0-text") == "Adopt a specific offence of participation."

    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.law == first_law, "the first editor's save is intact"
    assert draft.versions.count() == 2
    assert draft.versions.get(number=2).content["law"] == first_law

    # Saving the re-offered form is a deliberate choice: it makes version 3.
    resaved = second.post(f"/submissions/{draft.reference}/edit/", rebased)

    assert resaved.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 3
    assert (draft.law, draft.title) == (second_law, second_title)
    assert draft.versions.get(number=2).content["law"] == first_law
    assert draft.versions.get(number=3).content["law"] == second_law
    assert draft.versions.get(number=3).saved_by.email == "second-editor@example.org"


def test_the_versions_page_shows_a_readable_diff(editor, draft):
    fields = open_edit_form(editor, draft.reference)
    new_law = LAW.replace("No rule on the offence.", "A draft bill adds the offence.")
    editor.post(f"/submissions/{draft.reference}/edit/", fill(fields, law=new_law))

    response = editor.get(f"/submissions/{draft.reference}/versions/?a=1&b=2")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Changes from version 1 to 2" in html
    assert '<span class="removed">- No rule on the offence.</span>' in html
    assert '<span class="added">+ A draft bill adds the offence.</span>' in html
    assert '<span class="">  Section 12 covers conspiracy.</span>' in html, "context kept"
    assert "<h3>law</h3>" in html and "<h3>title</h3>" not in html, "only changed fields"
    for number in (1, 2):
        version = draft.versions.get(number=number)
        assert version.content_sha256[:16] in html


def test_the_versions_page_refuses_bad_numbers(editor, draft):
    assert editor.get(f"/submissions/{draft.reference}/versions/?a=x&b=1").status_code == 400
    assert editor.get(f"/submissions/{draft.reference}/versions/?a=1&b=9").status_code == 404


# --- The database refuses the write ---------------------------------------------------------


def test_a_locked_database_keeps_the_text_and_says_why(editor, draft):
    fields = open_edit_form(editor, draft.reference)
    my_law = "Text I spent an hour on.\nIt must not be lost."

    with mock.patch.object(
        services, "submission_save", side_effect=OperationalError("database is locked")
    ):
        response = editor.post(f"/submissions/{draft.reference}/edit/", fill(fields, law=my_law))

    assert response.status_code == 503
    html = response.content.decode()
    assert "could not be saved just now" in html
    assert single(read_form(html), "law") == my_law
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (1, LAW)


def test_a_locked_database_on_create_keeps_the_text(editor):
    payload = complete_draft(open_new_form(editor), title="My unsaved title")

    with mock.patch.object(
        services, "submission_create", side_effect=OperationalError("database is locked")
    ):
        response = editor.post("/submissions/new/", payload)

    assert response.status_code == 503
    html = response.content.decode()
    assert "could not be saved just now" in html
    assert single(read_form(html), "title") == "My unsaved title"
    assert Submission.objects.count() == 0


# --- Hostile and broken input -------------------------------------------------------------

# Form field → (how to address it in `fill`, how to find the stored value).
TEXT_FIELDS = {
    "title": ("title", lambda s: s.title),
    "summary": ("summary", lambda s: s.summary),
    "law": ("law", lambda s: s.law),
    "practice": ("practice", lambda s: s.practice),
    "recommendation": ("rec__0__text", lambda s: s.recommendations.get().text),
    "source title": ("src__0__title", lambda s: s.sources.get().title),
}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_markup_is_stored_as_text_and_shown_escaped(editor, field):
    key, stored = TEXT_FIELDS[field]

    submission = create_through_form(editor, **{key: f"Before {XSS} after"})

    assert stored(submission) == f"Before {XSS} after"
    html = editor.get(submission.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert active_content(html) == []


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("\x00", "Null characters are not allowed."),
        ("\u202e", "invisible text-direction character U+202E"),
    ],
    ids=["NUL", "RLO"],
)
def test_invisible_characters_are_refused_on_create(editor, field, bad, message):
    key, _stored = TEXT_FIELDS[field]
    payload = complete_draft(open_new_form(editor), **{key: f"invoice{bad}fdp.exe"})

    response = editor.post("/submissions/new/", payload)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Submission.objects.count() == 0
    assert SubmissionVersion.objects.count() == 0


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_invisible_characters_are_refused_on_edit(editor, draft, field):
    key, stored = TEXT_FIELDS[field]
    before = stored(draft)
    payload = fill(open_edit_form(editor, draft.reference), **{key: "evil\u202etxt.exe"})

    response = editor.post(f"/submissions/{draft.reference}/edit/", payload)

    assert response.status_code == 200
    assert "U+202E" in response.content.decode()
    draft.refresh_from_db()
    assert draft.version == 1 and draft.versions.count() == 1
    assert stored(draft) == before


@pytest.mark.parametrize(
    ("key", "length", "message"),
    [
        ("title", 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("summary", 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
        ("rec__0__text", 3001, "Ensure this value has at most 3000 characters (it has 3001)."),
        ("src__0__title", 301, "Ensure this value has at most 300 characters (it has 301)."),
    ],
)
def test_oversize_text_is_refused(editor, key, length, message):
    payload = complete_draft(open_new_form(editor), **{key: "x" * length})

    response = editor.post("/submissions/new/", payload)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_line_break_in_the_title_is_refused(editor):
    payload = complete_draft(open_new_form(editor), title="Two\nlines")
    response = editor.post("/submissions/new/", payload)
    assert response.status_code == 200
    assert "This must be a single line" in response.content.decode()
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
    ],
)
def test_a_source_address_must_be_http(editor, url):
    payload = complete_draft(open_new_form(editor), src__0__url=url)

    response = editor.post("/submissions/new/", payload)

    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert Submission.objects.count() == 0


def test_an_article_of_an_instrument_not_selected_is_refused(editor):
    payload = complete_draft(
        open_new_form(editor),
        instruments=[instrument_pk("untoc")],
        articles=[article_pk("untoc", 5), article_pk("tip", 3)],
    )

    response = editor.post("/submissions/new/", payload)

    assert response.status_code == 200
    assert (
        "These articles belong to instruments you did not select: TIP art. 3."
        in response.content.decode()
    )
    assert Submission.objects.count() == 0


def test_the_state_cannot_be_changed_by_posting_it(editor, draft):
    """The State field is disabled on edit: a forged value is ignored."""
    payload = fill(open_edit_form(editor, draft.reference), state=state_pk("MEX"), title="New")
    assert editor.post(f"/submissions/{draft.reference}/edit/", payload).status_code == 302
    draft.refresh_from_db()
    assert (draft.state.code, draft.title) == ("NGA", "New")


# --- Found while testing ---------------------------------------------------------------------


def test_changing_the_cluster_moves_the_draft_to_that_review(editor, draft):
    assert draft.review.phase.cluster.numeral == "I"
    fields = open_edit_form(editor, draft.reference)
    response = editor.post(
        f"/submissions/{draft.reference}/edit/", fill(fields, cluster=cluster_pk("IV"))
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.cluster.numeral == "IV"
    expected = CountryReview.objects.get(state__code="NGA", phase__cluster__numeral="IV")
    assert draft.review == expected
    assert draft.versions.get(number=2).content["review"] == expected.pk


def test_references_keep_counting_past_9999(editor, observatorio, org_editor):
    year = timezone.now().year
    for number in (9999, 10000):
        planted = make_submission(observatorio, org_editor)
        Submission.objects.filter(pk=planted.pk).update(reference=f"S-{year}-{number}")

    try:
        created = create_through_form(editor)
    except IntegrityError as error:
        raise AssertionError(f"creating a draft failed: {error}") from error

    assert created.reference == f"S-{year}-10001"
