"""Anonymous submissions: no account, a passphrase shown once (stored only as an Argon2
hash, never in a URL), return to follow and answer, and no address kept anywhere."""

import io
import json
import logging
import re
import uuid

import pytest
from django.core import management
from django.core.cache import cache
from django.db import connection

from palermo.reference.models import Instrument, State
from palermo.submissions import anonymous
from palermo.submissions.enums import IdentityTier, SubmissionStatus, Transition
from palermo.submissions.models import AnonymousSender, Comment, Submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
ADDRESS = "203.0.113.77"
MARKER = "Anon-Evidence-Marker-5K"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def form_data(**extra) -> dict:
    data = {
        "state": str(State.objects.get(code="NGA").pk),
        "instruments": [str(Instrument.objects.get(code="tip").pk)],
        "title": "What we saw at the border",
        "summary": f"Evidence {MARKER}.",
        "law": "",
        "practice": "Practice.",
        "language": "en",
        "cluster": "",
        "form_token": uuid.uuid4().hex,
        "rec-TOTAL_FORMS": "2",
        "rec-INITIAL_FORMS": "0",
        "rec-MIN_NUM_FORMS": "0",
        "rec-MAX_NUM_FORMS": "50",
        "src-TOTAL_FORMS": "2",
        "src-INITIAL_FORMS": "0",
        "src-MIN_NUM_FORMS": "0",
        "src-MAX_NUM_FORMS": "100",
    }
    data.update(extra)
    return data


def send(client, **extra):
    return client.post("/submit/", form_data(**extra), REMOTE_ADDR=ADDRESS)


def passphrase_of(response) -> str:
    return re.search(
        r'<p class="passphrase"><code>([a-z ]+)</code>', response.content.decode()
    ).group(1)


def test_anonymous_submission_reaches_the_coordinators_with_a_receipt(client):
    assert client.get("/submit/").status_code == 200
    response = send(client)
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert (submission.organization, submission.created_by) == (None, None)
    assert submission.tier == IdentityTier.ANONYMOUS
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.receipts.count() == 1
    words = passphrase_of(response).split()
    assert len(words) >= 7
    receipt = json.loads(
        re.search(r"<textarea readonly[^>]*>(.*?)</textarea>", response.content.decode(), re.S)
        .group(1)
        .replace("&quot;", '"')
    )
    assert receipt["receipt"]["submission"] == submission.reference


def test_the_passphrase_is_stored_only_as_an_argon2_hash(client):
    passphrase = passphrase_of(send(client))
    sender = AnonymousSender.objects.get()
    assert sender.passphrase_hash.startswith("argon2")
    assert passphrase not in sender.passphrase_hash


def test_a_reposted_anonymous_form_sends_nothing_twice(client):
    data = form_data()
    first = client.post("/submit/", data, REMOTE_ADDR=ADDRESS)
    second = client.post("/submit/", data, REMOTE_ADDR=ADDRESS)
    assert Submission.objects.count() == 1
    assert "already been sent" in second.content.decode()
    assert "passphrase" in first.content.decode()


def test_the_sender_returns_with_the_passphrase_and_answers_questions(client, coordinator):
    passphrase = passphrase_of(send(client))
    submission = Submission.objects.get()
    # The coordinators ask a question on the submission's private thread.
    from palermo.submissions import services

    services.comment_add(submission=submission, by=coordinator, body="Which town was this?")
    visitor = type(client)()
    wrong = visitor.post(
        "/submit/return/", {"reference": submission.reference, "passphrase": "wrong words here"}
    )
    assert wrong.status_code == 400
    assert "do not match" in wrong.content.decode()
    response = visitor.post(
        "/submit/return/",
        {"reference": submission.reference.lower(), "passphrase": passphrase.upper()},
        follow=True,
    )
    page = response.content.decode()
    assert "Which town was this?" in page
    assert submission.get_status_display() in page
    visitor.post("/submit/return/comment/", {"body": "In the northern town, in March."})
    added = Comment.objects.get(by_sender=True)
    assert (added.author, added.body) == (None, "In the northern town, in March.")
    visitor.post("/submit/return/leave/")
    assert "Which town" not in visitor.get("/submit/return/").content.decode()


def test_the_passphrase_never_travels_in_a_url(client):
    page = client.get("/submit/return/").content.decode()
    assert 'method="post"' in page
    assert (
        client.get("/submit/return/", {"reference": "S-2026-0001", "passphrase": "x"}).status_code
        == 200
    )
    assert "do not match" not in client.get("/submit/return/?passphrase=x").content.decode()


def test_too_many_attempts_are_limited_per_hashed_address(client):
    for _ in range(10):
        client.post(
            "/submit/return/",
            {"reference": "S-2026-9999", "passphrase": "a b"},
            REMOTE_ADDR=ADDRESS,
        )
    blocked = client.post(
        "/submit/return/", {"reference": "S-2026-9999", "passphrase": "a b"}, REMOTE_ADDR=ADDRESS
    )
    assert "Too many attempts" in blocked.content.decode()
    # The counters live in the database cache under a keyed hash, never the address.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM palermo_cache")
        rows = cursor.fetchall()
    assert any(":anon:return:" in key for key, _value in rows)
    assert not any(ADDRESS in key or ADDRESS in str(value) for key, value in rows)


def test_no_address_or_user_agent_is_stored_anywhere(client, caplog, coordinator):
    with caplog.at_level(logging.DEBUG):
        client.post(
            "/submit/", form_data(), REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Marker-Agent/9.9"
        )
    submission = Submission.objects.get()
    from palermo.submissions import services

    services.submission_transition(
        submission=submission, action=Transition.PUBLISH, by=coordinator, membership=None
    )
    dump = io.StringIO()
    management.call_command("dumpdata", stdout=dump)
    everything = dump.getvalue() + caplog.text
    assert ADDRESS not in everything
    assert "Marker-Agent" not in everything
    public = client.get(submission.get_absolute_url()).content.decode()
    assert "An anonymous civil-society source" in public


def test_anonymous_limits_submissions_per_address(client):
    for _ in range(5):
        assert send(client).status_code == 200
    assert send(client).status_code == 429
    assert Submission.objects.count() == 5


def test_new_passphrases_differ_and_have_enough_words():
    phrases = {anonymous.new_passphrase() for _ in range(50)}
    assert len(phrases) == 50
    assert all(len(p.split()) >= 7 for p in phrases)
