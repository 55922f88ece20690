"""Evidence files on a submission: the original kept privately with its hash, a sanitised
copy for everyone else, served as a download only, and covered by the receipt."""

import hashlib
import io

import pytest
from django.conf import settings
from PIL import Image

from palermo.submissions import services
from palermo.submissions.enums import Transition
from tests.submissions.test_receipts import draft, team  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x010F] = "MarkerCam"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_an_editor_attaches_evidence_and_is_told_what_was_removed(client, team):  # noqa: F811
    organization, people = team
    submission = draft(organization, people["editor"].user)
    data = jpeg_with_gps()
    client.force_login(people["editor"].user)
    response = client.post(
        f"/submissions/{submission.reference}/attachments/", {"file": io.BytesIO(data)}, follow=True
    )
    page = response.content.decode()
    assert "Hidden information it carried was removed" in page
    assert "GPS" in page
    attachment = submission.attachments.get()
    original = (settings.ATTACHMENTS_ROOT / attachment.original_path).read_bytes()
    assert original == data
    assert attachment.original_sha256 == hashlib.sha256(data).hexdigest()
    submission.refresh_from_db()
    assert submission.version == 2  # attaching is a change: a new version
    download = client.get(f"/submissions/{submission.reference}/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert attachment.safe_filename in download["Content-Disposition"]
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    clean = b"".join(download.streaming_content)
    assert b"MarkerCam" not in clean
    assert not Image.open(io.BytesIO(clean)).getexif()


def test_the_receipt_covers_each_attachment_hash(client, team):  # noqa: F811
    organization, people = team
    submission = draft(organization, people["editor"].user)
    services.attachment_add(submission=submission, by=people["editor"].user, data=jpeg_with_gps())
    services.submission_transition(
        submission=submission,
        action=Transition.REQUEST_REVIEW,
        by=people["editor"].user,
        membership=people["editor"],
    )
    services.submission_transition(
        submission=submission,
        action=Transition.APPROVE,
        by=people["owner"].user,
        membership=people["owner"],
    )
    receipt = submission.receipts.get()
    assert receipt.payload["attachments"] == [
        {
            "file": submission.attachments.get().safe_filename,
            "sha256": submission.attachments.get().original_sha256,
            "kind": "jpeg",
        }
    ]


def test_a_refused_file_is_explained_and_nothing_is_kept(client, team):  # noqa: F811
    organization, people = team
    submission = draft(organization, people["editor"].user)
    client.force_login(people["editor"].user)
    response = client.post(
        f"/submissions/{submission.reference}/attachments/",
        {"file": io.BytesIO(b"<html><script>alert(1)</script></html>")},
        follow=True,
    )
    assert "The file was not attached" in response.content.decode()
    assert submission.attachments.count() == 0


def test_strangers_can_neither_upload_nor_download_a_drafts_files(
    client,
    team,  # noqa: F811
    django_user_model,
):
    organization, people = team
    submission = draft(organization, people["editor"].user)
    attachment = services.attachment_add(
        submission=submission, by=people["editor"].user, data=jpeg_with_gps()
    )
    stranger = django_user_model.objects.create_user(email="s@files.example", password="x")
    client.force_login(stranger)
    url = f"/submissions/{submission.reference}/attachments/"
    assert client.post(url, {"file": io.BytesIO(jpeg_with_gps())}).status_code == 404
    assert client.get(f"{url}{attachment.pk}/").status_code == 404
