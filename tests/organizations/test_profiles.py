"""Hostile input in the organization profile form: refused with a form error, or stored and
shown as inert text everywhere it appears (pages, e-mails' pages, API)."""

import io
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.organizations.models import Organization
from tests.organizations.conftest import OBSERVATORIO
from tests.organizations.helpers import (
    CommittingClient,
    active_content,
    make_user,
    messages_of,
    signed_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CREATE_URL = "/organizations/new/"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
MARKDOWN = f"[x](javascript:alert(1))\n\n{SCRIPT}\n\n{IMG}\n\n[y](JaVaScRiPt:alert(1))"
HOSTILE = {
    "name": f"Xss {SCRIPT}",
    "name_latin": f"Xss {IMG}",
    "website": f'https://example.org/">{SCRIPT}',  # no spaces, so a valid URL
    "description": MARKDOWN,
}


def form_data(**values) -> dict:
    return {
        "name": "Fundación Prueba",
        "name_latin": "",
        "kind": "ngo",
        "ecosoc_status": "none",
        "website": "",
        "description": "",
        "is_listed": "on",
        **values,
    }


@pytest.fixture
def founder(django_user_model, db):
    return make_user(django_user_model, "founder@example.org", display_name="Fede Founder")


@pytest.fixture
def founder_client(founder):
    return signed_in(founder, CommittingClient)


def assert_inert(response, what: str) -> str:
    assert response.status_code == 200, what
    html = response.content.decode()
    assert active_content(html) == [], what
    for raw in ("<script>alert", "<img src=x", 'href="javascript:', "href='javascript:"):
        assert raw not in html, (what, raw)
    return html


# --- Stored XSS ---------------------------------------------------------------------------


def test_script_in_every_text_field_is_stored_as_text_and_shown_inert_everywhere(
    founder_client, coord, visitor
):
    created = founder_client.post(CREATE_URL, form_data(**HOSTILE))

    assert created.status_code == 302
    organization = Organization.objects.get(created_by__email="founder@example.org")
    assert created["Location"] == f"/organizations/{organization.slug}/"
    stored = {name: getattr(organization, name) for name in HOSTILE}
    assert stored == HOSTILE  # kept exactly as typed, never "cleaned" into something else
    slug = organization.slug
    assert slug == "xss-img-srcx-onerroralert1"  # from the Latin-script name
    coordinator = signed_in(coord, CommittingClient)

    before_verification = {
        "detail (owner)": founder_client.get(f"/organizations/{slug}/"),
        "members (owner)": founder_client.get(f"/organizations/{slug}/members/"),
        "edit form (owner)": founder_client.get(f"/organizations/{slug}/edit/"),
        "my organizations": founder_client.get("/organizations/mine/"),
        "verification queue": coordinator.get("/coordination/organizations/"),
        "decision page": coordinator.get(f"/coordination/organizations/{slug}/"),
    }
    decided = coordinator.post(
        f"/coordination/organizations/{slug}/",
        {"status": "verified", "reason": f"Checked {SCRIPT}"},
    )
    assert decided.status_code == 302
    after_verification = {
        "registry": visitor.get("/organizations/"),
        "registry search": visitor.get("/organizations/", {"q": "<script>"}),
        "detail (visitor)": visitor.get(f"/organizations/{slug}/"),
        "detail with decision (owner)": founder_client.get(f"/organizations/{slug}/"),
        "audit log": coordinator.get("/coordination/audit/"),
    }

    escaped_name = "Xss &lt;script&gt;alert(1)&lt;/script&gt;"
    for what, response in {**before_verification, **after_verification}.items():
        html = assert_inert(response, what)
        assert escaped_name in html, what
    detail = after_verification["detail (visitor)"].content.decode()
    assert "Xss &quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in detail
    assert '<a href="https://example.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in detail
    # The Markdown links with a javascript: target are not links at all.
    assert "<p>[x](javascript:alert(1))</p>" in detail
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in detail
    owner_view = after_verification["detail with decision (owner)"].content.decode()
    assert "Checked &lt;script&gt;alert(1)&lt;/script&gt;" in owner_view

    api = visitor.get(f"/api/v1/organizations/{slug}")
    assert api.status_code == 200
    assert api["Content-Type"] == "application/json; charset=utf-8"
    assert {name: api.json()[name] for name in HOSTILE} == HOSTILE  # plain data, as stored
    listed = visitor.get("/api/v1/organizations", {"q": "Xss"}).json()["items"]
    assert [item["name"] for item in listed] == [HOSTILE["name"]]


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.org/",
        "mailto:someone@example.org",
    ],
)
def test_a_website_that_is_not_http_is_refused(founder_client, website):
    response = founder_client.post(CREATE_URL, form_data(website=website))

    assert response.status_code == 200
    assert response.context["form"].errors == {"website": ["Enter a valid URL."]}
    assert not Organization.objects.filter(name="Fundación Prueba").exists()


