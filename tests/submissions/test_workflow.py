"""The workflow through its step URLs: draft → internal review → submitted → published,
returned or withdrawn. Four eyes inside the organization, coordinators (with a second
factor) for publishing and returning, a note where one is owed, and e-mails on every step."""

import pytest
from django.core import mail
from django.test import Client

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.submissions.models import Submission, SubmissionEvent
from tests.organizations.helpers import messages_of
from tests.submissions.helpers import fill, open_edit_form

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOT_POSSIBLE = "This step is not possible while the submission is “{}”."
SAY_WHY = "Say why: the reason is shown to the people concerned."


def step(client, submission, action: str, note: str | None = None):
    data = {} if note is None else {"note": note}
    return client.post(f"/submissions/{submission.reference}/steps/{action}/", data)


def status_of(submission) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=submission.pk)


@pytest.fixture
def draft(submission_in, cast):
    return submission_in("draft")


@pytest.fixture
def in_review(draft, client_as):
    """Sent for approval by the editor (org_editor) through the step URL."""
    assert step(client_as("editor"), draft, "request_review").status_code == 302
    mail.outbox.clear()
    return draft


@pytest.fixture
def submitted(submission_in, cast):
    return submission_in("submitted")


@pytest.fixture
def published(submission_in, cast):
    return submission_in("published")


# --- Inside the organization ----------------------------------------------------------------


def test_an_editor_asks_for_approval(draft, client_as, org_editor):
    response = step(client_as("editor"), draft, "request_review")

    assert response.status_code == 302
    assert response["Location"] == f"/submissions/{draft.reference}/"
    assert status_of(draft) == "internal_review"
    event = SubmissionEvent.objects.get(submission=draft)
    assert (event.action, event.from_status, event.to_status) == (
        "request_review",
        "draft",
        "internal_review",
    )
    assert (event.by, event.version) == (org_editor, 1)
    # The other editors and the owner are asked to look.
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["org-owner@example.org", "second-editor@example.org"]
    assert draft.reference in mail.outbox[0].subject


def test_the_editor_who_asked_cannot_approve(in_review, client_as):
    editor = client_as("editor")

    page = editor.get(in_review.get_absolute_url()).content.decode()
    response = step(editor, in_review, "approve")

    assert "/steps/approve/" not in page, "the button is not offered"
    assert response.status_code == 403
    assert status_of(in_review) == "internal_review"
    assert not SubmissionEvent.objects.filter(action="approve").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("approver", ["second_editor", "owner"])
def test_another_editor_or_the_owner_approves(in_review, client_as, cast, approver):
    response = step(client_as(approver), in_review, "approve")

    assert response.status_code == 302
    assert "Done: Approve and submit to the coordinators." in messages_of(response)
    in_review.refresh_from_db()
    assert in_review.status == "submitted"
    assert in_review.submitted_at is not None
    assert list(
        SubmissionEvent.objects.filter(submission=in_review).values_list(
            "action", "from_status", "to_status"
        )
    ) == [
        ("request_review", "draft", "internal_review"),
        ("approve", "internal_review", "submitted"),
    ]
    assert SubmissionEvent.objects.get(action="approve").by == cast["users"][approver]
    audit = AuditEvent.objects.filter(action=AuditAction.SUBMISSION_TRANSITION).first()
    assert audit.actor == cast["users"][approver]
    assert (audit.target_type, audit.target_id) == ("submission", str(in_review.pk))
    assert audit.organization == in_review.organization
    assert audit.details == {"action": "approve", "to": "submitted"}
    # The other editors and owners hear of it; the approver and plain members do not.
    everyone = {"org-editor@example.org", "second-editor@example.org", "org-owner@example.org"}
    approver_email = cast["users"][approver].email
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == everyone - {approver_email}
    assert in_review.reference in message.subject
    assert in_review.reference in message.body
    assert "Submitted to the coordinators" in message.body


