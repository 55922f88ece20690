"""Signed receipts: issued on submission, downloadable, and checked at /verify/, which tells
a tampered receipt, one for an older version and one signed by an unknown key apart."""

import base64
import copy
import io
import json
import uuid

import pytest
from django.core.management import call_command

from palermo.organizations.enums import MemberRole
from palermo.organizations.models import Membership, Organization
from palermo.reference.models import Instrument, State
from palermo.submissions import receipts, services
from palermo.submissions.enums import Transition
from palermo.submissions.models import Receipt, SigningKey, canonical_json

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def team(django_user_model):
    organization = Organization.objects.create(
        slug="receipt-org", name="Receipt Org", name_skeleton="receiptorg", kind="ngo"
    )
    people = {}
    for role in ("editor", "owner"):
        user = django_user_model.objects.create_user(email=f"{role}@receipts.example", password="x")
        people[role] = Membership.objects.create(
            organization=organization, user=user, role=getattr(MemberRole, role.upper())
        )
    return organization, people


def draft(organization, by, title="Receipt test"):
    return services.submission_create(
        organization=organization,
        by=by,
        form_token=uuid.uuid4().hex,
        data={
            "state": State.objects.get(code="NGA"),
            "cluster": None,
            "instruments": [Instrument.objects.get(code="untoc")],
            "articles": [],
            "title": title,
            "summary": "What we saw.",
            "law": "",
            "practice": "",
            "language": "en",
            "tier": "attributed",
            "show_authors": False,
            "embargo_until": None,
        },
        recommendations=[],
        sources=[],
    ).submission


def submit(submission, people):
    services.submission_transition(
        submission=submission,
        action=Transition.REQUEST_REVIEW,
        by=people["editor"].user,
        membership=people["editor"],
    )
    return services.submission_transition(
        submission=submission,
        action=Transition.APPROVE,
        by=people["owner"].user,
        membership=people["owner"],
    )


def verify(client, document) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return client.post("/verify/", {"receipt": text}).content.decode()


def test_submitting_issues_a_receipt_for_the_submitted_version(team):
    organization, people = team
    submission = submit(draft(organization, people["editor"].user), people)
    receipt = Receipt.objects.get(submission=submission)
    version = submission.versions.get(number=submission.version)
    assert receipt.payload["submission"] == submission.reference
    assert receipt.payload["version"] == version.number == 1
    assert receipt.payload["content_sha256"] == version.content_sha256
    assert receipt.payload["format"] == "palermo-hub-receipt/1"
    # The signature is a real Ed25519 signature over the canonical payload.
    key = SigningKey.objects.get(key_id=receipt.key_id)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key)).verify(
        base64.b64decode(receipt.signature), canonical_json(receipt.payload).encode()
    )


def test_the_receipt_downloads_as_json_for_the_organization_only(client, team):
    organization, people = team
    submission = submit(draft(organization, people["editor"].user), people)
    receipt = submission.receipts.get()
    url = f"/submissions/{submission.reference}/receipts/{receipt.pk}.json"
    assert client.get(url).status_code == 404  # a visitor
    client.force_login(people["editor"].user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.json() == receipt.document()


def test_verify_tells_each_case_apart(client, team, settings):
    organization, people = team
    submission = submit(draft(organization, people["editor"].user), people)
    document = submission.receipts.get().document()

    assert "Authentic, and it matches the current stored version." in verify(client, document)

    tampered = copy.deepcopy(document)
    tampered["receipt"]["timestamp"] = "2020-01-01T00:00:00+00:00"
    assert "Not authentic: the receipt was changed after it was signed." in verify(client, tampered)

    unknown = copy.deepcopy(document)
    unknown["key_id"] = "19990101-deadbeef"
    assert "claims a signing key this hub has never used" in verify(client, unknown)

    assert "This is not a Palermo Hub receipt" in verify(client, "{not json")
    assert "This is not a Palermo Hub receipt" in verify(client, {"receipt": "x"})


def test_a_receipt_for_an_older_version_is_recognised_as_such(client, team, coordinator):
    organization, people = team
    submission = submit(draft(organization, people["editor"].user), people)
    old = submission.receipts.get().document()
    # The coordinators return it; an editor changes it, which saves version 2.
    services.submission_transition(
        submission=submission,
        action=Transition.RETURN,
        by=coordinator,
        membership=None,
        note="Add sources",
    )
    services.submission_save(
        submission=submission,
        by=people["editor"].user,
        base_version=1,
        form_token=uuid.uuid4().hex,
        data={"summary": "What we saw, with sources."},
        recommendations=[],
        sources=[{"title": "Court records", "kind": "case"}],
    )
    page = verify(client, old)
    assert "Authentic, and it matches the stored version." in page
    assert "A newer version has been saved since." in page
    assert "The current version is 2." in page


def test_old_receipts_stay_verifiable_after_key_rotation(client, team):
    organization, people = team
    first = submit(draft(organization, people["editor"].user, title="First"), people)
    old_key = first.receipts.get().key_id
    out = io.StringIO()
    call_command("receipt_keys", "--generate", stdout=out)
    call_command("receipt_keys", "--retire", old_key, stdout=out)
    second = submit(draft(organization, people["editor"].user, title="Second"), people)
    assert second.receipts.get().key_id != old_key
    assert "matches the current stored version" in verify(client, first.receipts.get().document())
    assert "matches the current stored version" in verify(client, second.receipts.get().document())
    assert f"retired {old_key}" in out.getvalue()


def test_private_keys_are_files_outside_the_database(team, settings):
    key = receipts.key_generate()
    path = receipts.keys_dir() / f"{key.key_id}.pem"
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "PRIVATE" not in key.public_key


def test_the_receipt_downloads_as_a_pdf_with_the_same_facts(client, team):
    import pypdf

    organization, people = team
    submission = submit(draft(organization, people["editor"].user), people)
    receipt = submission.receipts.get()
    client.force_login(people["owner"].user)
    response = client.get(f"/submissions/{submission.reference}/receipts/{receipt.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    flat = "".join(text.split())
    assert submission.reference in flat
    assert receipt.payload["content_sha256"] in flat
    assert receipt.signature[:40] in flat
