"""Autosave of a draft (static/js/autosave.js posts the edit form to /autosave/): the same
forms, version checks and one-time tokens as the Save button, answered in JSON. What the
script does with the answers is in tests/e2e/test_autosave_journey.py."""

import re
from unittest import mock

import pytest
from django.db import OperationalError

from palermo.submissions import services
from palermo.submissions.models import FormToken
from tests.organizations.helpers import CommittingClient, active_content
from tests.submissions.helpers import LAW, fill, open_edit_form, read_form, single

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NEW_LAW = "Article 5 is now in the Penal Code, section 97.\nThe bill passed in March."
TOKEN = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def editor(client_as, observatorio):
    return client_as("editor")


@pytest.fixture
def draft(submission_in):
    """Version 1 of the Observatorio's draft, written by the editor."""
    return submission_in("draft")


def autosave_url(submission) -> str:
    return f"/submissions/{submission.reference}/autosave/"


def after(fields: dict[str, list[str]], answer: dict) -> dict[str, list[str]]:
    """The form as the script leaves it after a 200: the returned version and a new token."""
    return fill(fields, base_version=answer["version"], form_token=answer["form_token"])


def unchanged(submission, *, version: int = 1, law: str = LAW) -> None:
    submission.refresh_from_db()
    assert (submission.version, submission.law) == (version, law)
    assert list(submission.versions.values_list("number", flat=True)) == list(range(1, version + 1))


# --- Saving -----------------------------------------------------------------------------------


def test_autosave_stores_the_text_as_a_new_version(editor, draft, org_editor):
    fields = open_edit_form(editor, draft.reference)

    response = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    v2 = draft.versions.get(number=2)
    assert answer == {
        "version": 2,
        "saved_at": v2.saved_at.isoformat(),
        "changed": True,
        "form_token": answer["form_token"],
    }
    assert TOKEN.fullmatch(answer["form_token"])
    assert answer["form_token"] != single(fields, "form_token")
    assert not FormToken.objects.filter(token=answer["form_token"]).exists(), "still unused"
    draft.refresh_from_db()
    assert (draft.version, draft.law) == (2, NEW_LAW)
    assert (v2.content["law"], v2.saved_by) == (NEW_LAW, org_editor)
    assert draft.versions.get(number=1).content["law"] == LAW, "version 1 kept"
    assert draft.recommendations.get().text == "Protect witnesses.", "the rest is kept"
    versions_page = editor.get(f"/submissions/{draft.reference}/versions/").content.decode()
    assert re.search(r'<td class="num">2</td><td>[^<]+</td><td>Eda Editor</td>', versions_page)