def test_a_website_without_a_scheme_becomes_https(founder_client):
    founder_client.post(CREATE_URL, form_data(website="example.org/about"))
    assert Organization.objects.get(name="Fundación Prueba").website == "https://example.org/about"


# --- Size, NUL, bidi, line breaks --------------------------------------------------------

BIDI_MESSAGE = (
    "Remove the invisible text-direction character U+202E at position 5: it can make text "
    "display differently from what it says."
)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "N" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        ("name_latin", "L" * 201, "Ensure this value has at most 200 characters (it has 201)."),
        (
            "description",
            "d" * 5001,
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
        ("name", "Obse\x00rvatorio", "Null characters are not allowed."),
        ("description", "Line one\x00", "Null characters are not allowed."),
        ("name", "Fund\u202eacion", BIDI_MESSAGE),
        ("name_latin", "Fund\u202eacion", BIDI_MESSAGE),
        (
            "description",
            "Safe \u202etext",
            "Remove the invisible text-direction character U+202E at position 6: it can make "
            "text display differently from what it says.",
        ),
        (
            "name",
            "Fundación\u2028Prueba",
            "This must be a single line: remove the line break at position 10.",
        ),
        (
            "name",
            "Fund\x1bacion",
            "Remove the invisible control character U+001B at position 5.",
        ),
        ("name", "   ", "This field is required."),
        (
            "website",
            "https://example.org/" + "a" * 300,
            "Ensure this value has at most 300 characters (it has 320).",
        ),
    ],
    ids=[
        "name-201",
        "latin-201",
        "description-5001",
        "name-nul",
        "description-nul",
        "name-bidi",
        "latin-bidi",
        "description-bidi",
        "name-line-separator",
        "name-escape",
        "name-blank",
        "website-320",
    ],
)
def test_bad_text_gives_a_form_error_and_creates_nothing(founder_client, field, value, message):
    count = Organization.objects.count()

    response = founder_client.post(CREATE_URL, form_data(**{field: value}))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Organization.objects.count() == count
    assert not AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CREATED).exists()


def test_the_longest_allowed_values_are_accepted(founder_client):
    response = founder_client.post(
        CREATE_URL, form_data(name="N" * 200, name_latin="L" * 200, description="d" * 5000)
    )
    assert response.status_code == 302
    organization = Organization.objects.get(created_by__email="founder@example.org")
    assert (len(organization.name), len(organization.description)) == (200, 5000)


# --- Logos --------------------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming huge dimensions with almost no data behind it (as in
    tests/common/test_images.py)."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (38.0, 7.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 21.0, 36.0),
    }
    image = Image.new("RGB", (64, 48), "white")
    image.paste((200, 30, 30), (0, 0, 32, 48))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


NOT_AN_IMAGE = (
    "This file is not a PNG, JPEG, WebP or GIF image. SVG, PDF and other files are not accepted."
)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "bomb.png",
            png_claiming(100_000, 100_000),
            "The image has too many pixels: the limit is 16 megapixels.",
        ),
        (
            "logo.pdf",
            b"%PDF-1.7\n1 0 obj << /OpenAction << /JS (app.alert(1)) >> >>\n%%EOF",
            NOT_AN_IMAGE,
        ),
        ("logo.png", b"%PDF-1.7\n%%EOF", NOT_AN_IMAGE),  # the name plays no part
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            None,  # refused; the SVG message is checked in tests/common/test_images.py
        ),
    ],
    ids=["png-bomb", "pdf", "pdf-named-png", "svg"],
)
def test_a_hostile_logo_is_refused_quickly_with_a_form_error(
    founder_client, media_root, filename, content, message
):
    upload = SimpleUploadedFile(filename, content, content_type="image/png")
    start = time.perf_counter()

    response = founder_client.post(CREATE_URL, {**form_data(), "logo_file": upload})

    assert time.perf_counter() - start < 2
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["logo_file"]
    if message:
        assert errors["logo_file"] == [message]
    assert not Organization.objects.filter(name="Fundación Prueba").exists()
    logos = Path(media_root) / "logos"
    assert not logos.exists() or list(logos.iterdir()) == []  # nothing written


def test_a_logo_with_gps_is_stored_without_metadata_and_the_owner_is_told(
    founder_client, media_root
):
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_gps(), content_type="image/jpeg")

    response = founder_client.post(CREATE_URL, {**form_data(), "logo_file": upload})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Your logo carried hidden information, which we removed: "
        "EXIF, GPS position, camera make and model.",
        "Your organization was created. The network secretariat will verify it; you will "
        "hear from us by e-mail.",
    ]
    organization = Organization.objects.get(name="Fundación Prueba")
    stored = Path(media_root) / "logos" / organization.logo
    assert [p.name for p in (Path(media_root) / "logos").iterdir()] == [organization.logo]
    assert organization.logo.endswith(".jpg") and organization.logo != "photo.jpg"
    data = stored.read_bytes()
    for needle in (b"Exif", b"GPS", b"Canon", b"EOS 5D"):
        assert needle not in data, needle
    with Image.open(stored) as image:
        assert len(image.getexif()) == 0
        assert image.size == (64, 48)
    served = founder_client.get(f"/organizations/{organization.slug}/logo/")
    assert b"".join(served.streaming_content) == data


