"""Who may see and do what with a submission, by status, and how its authors are named.

The matrix below is the specification: for a draft, a submitted, a published and an
embargoed published submission, each of the five addresses (page, edit form, versions,
comment post, workflow step post) is tried by every role. A refused request must change
nothing; an allowed post must do what it says.

Roles: a visitor, an outsider (owner of another organization), the lead organization's
member, editor and owner, a coordinator with a second factor and one without.
"""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from palermo.reviews.calendar import review_today
from palermo.submissions.models import Comment, Submission, SubmissionEvent
from tests.submissions.helpers import ORG_MARKER, ORG_SLUG, REGION_TEXT, make_submission, page

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ROLES = (
    "visitor",
    "outsider",
    "member",
    "editor",
    "owner",
    "coordinator",
    "coordinator_without_mfa",
)
ORGANIZATION = ("member", "editor", "owner")

LOGIN = "login"  # a redirect to the sign-in page
DONE = "done"  # a redirect back to the submission, the post having done its work

# Private parts planted on every submission of the matrix.
COMMENT_MARKER = "Private-comment-K9"
EVENT_NOTE_MARKER = "Private-step-note-K9"
AUTHOR_NAME = "Eda Editor"  # the editor who wrote it; shown only to those allowed


def expect(**cells) -> dict:
    return {role: cells[role] for role in ROLES}


# The step tried on each status: one that the status allows, so the answer is about who.
STEP = {
    "draft": ("request_review", ""),
    "submitted": ("publish", ""),
    "published": ("withdraw", "We withdraw it."),
    "embargoed": ("withdraw", "We withdraw it."),
}

MATRIX = {
    "draft": {
        "page": expect(
            visitor=404,
            outsider=404,
            member=200,
            editor=200,
            owner=200,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
        "edit": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=200,
            owner=200,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
        "versions": expect(
            visitor=404,
            outsider=404,
            member=200,
            editor=200,
            owner=200,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
        "comment": expect(
            visitor=LOGIN,
            outsider=404,
            member=DONE,
            editor=DONE,
            owner=DONE,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
        "step": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=DONE,
            owner=DONE,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
    },
    "submitted": {
        "page": expect(
            visitor=404,
            outsider=404,
            member=200,
            editor=200,
            owner=200,
            coordinator=200,
            coordinator_without_mfa=404,
        ),
        "edit": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=403,  # no longer editable
            owner=403,
            coordinator=404,  # coordinators never edit an organization's text
            coordinator_without_mfa=404,
        ),
        "versions": expect(
            visitor=404,
            outsider=404,
            member=200,
            editor=200,
            owner=200,
            coordinator=200,
            coordinator_without_mfa=404,
        ),
        "comment": expect(
            visitor=LOGIN,
            outsider=404,
            member=DONE,
            editor=DONE,
            owner=DONE,
            coordinator=DONE,
            coordinator_without_mfa=404,
        ),
        "step": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=403,
            owner=403,
            coordinator=DONE,
            coordinator_without_mfa=404,
        ),
    },
    "published": {
        "page": expect(
            visitor=200,
            outsider=200,
            member=200,
            editor=200,
            owner=200,
            coordinator=200,
            coordinator_without_mfa=200,
        ),
        "edit": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=403,
            owner=403,
            coordinator=404,
            coordinator_without_mfa=404,
        ),
        "versions": expect(
            visitor=404,
            outsider=404,
            member=200,
            editor=200,
            owner=200,
            coordinator=200,
            coordinator_without_mfa=404,
        ),
        "comment": expect(
            visitor=LOGIN,
            outsider=404,
            member=DONE,
            editor=DONE,
            owner=DONE,
            coordinator=DONE,
            coordinator_without_mfa=404,
        ),
        "step": expect(
            visitor=LOGIN,
            outsider=404,
            member=403,
            editor=DONE,
            owner=DONE,
            coordinator=403,  # only the authors withdraw
            coordinator_without_mfa=404,
        ),
    },
}
# Under embargo, a published submission is private: as if it were still submitted, except
# that its authors may withdraw it and the coordinators may not.
MATRIX["embargoed"] = {**MATRIX["submitted"], "step": MATRIX["published"]["step"]}