def test_the_owner_who_asked_cannot_approve_either(draft, client_as):
    owner = client_as("owner")
    assert step(owner, draft, "request_review").status_code == 302
    assert step(owner, draft, "approve").status_code == 403
    assert status_of(draft) == "internal_review"
    assert step(client_as("editor"), draft, "approve").status_code == 302
    assert status_of(draft) == "submitted"


def test_back_to_draft(in_review, client_as):
    response = step(client_as("editor"), in_review, "back_to_draft")
    assert response.status_code == 302
    assert status_of(in_review) == "draft"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "request_review"),
        ("returned", "request_review"),
        ("internal_review", "back_to_draft"),
        ("internal_review", "approve"),
        ("draft", "withdraw"),
        ("published", "withdraw"),
    ],
)
def test_a_plain_member_takes_no_editor_step(submission_in, client_as, cast, status, action):
    submission = submission_in(status)

    response = step(client_as("member"), submission, action, note="I want to")

    assert response.status_code == 403
    assert status_of(submission) == status
    assert not SubmissionEvent.objects.exists()
    assert mail.outbox == []


def test_a_plain_member_is_offered_no_step(draft, client_as):
    html = client_as("member").get(draft.get_absolute_url()).content.decode()
    assert "/steps/" not in html
    assert "/edit/" not in html


# --- Coordinators ---------------------------------------------------------------------------


def test_a_coordinator_with_a_second_factor_publishes(submitted, client_as, coord):
    response = step(client_as("coordinator"), submitted, "publish")

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "published"
    assert submitted.published_at is not None
    event = SubmissionEvent.objects.get()
    assert (event.action, event.by) == ("publish", coord)
    assert AuditEvent.objects.filter(
        action=AuditAction.SUBMISSION_TRANSITION, actor=coord, target_id=str(submitted.pk)
    ).exists()
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {
        "org-editor@example.org",
        "second-editor@example.org",
        "org-owner@example.org",
    }
    assert visitor_status(submitted) == 200


def visitor_status(submission) -> int:
    return Client().get(submission.get_absolute_url()).status_code


@pytest.mark.parametrize("role", ["editor", "owner", "member"])
def test_the_organization_cannot_publish_or_return_itself(submitted, client_as, role):
    client = client_as(role)
    assert step(client, submitted, "publish").status_code == 403
    assert step(client, submitted, "return", note="Please fix").status_code == 403
    assert status_of(submitted) == "submitted"


def test_a_coordinator_without_a_second_factor_cannot_publish(submitted, client_as):
    # Without a second factor they are nobody special: the submission is not even visible.
    response = step(client_as("coordinator_without_mfa"), submitted, "publish")
    assert response.status_code == 404
    assert status_of(submitted) == "submitted"


@pytest.mark.parametrize("note", [None, "", "   \n  "])
def test_returning_needs_a_note(submitted, client_as, note):
    response = step(client_as("coordinator"), submitted, "return", note=note)

    assert response.status_code == 302
    assert SAY_WHY in messages_of(response)
    assert status_of(submitted) == "submitted"
    assert not SubmissionEvent.objects.exists()
    assert mail.outbox == []


def test_a_returned_submission_is_editable_again(submitted, client_as):
    note = "Please add the 2023 court statistics."

    response = step(client_as("coordinator"), submitted, "return", note=note)

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    assert SubmissionEvent.objects.get().note == note
    assert note in mail.outbox[0].body

    editor = client_as("editor")
    page = editor.get(submitted.get_absolute_url()).content.decode()
    assert f"/submissions/{submitted.reference}/edit/" in page
    assert note in page, "the organization reads the coordinators' note"
    fields = open_edit_form(editor, submitted.reference)
    saved = editor.post(
        f"/submissions/{submitted.reference}/edit/", fill(fields, practice="With statistics.")
    )
    assert saved.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.version, submitted.practice) == (2, "With statistics.")
    assert step(editor, submitted, "request_review").status_code == 302
    assert status_of(submitted) == "internal_review"


@pytest.mark.parametrize("status", ["submitted", "published", "internal_review"])
def test_a_submission_that_is_not_returned_or_draft_cannot_be_edited(
    submission_in, client_as, cast, status
):
    submission = submission_in(status)
    editor = client_as("editor")
    assert editor.get(f"/submissions/{submission.reference}/edit/").status_code == 403