def test_the_returned_version_and_token_let_autosave_and_save_follow_each_other(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    first = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW)).json()
    fields = after(fill(fields, law=NEW_LAW), first)
    second = editor.post(autosave_url(draft), fill(fields, title="A sharper title")).json()
    fields = after(fill(fields, title="A sharper title"), second)
    saved = editor.post(
        f"/submissions/{draft.reference}/edit/", fill(fields, summary="Pressed Save.")
    )

    assert (first["version"], second["version"]) == (2, 3)
    assert saved.status_code == 302, "one's own autosave is never a conflict"
    draft.refresh_from_db()
    assert (draft.version, draft.law, draft.title, draft.summary) == (
        4,
        NEW_LAW,
        "A sharper title",
        "Pressed Save.",
    )
    assert list(draft.versions.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_autosave_of_unchanged_content_makes_no_version(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    first = editor.post(autosave_url(draft), fields)
    again = editor.post(autosave_url(draft), after(fields, first.json()))

    v1 = draft.versions.get()
    for response in (first, again):
        assert response.status_code == 200
        answer = response.json()
        assert answer == {
            "version": 1,
            "saved_at": v1.saved_at.isoformat(),
            "changed": False,
            "form_token": answer["form_token"],
        }
    unchanged(draft)


def test_autosave_works_on_a_returned_submission_like_the_edit_page(editor, submission_in):
    returned = submission_in("returned")
    fields = open_edit_form(editor, returned.reference)

    response = editor.post(autosave_url(returned), fill(fields, law=NEW_LAW))

    assert response.status_code == 200
    assert response.json()["version"] == 2
    returned.refresh_from_db()
    assert (returned.status, returned.law) == ("returned", NEW_LAW)


# --- Conflicts and re-posts -------------------------------------------------------------------


def test_autosave_after_someone_else_saved_is_a_conflict_and_overwrites_nothing(
    client_as, editor, draft
):
    mine = open_edit_form(editor, draft.reference)
    other = client_as("second_editor")
    theirs = "SECOND EDITOR: the Cybercrime Act, section 27."
    saved = other.post(
        f"/submissions/{draft.reference}/edit/",
        fill(open_edit_form(other, draft.reference), law=theirs),
    )
    assert saved.status_code == 302

    response = editor.post(autosave_url(draft), fill(mine, law=NEW_LAW, title="My title"))

    assert response.status_code == 409
    assert response.json() == {
        "message": "Someone else saved version 2 of this draft while you were editing. "
        "Nothing was overwritten; autosave has stopped.",
        "version": 2,
    }
    assert theirs not in response.content.decode(), "their text is not sent back"
    unchanged(draft, version=2, law=theirs)
    assert draft.title == "Witness protection in practice"
    # The Save button, pressed now, shows both texts: the ordinary conflict page.
    conflict = editor.post(f"/submissions/{draft.reference}/edit/", fill(mine, law=NEW_LAW))
    assert conflict.status_code == 409
    assert theirs in conflict.content.decode() and NEW_LAW in conflict.content.decode()


def test_a_token_sent_again_saves_the_newer_text_on_the_version_it_left(editor, draft):
    """The answer to an autosave was lost: the script still holds the spent token and the
    old version, and sends them with what was typed since."""
    fields = open_edit_form(editor, draft.reference)
    editor.post(autosave_url(draft), fill(fields, law=NEW_LAW))

    response = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW + "\nAnd more."))

    assert response.status_code == 200
    assert (response.json()["version"], response.json()["changed"]) == (3, True)
    unchanged(draft, version=3, law=NEW_LAW + "\nAnd more.")


def test_a_token_sent_again_after_someone_else_saved_is_a_conflict(client_as, editor, draft):
    fields = open_edit_form(editor, draft.reference)
    editor.post(autosave_url(draft), fill(fields, law=NEW_LAW))
    other = client_as("second_editor")
    theirs = "SECOND EDITOR: the Cybercrime Act, section 27."
    other.post(
        f"/submissions/{draft.reference}/edit/",
        fill(open_edit_form(other, draft.reference), law=theirs),
    )

    response = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW + "\nAnd more."))

    assert response.status_code == 409
    assert response.json()["version"] == 3
    unchanged(draft, version=3, law=theirs)


# --- Invalid drafts ---------------------------------------------------------------------------