CASES = [
    pytest.param(status, address, role, id=f"{status}-{address}-{role}")
    for status, addresses in MATRIX.items()
    for address, roles in addresses.items()
    for role in roles
]


def tomorrow_in_vienna() -> dt.date:
    return review_today() + dt.timedelta(days=1)


@pytest.fixture
def planted(cast, coord, org_editor):
    """submission_of(status) → a submission with a private comment and a workflow note."""

    def make(status: str) -> Submission:
        if status == "embargoed":
            submission = make_submission(
                cast["organization"],
                org_editor,
                status="published",
                embargo_until=tomorrow_in_vienna(),
            )
        else:
            submission = make_submission(cast["organization"], org_editor, status=status)
        Comment.objects.create(submission=submission, author=coord, body=COMMENT_MARKER)
        SubmissionEvent.objects.create(
            submission=submission,
            action="request_review",
            from_status="draft",
            to_status="internal_review",
            version=1,
            by=org_editor,
            note=EVENT_NOTE_MARKER,
        )
        return submission

    return make


def state_of(submission) -> tuple:
    return (
        Submission.objects.values_list("status", "version", "title").get(pk=submission.pk),
        Comment.objects.filter(submission=submission).count(),
        SubmissionEvent.objects.filter(submission=submission).count(),
    )


def request(client, submission, address: str, status: str):
    base = f"/submissions/{submission.reference}/"
    if address == "page":
        return client.get(base)
    if address == "edit":
        return client.get(f"{base}edit/")
    if address == "versions":
        return client.get(f"{base}versions/?a=1&b=1")
    if address == "comment":
        return client.post(f"{base}comments/", {"body": "A new comment, role check."})
    action, note = STEP[status]
    return client.post(f"{base}steps/{action}/", {"note": note})


@pytest.mark.parametrize(("status", "address", "role"), CASES)
def test_authorization_matrix(planted, client_as, status, address, role):
    submission = planted(status)
    before = state_of(submission)
    expected = MATRIX[status][address][role]

    response = request(client_as(role), submission, address, status)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == DONE:
        assert response.status_code == 302
        assert response["Location"] == submission.get_absolute_url()
    else:
        assert response.status_code == expected
    after = state_of(submission)
    if expected == DONE and address == "comment":
        assert after[1] == before[1] + 1
        assert Comment.objects.filter(body="A new comment, role check.").exists()
    elif expected == DONE and address == "step":
        assert after[2] == before[2] + 1
        assert after[0][0] != before[0][0]
    else:
        assert after == before, "a refused or read-only request changed nothing"
    if expected == 200 and address == "page":
        html = response.content.decode()
        private = role in ORGANIZATION or role == "coordinator"
        for marker in (COMMENT_MARKER, EVENT_NOTE_MARKER, AUTHOR_NAME, "Versions and changes"):
            assert (marker in html) is private, (marker, role)


# --- Embargo ---------------------------------------------------------------------------------


PUBLIC_PLACES = ["/submissions/", "/states/NGA/", "/instruments/untoc/articles/5/"]


def test_an_embargoed_submission_is_nowhere_public(submission_in, client_as):
    hidden = submission_in(
        "published", title="Embargoed-Title-K9", embargo_until=tomorrow_in_vienna()
    )
    shown = submission_in("published", title="Public-Title-K9")
    visitor = Client()

    assert visitor.get(hidden.get_absolute_url()).status_code == 404
    assert visitor.get(shown.get_absolute_url()).status_code == 200
    for url in PUBLIC_PLACES:
        status, html = page(visitor, url)
        assert status == 200, url
        assert "Public-Title-K9" in html, url
        assert "Embargoed-Title-K9" not in html and hidden.reference not in html, url
    # Its authors see it, and are told it is under embargo.
    html = client_as("editor").get(hidden.get_absolute_url()).content.decode()
    assert "published, under embargo" in html