# --- Withdrawal -----------------------------------------------------------------------------


@pytest.mark.parametrize("note", [None, "", "  "])
def test_withdrawing_needs_a_reason(published, client_as, note):
    response = step(client_as("editor"), published, "withdraw", note=note)

    assert response.status_code == 302
    assert SAY_WHY in messages_of(response)
    assert status_of(published) == "published"


def test_withdrawing_a_published_submission(published, client_as):
    reason = "Our staff received threats after publication."

    response = step(client_as("editor"), published, "withdraw", note=reason)

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == "withdrawn"
    assert published.withdrawal_reason == reason
    # Gone from the public list…
    assert published.reference not in Client().get("/submissions/").content.decode()
    # …while the organization and the coordinators still see the record and the reason.
    for role in ("editor", "coordinator"):
        html = client_as(role).get(published.get_absolute_url()).content.decode()
        assert "Withdrawn by its authors." in html and reason in html


def test_a_previously_published_submission_leaves_a_public_withdrawal_notice(published, client_as):
    reason = "Our staff received threats after publication."
    step(client_as("editor"), published, "withdraw", note=reason)

    response = Client().get(published.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Withdrawn by its authors." in html
    assert reason in html


def test_a_withdrawn_draft_that_was_never_published_stays_hidden(draft, client_as):
    step(client_as("editor"), draft, "withdraw", note="Not the right moment.")

    assert status_of(draft) == "withdrawn"
    assert Client().get(draft.get_absolute_url()).status_code == 404
    assert client_as("outsider").get(draft.get_absolute_url()).status_code == 404


# --- Steps that do not fit, and wrong requests --------------------------------------------------


@pytest.mark.parametrize(
    ("status", "role", "action", "label"),
    [
        ("draft", "editor", "approve", "Draft"),
        ("draft", "editor", "back_to_draft", "Draft"),
        ("submitted", "editor", "request_review", "Submitted to the coordinators"),
        ("submitted", "editor", "approve", "Submitted to the coordinators"),
        ("published", "coordinator", "publish", "Published"),
        ("published", "coordinator", "return", "Published"),
        ("returned", "coordinator", "publish", "Returned with comments"),
        ("withdrawn", "editor", "withdraw", "Withdrawn"),
        ("withdrawn", "editor", "request_review", "Withdrawn"),
    ],
)
def test_a_step_not_possible_from_the_status_says_so_and_changes_nothing(
    submission_in, client_as, cast, status, role, action, label
):
    submission = submission_in(status)
    before = Submission.objects.filter(pk=submission.pk).values().get()

    response = step(client_as(role), submission, action, note="A note")

    assert response.status_code == 302
    assert NOT_POSSIBLE.format(label) in messages_of(response)
    assert Submission.objects.filter(pk=submission.pk).values().get() == before
    assert not SubmissionEvent.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SUBMISSION_TRANSITION).exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "action", ["request_review", "back_to_draft", "approve", "publish", "return", "withdraw"]
)
def test_get_on_a_step_url_is_refused(draft, client_as, action):
    response = client_as("editor").get(f"/submissions/{draft.reference}/steps/{action}/")
    assert response.status_code == 405
    assert status_of(draft) == "draft"


def test_a_visitor_posting_a_step_is_sent_to_sign_in(published):
    response = Client().post(f"/submissions/{published.reference}/steps/withdraw/", {"note": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert status_of(published) == "published"


@pytest.mark.parametrize(
    ("action", "status"),
    # A NUL byte is refused at the door (400) before any view runs.
    [("explode", 404), ("delete", 404), ("PUBLISH", 404), ("publish%00", 400)],
)
def test_an_unknown_step_is_not_found(draft, client_as, action, status):
    response = client_as("editor").post(f"/submissions/{draft.reference}/steps/{action}/")
    assert response.status_code == status
    assert status_of(draft) == "draft"