def test_replacing_a_logo_removes_the_old_file(founder_client, media_root):
    founder_client.post(
        CREATE_URL,
        {**form_data(), "logo_file": SimpleUploadedFile("a.jpg", jpeg_with_gps())},
    )
    organization = Organization.objects.get(name="Fundación Prueba")
    first = organization.logo

    response = founder_client.post(
        f"/organizations/{organization.slug}/edit/",
        {**form_data(), "logo_file": SimpleUploadedFile("b.jpg", jpeg_with_gps())},
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo != first
    assert [p.name for p in (Path(media_root) / "logos").iterdir()] == [organization.logo]


# --- Look-alike names ---------------------------------------------------------------------

CYRILLIC_O = "\u043e"
FULL_WIDTH_OBSERVATORIO = "".join(chr(ord(c) + 0xFEE0) for c in "OBSERVATORIO") + " Norte"


def test_a_look_alike_name_is_flagged_to_coordinators(observatorio, founder_client, coord):
    lookalike = OBSERVATORIO.replace("o", CYRILLIC_O, 1)  # the "o" of "Observat-o-rio"
    assert lookalike != OBSERVATORIO

    response = founder_client.post(CREATE_URL, form_data(name=lookalike))

    assert response.status_code == 302
    twin = Organization.objects.get(name=lookalike)
    assert twin.possible_duplicate_of == observatorio
    event = AuditEvent.objects.get(action=AuditAction.ORGANIZATION_FLAGGED)
    assert (event.organization, event.actor.email, event.details) == (
        twin,
        "founder@example.org",
        {"lookalike_of": "observatorio-norte"},
    )
    coordinator = signed_in(coord)
    queue = coordinator.get("/coordination/organizations/").content.decode()
    assert f"looks like “{OBSERVATORIO}”" in queue
    decision_page = coordinator.get(f"/coordination/organizations/{twin.slug}/").content.decode()
    assert (
        f"The name looks like that of “{OBSERVATORIO}”, registered earlier. Check that this is "
        "not an impersonation."
    ) in decision_page


@pytest.mark.parametrize(
    "name",
    ["OBSERVATORIO NORTE", "Observatorio  Nörte", "0bservatorio Norte", FULL_WIDTH_OBSERVATORIO],
)
def test_other_look_alike_spellings_are_flagged_too(observatorio, founder_client, name):
    founder_client.post(CREATE_URL, form_data(name=name))
    created = Organization.objects.get(created_by__email="founder@example.org")
    assert created.possible_duplicate_of == observatorio


def test_a_different_name_is_not_flagged(observatorio, founder_client):
    founder_client.post(CREATE_URL, form_data(name="Observatorio Sur"))
    organization = Organization.objects.get(name="Observatorio Sur")
    assert organization.possible_duplicate_of is None
    assert not AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_FLAGGED).exists()


def test_renaming_an_organization_into_a_look_alike_is_flagged(observatorio, other_org, outsider):
    browser = signed_in(outsider, CommittingClient)
    response = browser.post(
        f"/organizations/{other_org.slug}/edit/",
        form_data(name=OBSERVATORIO.replace("o", CYRILLIC_O, 1)),
    )
    assert response.status_code == 302
    other_org.refresh_from_db()
    assert other_org.possible_duplicate_of == observatorio
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.ORGANIZATION_FLAGGED, organization=other_org
        ).count()
        == 1
    )


# --- Fields the form does not offer --------------------------------------------------------


def test_creating_ignores_fields_the_form_does_not_offer(founder_client, founder, observatorio):
    response = founder_client.post(
        CREATE_URL,
        form_data(
            verification_status="verified",
            is_demo="on",
            slug="observatorio-norte",
            logo="../../../etc/passwd",
            created_by=str(observatorio.created_by_id or 1),
            possible_duplicate_of=str(observatorio.pk),
            name_skeleton="x",
        ),
    )

    assert response.status_code == 302
    created = Organization.objects.get(name="Fundación Prueba")
    assert (
        created.verification_status,
        created.is_demo,
        created.slug,
        created.logo,
        created.created_by,
        created.possible_duplicate_of,
    ) == ("pending", False, "fundacion-prueba", "", founder, None)


def test_an_editor_cannot_verify_their_own_organization_through_the_form(pending_org, org_editor):
    editor = signed_in(org_editor, CommittingClient)

    response = editor.post(
        f"/organizations/{pending_org.slug}/edit/",
        form_data(name="Colectivo Pendiente", verification_status="verified", slug="taken"),
    )

    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert (pending_org.verification_status, pending_org.slug) == (
        "pending",
        "colectivo-pendiente",
    )