def test_the_embargo_ends_on_the_vienna_date(submission_in, cast):
    """At 22:30 UTC on 1 June it is already 2 June in Vienna: an embargo "until 2 June" is
    over there, while 3 June is still ahead."""
    over = submission_in("published", title="Embargo-Over-K9", embargo_until=dt.date(2026, 6, 2))
    ahead = submission_in("published", title="Embargo-Ahead-K9", embargo_until=dt.date(2026, 6, 3))
    visitor = Client()

    with time_machine.travel(dt.datetime(2026, 6, 1, 22, 30, tzinfo=dt.UTC), tick=False):
        assert visitor.get(over.get_absolute_url()).status_code == 200
        assert visitor.get(ahead.get_absolute_url()).status_code == 404
        listing = visitor.get("/submissions/").content.decode()
        state_page = visitor.get("/states/NGA/").content.decode()

    assert "Embargo-Over-K9" in listing and "Embargo-Over-K9" in state_page
    assert "Embargo-Ahead-K9" not in listing and "Embargo-Ahead-K9" not in state_page


# --- Identity tiers ----------------------------------------------------------------------------


def public_pages(submission) -> dict[str, str]:
    visitor = Client()
    pages = {}
    for url in [submission.get_absolute_url(), *PUBLIC_PLACES]:
        status, html = page(visitor, url)
        assert status == 200, url
        assert submission.reference in html, f"{url} lists the submission"
        pages[url] = html
    return pages


@pytest.mark.parametrize("show_authors", [False, True])
def test_a_pseudonymous_submission_never_names_its_organization(submission_in, show_authors):
    submission = submission_in("published", tier="pseudonymous", show_authors=show_authors)

    pages = public_pages(submission)

    for url, html in pages.items():
        assert ORG_MARKER not in html, url
        assert ORG_SLUG not in html, url
        assert AUTHOR_NAME not in html, url
        assert "org-editor@example.org" not in html, url
    assert REGION_TEXT in pages[submission.get_absolute_url()]
    assert REGION_TEXT in pages["/submissions/"]


def test_a_pseudonymous_submission_is_also_anonymous_to_outsiders(submission_in, client_as):
    submission = submission_in("published", tier="pseudonymous")
    for role in ("outsider", "coordinator_without_mfa"):
        html = client_as(role).get(submission.get_absolute_url()).content.decode()
        assert ORG_MARKER not in html and AUTHOR_NAME not in html, role
        assert REGION_TEXT in html


def test_a_pseudonymous_organization_without_headquarters(submission_in, observatorio):
    observatorio.headquarters = None
    observatorio.save(update_fields=["headquarters"])
    submission = submission_in("published", tier="pseudonymous")

    html = Client().get(submission.get_absolute_url()).content.decode()

    assert " A civil-society organization</p>" in html
    assert "working in" not in html
    assert ORG_MARKER not in html


@pytest.mark.parametrize("show_authors", [False, True])
def test_a_coalition_submission_names_only_its_lead(submission_in, show_authors):
    submission = submission_in("published", tier="coalition", show_authors=show_authors)

    pages = public_pages(submission)

    expected = f"A coalition led by {ORG_MARKER}"
    assert expected in pages[submission.get_absolute_url()]
    assert expected in pages["/submissions/"]
    for url, html in pages.items():
        assert AUTHOR_NAME not in html, url


def test_an_attributed_submission_names_the_organization(submission_in):
    submission = submission_in("published", tier="attributed", show_authors=False)

    pages = public_pages(submission)

    assert f" {ORG_MARKER}</p>" in pages[submission.get_absolute_url()]
    assert ORG_MARKER in pages["/submissions/"]
    for url, html in pages.items():
        assert AUTHOR_NAME not in html, url


def test_an_attributed_submission_names_the_author_only_when_asked(submission_in):
    submission = submission_in("published", tier="attributed", show_authors=True)

    pages = public_pages(submission)

    expected = f"{ORG_MARKER} (author: {AUTHOR_NAME})"
    assert expected in pages[submission.get_absolute_url()]
    assert expected in pages["/submissions/"]
    assert "org-editor@example.org" not in pages[submission.get_absolute_url()]


