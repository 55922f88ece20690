"""Shared builders and checks for the organization tests (the cast is in conftest.py)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client, TestCase
from PIL import Image

from palermo.common.text import name_skeleton
from palermo.organizations.enums import OrganizationType, VerificationStatus
from palermo.organizations.models import Membership, Organization

PASSWORD = "correct horse battery staple 42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LOGIN_URL = "/accounts/login/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"
MFA_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"


class CommittingClient(Client):
    """A test client whose requests run their on-commit callbacks before returning.

    Tests run in a transaction that never commits; the services send their e-mails from
    `transaction.on_commit`, so without this `mail.outbox` would stay empty."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def png_bytes(size: tuple[int, int] = (16, 16), color: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def give_logo(organization: Organization) -> Path:
    """Store a logo file the way organization_set_logo does (a generated name in MEDIA_ROOT)."""
    folder = Path(settings.MEDIA_ROOT) / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{organization.slug}-logo.png"
    (folder / name).write_bytes(png_bytes())
    organization.logo = name
    organization.save(update_fields=["logo"])
    return folder / name


def make_organization(
    name: str,
    *,
    slug: str,
    status: str = VerificationStatus.VERIFIED,
    listed: bool = True,
    members: dict | None = None,
    logo: bool = False,
) -> Organization:
    organization = Organization.objects.create(
        slug=slug,
        name=name,
        name_skeleton=name_skeleton(name),
        kind=OrganizationType.NGO,
        verification_status=status,
        is_listed=listed,
        description=f"{name} documents organized crime in its region.",
    )
    for user, role in (members or {}).items():
        Membership.objects.create(organization=organization, user=user, role=role)
    if logo:
        give_logo(organization)
    return organization


def make_user(django_user_model, email: str, *, verified_address: bool = True, **extra):
    """A person who completed sign-up (their address is confirmed, so they can sign in)."""
    user = django_user_model.objects.create_user(email=email, password=PASSWORD, **extra)
    if verified_address:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def signed_in(user, client_class=Client) -> Client:
    client = client_class()
    if user is not None:
        client.force_login(user)
    return client


def current_totp_code(secret: str = TOTP_SECRET) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def messages_of(response) -> list[str]:
    """The messages this request added (not those left over from earlier, unfollowed
    redirects): the storage keeps the new ones in `_queued_messages`."""
    storage = get_messages(response.wsgi_request)
    return [str(m) for m in storage._queued_messages]


def roles_of(organization: Organization) -> dict[str, str]:
    return dict(organization.memberships.values_list("user__email", "role"))


def invitation_states(organization: Organization) -> dict[str, str]:
    states = {}
    for invitation in organization.invitations.all():
        if invitation.accepted_at:
            states[invitation.email] = "accepted"
        elif invitation.revoked_at:
            states[invitation.email] = "revoked"
        else:
            states[invitation.email] = "open"
    return states


def snapshot(organization: Organization) -> dict:
    """Everything the member-management URLs can change, as plain values."""
    return {"roles": roles_of(organization), "invitations": invitation_states(organization)}


# --- HTML checks ------------------------------------------------------------------------


class _ActiveContent(HTMLParser):
    """Collects what a browser would execute: script elements, on* attributes and
    javascript:/data:/vbscript: URLs in href/src/action attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src") or ""
            if src and not src.startswith("/static/"):
                self.found.append(f"<script src={src!r}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href"}:
                cleaned = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                if cleaned.startswith(("javascript:", "vbscript:", "data:text")):
                    self.found.append(f"<{tag} {name}={value!r}>")
        if tag in {"iframe", "object", "embed", "svg", "base"}:
            self.found.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]!r}")


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    return parser.found
