"""The cast of the submission tests, mirroring tests/organizations/conftest.py.

* a visitor (an anonymous client);
* `outsider`: signed in, owner of ANOTHER organization ("Red Sur");
* the lead organization `observatorio`, named with a unique marker (ORG_MARKER) so tests can
  prove a pseudonymous submission never names it; its headquarters are in Nigeria (African
  States). Its people: `org_member` (member), `org_editor` and `second_editor` (editors),
  `org_owner` (owner);
* `coord`: a coordinator with a TOTP authenticator; `coord_without_mfa`: one without.

Every request goes through helpers.CommittingClient, so e-mails sent on commit reach
mail.outbox.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache

from palermo.organizations.enums import MemberRole
from palermo.reference.models import State
from palermo.reviews.roles import ensure_coordinators_group
from tests.organizations.helpers import (
    TOTP_SECRET,
    CommittingClient,
    make_organization,
    make_user,
    signed_in,
)
from tests.submissions.helpers import ORG_MARKER, ORG_SLUG, make_submission


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
def second_editor(django_user_model, db):
    return make_user(django_user_model, "second-editor@example.org", display_name="Sol Second")


@pytest.fixture
def org_owner(django_user_model, db):
    return make_user(django_user_model, "org-owner@example.org", display_name="Omar Owner")


@pytest.fixture
def coord(django_user_model, db):
    user = make_user(django_user_model, "coord@example.org", is_staff=True, display_name="Cora")
    user.groups.add(ensure_coordinators_group())
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def coord_without_mfa(django_user_model, db):
    user = make_user(django_user_model, "coord-no-mfa@example.org", is_staff=True)
    user.groups.add(ensure_coordinators_group())
    return user


# --- Organizations ----------------------------------------------------------------------


@pytest.fixture
def observatorio(org_member, org_editor, second_editor, org_owner):
    organization = make_organization(
        ORG_MARKER,
        slug=ORG_SLUG,
        members={
            org_owner: MemberRole.OWNER,
            org_editor: MemberRole.EDITOR,
            second_editor: MemberRole.EDITOR,
            org_member: MemberRole.MEMBER,
        },
    )
    organization.headquarters = State.objects.get(code="NGA")  # African States
    organization.save(update_fields=["headquarters"])
    return organization


@pytest.fixture
def other_org(outsider):
    return make_organization(
        "Red Sur", slug="red-sur", members={outsider: MemberRole.OWNER}, logo=False
    )


@pytest.fixture
def cast(
    observatorio,
    other_org,
    outsider,
    org_member,
    org_editor,
    second_editor,
    org_owner,
    coord,
    coord_without_mfa,
):
    return {
        "organization": observatorio,
        "other": other_org,
        "users": {
            "visitor": None,
            "outsider": outsider,
            "member": org_member,
            "editor": org_editor,
            "second_editor": second_editor,
            "owner": org_owner,
            "coordinator": coord,
            "coordinator_without_mfa": coord_without_mfa,
        },
    }


@pytest.fixture
def visitor():
    return CommittingClient()


@pytest.fixture
def client_as(cast):
    """client_as("editor") → a committing client signed in as that role (visitor: anonymous)."""

    def make(role: str):
        return signed_in(cast["users"][role], CommittingClient)

    return make


@pytest.fixture
def submission_in(observatorio, org_editor):
    """submission_in("published", tier=..., ...) → a submission of the Observatorio, written
    by the editor, put directly into that status (the workflow has its own tests)."""

    def make(status: str, **kwargs):
        return make_submission(observatorio, org_editor, status=status, **kwargs)

    return make
