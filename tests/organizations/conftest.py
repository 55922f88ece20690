"""The cast of the organization tests.

* a visitor (an anonymous client);
* `outsider`: signed in, owner of ANOTHER organization ("Red Sur", verified and listed);
* `org_member`, `org_editor`, `org_owner`: of "Observatorio Norte" (verified, listed) and of
  "Colectivo Pendiente" (pending), with the same role in both;
* `bystander`: a plain member of both, the target of the member-management actions;
* `coord`: a coordinator with a TOTP authenticator; `coord_without_mfa`: one without.

Every person has a confirmed address and the password helpers.PASSWORD, so the real sign-in
form works for them too.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.utils import timezone

from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.organizations.models import Invitation, hash_token
from palermo.organizations.services import INVITATION_LIFETIME
from palermo.reviews.roles import ensure_coordinators_group
from tests.organizations.helpers import (
    TOTP_SECRET,
    CommittingClient,
    make_organization,
    make_user,
    signed_in,
)

OBSERVATORIO = "Observatorio Norte"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Logos are written under a per-test folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and used TOTP codes live in the cache: start from nothing."""
    cache.clear()
    yield
    cache.clear()


# --- People -----------------------------------------------------------------------------


@pytest.fixture
def outsider(django_user_model, db):
    return make_user(django_user_model, "outsider@example.org", display_name="Olga Outsider")


@pytest.fixture
def org_member(django_user_model, db):
    return make_user(django_user_model, "org-member@example.org", display_name="Mara Member")


@pytest.fixture
def org_editor(django_user_model, db):
    return make_user(django_user_model, "org-editor@example.org", display_name="Eda Editor")


@pytest.fixture
def org_owner(django_user_model, db):
    return make_user(django_user_model, "org-owner@example.org", display_name="Omar Owner")


@pytest.fixture
def bystander(django_user_model, db):
    return make_user(django_user_model, "bystander@example.org", display_name="Bea Bystander")


@pytest.fixture
def coord(django_user_model, db):
    user = make_user(django_user_model, "coord@example.org", is_staff=True)
    user.groups.add(ensure_coordinators_group())
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def coord_without_mfa(django_user_model, db):
    user = make_user(django_user_model, "coord-no-mfa@example.org", is_staff=True)
    user.groups.add(ensure_coordinators_group())
    return user


# --- Organizations ----------------------------------------------------------------------


def _staff(org_member, org_editor, org_owner, bystander) -> dict:
    return {
        org_owner: MemberRole.OWNER,
        org_editor: MemberRole.EDITOR,
        org_member: MemberRole.MEMBER,
        bystander: MemberRole.MEMBER,
    }


@pytest.fixture
def observatorio(org_member, org_editor, org_owner, bystander):
    """Verified and listed, with a logo."""
    return make_organization(
        OBSERVATORIO,
        slug="observatorio-norte",
        members=_staff(org_member, org_editor, org_owner, bystander),
        logo=True,
    )


@pytest.fixture
def pending_org(org_member, org_editor, org_owner, bystander):
    """Waiting for verification (not public), with a logo."""
    return make_organization(
        "Colectivo Pendiente",
        slug="colectivo-pendiente",
        status=VerificationStatus.PENDING,
        listed=True,
        members=_staff(org_member, org_editor, org_owner, bystander),
        logo=True,
    )


@pytest.fixture
def other_org(outsider):
    """The outsider's own organization: verified, listed, no logo."""
    return make_organization(
        "Red Sur", slug="red-sur", members={outsider: MemberRole.OWNER}, logo=False
    )


@pytest.fixture
def unlisted_org(org_owner):
    """Verified but not listed: only its members and coordinators may know of it."""
    return make_organization(
        "Archivo Discreto",
        slug="archivo-discreto",
        listed=False,
        members={org_owner: MemberRole.OWNER},
    )


def _open_invitation(organization, email: str, by) -> Invitation:
    return Invitation.objects.create(
        organization=organization,
        email=email,
        role=MemberRole.MEMBER,
        token_hash=hash_token(f"test-token-{organization.slug}"),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )


@pytest.fixture
def invitations(observatorio, pending_org, other_org, org_owner, outsider):
    """One open invitation in each organization, keyed by slug."""
    return {
        observatorio.slug: _open_invitation(observatorio, "invitee-on@example.org", org_owner),
        pending_org.slug: _open_invitation(pending_org, "invitee-cp@example.org", org_owner),
        other_org.slug: _open_invitation(other_org, "invitee-rs@example.org", outsider),
    }


@pytest.fixture
def cast(
    observatorio,
    pending_org,
    other_org,
    unlisted_org,
    invitations,
    outsider,
    org_member,
    org_editor,
    org_owner,
    bystander,
    coord,
    coord_without_mfa,
):
    """Everyone and everything at once, for the table-driven tests."""
    return {
        "organizations": {
            "verified": observatorio,
            "pending": pending_org,
            "other": other_org,
            "unlisted": unlisted_org,
        },
        "users": {
            "visitor": None,
            "outsider": outsider,
            "member": org_member,
            "editor": org_editor,
            "owner": org_owner,
            "coordinator": coord,
            "coordinator_without_mfa": coord_without_mfa,
        },
        "bystander": bystander,
        "invitations": invitations,
    }


@pytest.fixture
def visitor():
    return CommittingClient()


@pytest.fixture
def client_as(cast):
    """client_as("owner") → a committing client signed in as that role (visitor: anonymous)."""

    def make(role: str, **kwargs):
        return signed_in(cast["users"][role], CommittingClient)

    return make