def test_an_invalid_draft_is_not_saved_and_autosave_says_why(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    response = editor.post(
        autosave_url(draft),
        fill(fields, law=NEW_LAW, title="", rec__0__addressee="", src__0__url="not a url"),
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Title: This field is required.; "
        "Recommendation 1, Addressed to: This field is required.; "
        "Source 1, Address (URL): Enter a valid URL.",
        "errors": {
            "title": ["This field is required."],
            "rec-0-addressee": ["This field is required."],
            "src-0-url": ["Enter a valid URL."],
        },
    }
    unchanged(draft)  # not even the valid new law
    assert draft.title == "Witness protection in practice"


def test_a_draft_the_model_refuses_is_not_saved(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    response = editor.post(autosave_url(draft), fill(fields, law="Hidden \u202e direction"))

    assert response.status_code == 400
    answer = response.json()
    assert list(answer["errors"]) == ["law"]
    assert "U+202E" in answer["message"] and answer["message"].startswith("The law (de jure): ")
    unchanged(draft)


def test_a_busy_database_is_answered_503_and_nothing_is_lost(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    with mock.patch.object(services, "submission_save", side_effect=OperationalError("locked")):
        response = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW))

    assert response.status_code == 503
    assert response.json() == {"message": "The server is busy or out of space. Nothing was lost."}
    unchanged(draft)


# --- Who may autosave -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["visitor", "outsider", "coordinator"])
def test_anyone_who_may_not_know_the_draft_gets_404(client_as, editor, draft, role):
    fields = open_edit_form(editor, draft.reference)

    response = client_as(role).post(autosave_url(draft), fill(fields, law=NEW_LAW))

    assert response.status_code == 404
    html = response.content.decode()
    assert draft.title not in html and "Penal Code" not in html
    unchanged(draft)


def test_an_unknown_reference_is_404_like_a_foreign_draft(editor, draft):
    fields = open_edit_form(editor, draft.reference)

    response = editor.post("/submissions/S-2020-9999/autosave/", fill(fields, law=NEW_LAW))

    assert response.status_code == 404
    unchanged(draft)


def test_a_member_who_may_not_edit_is_refused_like_on_the_edit_page(client_as, editor, draft):
    fields = open_edit_form(editor, draft.reference)
    member = client_as("member")
    assert member.get(f"/submissions/{draft.reference}/edit/").status_code == 403

    response = member.post(autosave_url(draft), fill(fields, law=NEW_LAW))

    assert response.status_code == 403
    assert "can no longer be edited here" in response.json()["message"]
    unchanged(draft)


@pytest.mark.parametrize("status", ["internal_review", "submitted", "published", "withdrawn"])
def test_a_submission_that_is_no_longer_a_draft_is_refused(editor, draft, status):
    """Sent on by a colleague while this editor's page was still open."""
    fields = open_edit_form(editor, draft.reference)
    type(draft).objects.filter(pk=draft.pk).update(status=status)

    response = editor.post(autosave_url(draft), fill(fields, law=NEW_LAW))

    assert response.status_code == 403
    assert response.json() == {
        "message": "This submission can no longer be edited here (it was sent on, or your "
        "role changed). Your text is still in the form: copy it before you reload."
    }
    unchanged(draft)
    assert draft.status == status


@pytest.mark.parametrize("role", ["editor", "visitor"])
def test_autosave_answers_only_post(client_as, draft, role):
    response = client_as(role).get(autosave_url(draft))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    unchanged(draft)


def test_autosave_requires_the_csrf_token(org_editor, draft):
    client = CommittingClient(enforce_csrf_checks=True)
    client.force_login(org_editor)
    fields = open_edit_form(client, draft.reference)
    token = single(fields, "csrfmiddlewaretoken")
    without = {name: values for name, values in fields.items() if name != "csrfmiddlewaretoken"}

    refused = client.post(autosave_url(draft), fill(without, law=NEW_LAW))

    assert refused.status_code == 403
    unchanged(draft)

    # The script sends the form's token in the body and in X-CSRFToken; either is enough.
    accepted = client.post(
        autosave_url(draft), fill(without, law=NEW_LAW), headers={"X-CSRFToken": token}
    )

    assert accepted.status_code == 200
    unchanged(draft, version=2, law=NEW_LAW)


# --- The page -----------------------------------------------------------------------------------


def test_the_edit_page_of_a_draft_loads_autosave_with_translated_words(editor, draft):
    html = editor.get(f"/submissions/{draft.reference}/edit/").content.decode()

    assert '<script src="/static/js/autosave.js" defer></script>' in html
    assert f'data-autosave-url="/submissions/{draft.reference}/autosave/"' in html
    assert 'data-autosave-saved="Saved at {time}"' in html
    assert 'data-autosave-invalid="Not saved: {reason}"' in html
    assert 'data-autosave-status="autosave-status"' in html
    assert '<p id="autosave-status" class="note" role="status" aria-live="polite"></p>' in html
    assert active_content(html) == [], "no inline script, no handler attributes"
    form = read_form(html)
    assert single(form, "base_version") == "1" and TOKEN.fullmatch(single(form, "form_token"))


def test_a_new_submission_has_no_autosave(editor):
    html = editor.get("/submissions/new/?state=NGA").content.decode()

    assert "autosave" not in html
    assert "/static/js/" not in html