def test_the_organization_is_shown_how_it_will_be_named(submission_in, client_as):
    submission = submission_in("draft", tier="pseudonymous")
    html = client_as("editor").get(submission.get_absolute_url()).content.decode()
    assert f"Shown publicly as: <strong>{REGION_TEXT}</strong>" in html


# --- Comments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["visitor", "outsider", "coordinator_without_mfa"])
def test_comments_never_reach_visitors_or_outsiders(planted, client_as, role):
    submission = planted("published")
    client = client_as(role)

    html = client.get(submission.get_absolute_url()).content.decode()

    assert COMMENT_MARKER not in html
    assert "Comments (private)" not in html
    assert f"/submissions/{submission.reference}/comments/" not in html


def test_a_comment_with_invisible_characters_is_refused(planted, client_as):
    submission = planted("submitted")
    response = client_as("editor").post(
        f"/submissions/{submission.reference}/comments/", {"body": "see\u202eexe.txt"}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(submission=submission).count() == 1


# --- Withdrawn before it was ever sent ------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "internal_review"])
def test_a_draft_withdrawn_unsent_stays_hidden_from_coordinators(
    submission_in, client_as, cast, status
):
    """Coordinators see what was sent to them, never an organization's drafts: withdrawing a
    draft must not put it (with its versions and comments) in front of them."""
    submission = submission_in(status, title="Never-Sent-Draft-K9")
    editor = client_as("editor")
    step = editor.post(
        f"/submissions/{submission.reference}/steps/withdraw/", {"note": "Too dangerous."}
    )
    assert step.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == "withdrawn"
    coordinator = client_as("coordinator")

    assert coordinator.get(submission.get_absolute_url()).status_code == 404
    assert coordinator.get(f"/submissions/{submission.reference}/versions/").status_code == 404
    comment = coordinator.post(f"/submissions/{submission.reference}/comments/", {"body": "Why?"})
    assert comment.status_code == 404
    queue = coordinator.get("/coordination/submissions/?status=withdrawn").content.decode()
    assert submission.reference not in queue
    # …while the organization keeps its record.
    assert editor.get(submission.get_absolute_url()).status_code == 200


def test_a_submission_withdrawn_after_it_was_sent_stays_visible_to_coordinators(
    submission_in, client_as, cast
):
    submission = submission_in("submitted")
    client_as("editor").post(
        f"/submissions/{submission.reference}/steps/withdraw/", {"note": "Sent too early."}
    )
    coordinator = client_as("coordinator")

    html = coordinator.get(submission.get_absolute_url()).content.decode()

    assert "Sent too early." in html
    queue = coordinator.get("/coordination/submissions/?status=withdrawn").content.decode()
    assert submission.reference in queue


def test_a_submission_withdrawn_under_embargo_leaves_no_public_notice(submission_in, client_as):
    """It was published but never public (embargo): withdrawing it must not reveal its
    title through the withdrawal notice, even once the embargo date has passed."""
    import datetime as dt

    import time_machine

    from palermo.organizations.models import Membership
    from palermo.submissions import services
    from palermo.submissions.enums import SubmissionStatus

    ends = review_today() + dt.timedelta(days=10)
    submission = submission_in(SubmissionStatus.PUBLISHED, title="Quiet title", embargo_until=ends)
    editor = submission.created_by
    services.submission_transition(
        submission=submission,
        action="withdraw",
        by=editor,
        membership=Membership.objects.get(user=editor, organization=submission.organization),
        note="Safety",
    )
    assert client_as("visitor").get(submission.get_absolute_url()).status_code == 404
    with time_machine.travel(dt.datetime.combine(ends + dt.timedelta(days=5), dt.time(12))):
        response = client_as("visitor").get(submission.get_absolute_url())
    assert response.status_code == 404
    assert "Quiet title" not in response.content.decode()
