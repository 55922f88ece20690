"""Who may reach what: every organization-scoped page, action and API endpoint, for every role.

The table below is the specification. Each cell is one test case, run against a fresh cast
(see conftest.py), and each case also checks that a refused request changed nothing and that
an allowed action changed exactly what it should.

Roles: a visitor (not signed in), an outsider (signed in, owner of another organization),
the organization's member, editor and owner, and a coordinator (with a second factor); the
coordination pages add a coordinator without a second factor.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import TOTP as TotpAuthenticator
from django.test import Client
from django.urls import URLPattern, reverse

from palermo.organizations import urls as organization_urls
from palermo.organizations.models import ExpertProfile, Organization, VerificationDecision
from tests.organizations.helpers import (
    TOTP_ACTIVATE_URL,
    TOTP_SECRET,
    give_logo,
    messages_of,
    signed_in,
    snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ROLES = ("visitor", "outsider", "member", "editor", "owner", "coordinator")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Redirect targets, resolved per request in `expected_location`.
LOGIN = "login"  # the sign-in page, coming back here afterwards
ADMIN_LOGIN = "admin-login"
MEMBERS = "members"  # the organization's members page
MINE = "mine"  # "My organizations"
TOTP = "totp"  # the page where a coordinator sets up a second factor


def redirect(to: str) -> tuple[int, str]:
    return (302, to)


def every(expected, roles=ROLES) -> dict:
    return dict.fromkeys(roles, expected)


# --- The table --------------------------------------------------------------------------


def org_url(name: str, *extra) -> Callable:
    return lambda cast, org: reverse(f"organizations:{name}", args=[org.slug, *extra])


def target_membership_url(name: str, *, foreign: bool = False) -> Callable:
    """The action on the bystander's membership in this organization, or (foreign) on the
    outsider's membership in Red Sur, addressed through this organization's URL."""

    def build(cast, org):
        if foreign:
            target = cast["organizations"]["other"].memberships.get()
        else:
            target = org.memberships.get(user=cast["bystander"])
        return reverse(f"organizations:{name}", args=[org.slug, target.pk])

    return build


def invitation_url(*, foreign: bool = False) -> Callable:
    def build(cast, org):
        owner_of = cast["organizations"]["other"] if foreign else org
        invitation = cast["invitations"][owner_of.slug]
        return reverse("organizations:invitation_revoke", args=[org.slug, invitation.pk])

    return build


def fixed(path: str) -> Callable:
    return lambda cast, org: path


def api_detail(cast, org):
    return f"/api/v1/organizations/{org.slug}"


# Effects of an allowed action on the organization's snapshot (see helpers.snapshot).
def _bystander_becomes(role: str):
    return lambda state, cast, _: state["roles"].__setitem__(cast["bystander"].email, role)


def _bystander_removed(state, cast, _):
    del state["roles"][cast["bystander"].email]


def _bystander_owner_and_owner_editor(state, cast, _):
    state["roles"][cast["bystander"].email] = "owner"
    state["roles"][cast["users"]["owner"].email] = "editor"


def _invitation_revoked(state, cast, _):
    for email, value in state["invitations"].items():
        if value == "open":
            state["invitations"][email] = "revoked"


def _new_invitation(state, cast, _):
    state["invitations"]["new-person@example.org"] = "open"


def _requester_left(state, cast, role):
    del state["roles"][cast["users"][role].email]


def _check_detail(response, cast, org):
    html = response.content.decode()
    assert f"<h1>{org.name}" in html


def _check_logo(response, cast, org):
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # Shared caches may keep a public organization's logo, never a private one's.
    assert response["Cache-Control"] == (
        "public, max-age=3600" if org.is_public else "private, max-age=3600"
    )
    assert b"".join(response.streaming_content).startswith(PNG_MAGIC)


def _check_members(response, cast, org):
    html = response.content.decode()
    assert "Bea Bystander" in html and "Omar Owner" in html


def _check_api_detail(response, cast, org):
    assert response.json()["slug"] == org.slug
    assert response.json()["name"] == org.name


def _check_api_list(response, cast, org):
    slugs = sorted(item["slug"] for item in response.json()["items"])
    assert slugs == ["observatorio-norte", "red-sur"]  # never the pending or unlisted one


@dataclass(frozen=True)
class Row:
    name: str  # the URL name (organizations:…), or a label for other URLs
    method: str
    path: Callable
    expect: dict
    orgs: tuple[str, ...] = ("verified", "pending")
    variant: str = ""  # distinguishes two rows for the same URL name in test ids
    data: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)  # role → change to the snapshot
    check_ok: Callable | None = None  # extra checks on a 200


MANAGE_EXPECT = {
    "visitor": redirect(LOGIN),
    "outsider": 404,
    "member": 403,
    "editor": 403,
    "owner": redirect(MEMBERS),
    "coordinator": 403,
}
FOREIGN_EXPECT = {**MANAGE_EXPECT, "owner": 404}
COORDINATION_EXPECT = {
    "visitor": redirect(LOGIN),
    "outsider": 404,
    "member": 404,
    "editor": 404,
    "owner": 404,
    "coordinator": 200,
    "coordinator_without_mfa": redirect(TOTP),
}
PRIVATE_DETAIL = {
    "visitor": 404,
    "outsider": 404,
    "member": 200,
    "editor": 200,
    "owner": 200,
    "coordinator": 200,
}
UNLISTED_DETAIL = {**PRIVATE_DETAIL, "member": 404, "editor": 404}

# fmt: off
TABLE = [
    Row("organization_detail", "GET", org_url("organization_detail"), every(200),
        orgs=("verified",), check_ok=_check_detail),
    Row("organization_detail", "GET", org_url("organization_detail"), PRIVATE_DETAIL,
        orgs=("pending",), check_ok=_check_detail),
    Row("organization_detail", "GET", org_url("organization_detail"), UNLISTED_DETAIL,
        orgs=("unlisted",), check_ok=_check_detail),
    Row("organization_logo", "GET", org_url("organization_logo"), every(200),
        orgs=("verified",), check_ok=_check_logo),
    Row("organization_logo", "GET", org_url("organization_logo"), PRIVATE_DETAIL,
        orgs=("pending",), check_ok=_check_logo),
    Row("organization_logo", "GET", org_url("organization_logo"), every(404),
        orgs=("other",)),  # Red Sur has no logo
    Row("organization_edit", "GET", org_url("organization_edit"), {
        "visitor": redirect(LOGIN),
        "outsider": 404,
        "member": 403,
        "editor": 200,
        "owner": 200,
        "coordinator": 403,
    }),
    Row("organization_members", "GET", org_url("organization_members"), {
        "visitor": redirect(LOGIN),
        "outsider": 404,
        "member": 200,
        "editor": 200,
        "owner": 200,
        "coordinator": 200,
    }, check_ok=_check_members),
    Row("member_invite", "POST", org_url("member_invite"), MANAGE_EXPECT,
        data={"email": "new-person@example.org", "role": "editor"},
        effects={"owner": _new_invitation}),
    Row("member_role", "POST", target_membership_url("member_role"), MANAGE_EXPECT,
        data={"role": "editor"}, effects={"owner": _bystander_becomes("editor")}),
    Row("member_remove", "POST", target_membership_url("member_remove"), MANAGE_EXPECT,
        effects={"owner": _bystander_removed}),
    Row("ownership_transfer", "POST", target_membership_url("ownership_transfer"),
        MANAGE_EXPECT, effects={"owner": _bystander_owner_and_owner_editor}),
    Row("invitation_revoke", "POST", invitation_url(), MANAGE_EXPECT,
        effects={"owner": _invitation_revoked}),
    # Another organization's membership or invitation id in this organization's URL.
    Row("member_role", "POST", target_membership_url("member_role", foreign=True),
        FOREIGN_EXPECT, orgs=("verified",), data={"role": "member"}, variant="-foreign"),
    Row("member_remove", "POST", target_membership_url("member_remove", foreign=True),
        FOREIGN_EXPECT, orgs=("verified",), variant="-foreign"),
    Row("ownership_transfer", "POST",
        target_membership_url("ownership_transfer", foreign=True), FOREIGN_EXPECT,
        orgs=("verified",), variant="-foreign"),
    Row("invitation_revoke", "POST", invitation_url(foreign=True), FOREIGN_EXPECT,
        orgs=("verified",), variant="-foreign"),
    Row("organization_leave", "POST", org_url("organization_leave"), {
        "visitor": redirect(LOGIN),
        "outsider": 404,
        "member": redirect(MINE),
        "editor": redirect(MINE),
        "owner": redirect(MEMBERS),  # the last owner may not leave; told so on that page
        "coordinator": 404,
    }, effects={"member": _requester_left, "editor": _requester_left}),
    Row("verification_queue", "GET", fixed("/coordination/organizations/"),
        COORDINATION_EXPECT, orgs=("verified",)),
    Row("organization_decide", "GET", org_url("organization_decide"), COORDINATION_EXPECT,
        check_ok=_check_detail),
    Row("audit log", "GET", fixed("/coordination/audit/"), COORDINATION_EXPECT,
        orgs=("verified",)),
    Row("admin", "GET", fixed("/admin/"), {
        **every(redirect(ADMIN_LOGIN), ("visitor", "outsider", "member", "editor", "owner")),
        "coordinator": 200,
        "coordinator_without_mfa": redirect(TOTP),
    }, orgs=("verified",)),
    Row("api organization", "GET", api_detail, every(200), orgs=("verified", "other"),
        check_ok=_check_api_detail),
    Row("api organization", "GET", api_detail, every(404), orgs=("pending", "unlisted")),
    Row("api organizations", "GET", fixed("/api/v1/organizations"), every(200),
        orgs=("verified",), check_ok=_check_api_list),
]
# fmt: on


def _cases():
    for row in TABLE:
        for org_key in row.orgs:
            for role, expected in row.expect.items():
                yield pytest.param(
                    row, org_key, role, expected, id=f"{row.name}{row.variant}[{org_key}]-{role}"
                )


def expected_location(target: str, path: str, org: Organization) -> str:
    return {
        LOGIN: f"/accounts/login/?{urlencode({'next': path}, safe='/')}",
        ADMIN_LOGIN: "/admin/login/?next=/admin/",
        MEMBERS: f"/organizations/{org.slug}/members/",
        MINE: "/organizations/mine/",
        TOTP: TOTP_ACTIVATE_URL,
    }[target]


def everything(cast) -> dict:
    return {key: snapshot(org) for key, org in cast["organizations"].items()}


@pytest.mark.parametrize(("row", "org_key", "role", "expected"), list(_cases()))
def test_authorization_matrix(cast, client_as, row, org_key, role, expected):
    org = cast["organizations"][org_key]
    path = row.path(cast, org)
    before = everything(cast)

    client = client_as(role)
    response = client.get(path) if row.method == "GET" else client.post(path, row.data)

    if isinstance(expected, tuple):
        status, target = expected
        assert (response.status_code, response.get("Location")) == (
            status,
            expected_location(target, path, org),
        )
    else:
        assert response.status_code == expected
    if response.status_code == 200 and row.check_ok:
        row.check_ok(response, cast, org)
    if response.status_code == 404 and not response.streaming and not path.startswith("/api/"):
        # "Not found" must not tell the visitor that the organization exists.
        assert org.name not in response.content.decode()

    wanted = copy.deepcopy(before)
    if role in row.effects:
        row.effects[role](wanted[org_key], cast, role)
    assert everything(cast) == wanted


def test_matrix_covers_every_organization_scoped_url():
    """A new URL under /organizations/<slug>/ or /coordination/ must join the table."""
    in_table = {row.name for row in TABLE}
    scoped = {
        pattern.name
        for pattern in organization_urls.urlpatterns
        if isinstance(pattern, URLPattern)
        and ("<slug:slug>" in str(pattern.pattern) or "coordination" in str(pattern.pattern))
    }
    assert scoped - in_table == set()


def test_matrix_covers_every_role_in_every_row():
    for row in TABLE:
        assert set(ROLES) <= set(row.expect), row.name


# --- Methods and CSRF -------------------------------------------------------------------

POST_ONLY = [
    ("member_invite", org_url("member_invite")),
    ("member_role", target_membership_url("member_role")),
    ("member_remove", target_membership_url("member_remove")),
    ("ownership_transfer", target_membership_url("ownership_transfer")),
    ("invitation_revoke", invitation_url()),
    ("organization_leave", org_url("organization_leave")),
    ("expert_withdraw", fixed("/experts/me/withdraw/")),
]


@pytest.mark.parametrize(("name", "path"), POST_ONLY, ids=[n for n, _ in POST_ONLY])
def test_state_changing_urls_refuse_get(cast, client_as, name, path):
    org = cast["organizations"]["verified"]
    before = everything(cast)
    response = client_as("owner").get(path(cast, org))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert everything(cast) == before


# fmt: off
CSRF_CASES = [
    *((name, "owner", path, {"email": "x@example.org", "role": "member"})
      for name, path in POST_ONLY),
    ("organization_create", "owner", fixed("/organizations/new/"),
     {"name": "Sin Token", "kind": "ngo", "ecosoc_status": "none"}),
    ("organization_edit", "owner", org_url("organization_edit"),
     {"name": "Renamed Without Token", "kind": "ngo", "ecosoc_status": "none"}),
    ("organization_decide", "coordinator", org_url("organization_decide"),
     {"status": "rejected", "reason": "No token."}),
    ("invitation_accept", "owner", fixed("/invitations/test-token-observatorio-norte/"), {}),
    ("expert_edit", "owner", fixed("/experts/me/"),
     {"is_published": "on", "name": "No Token", "headline": "x", "availability": "available"}),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "role", "path", "data"), CSRF_CASES, ids=[c[0] for c in CSRF_CASES]
)
def test_posts_without_a_csrf_token_are_refused(cast, name, role, path, data):
    org = cast["organizations"]["verified"]
    before = everything(cast)
    counts = (
        Organization.objects.count(),
        VerificationDecision.objects.count(),
        ExpertProfile.objects.count(),
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["users"][role])

    response = browser.post(path(cast, org), data)

    assert response.status_code == 403
    assert "CSRF verification failed" in response.content.decode()
    assert everything(cast) == before
    assert (
        Organization.objects.count(),
        VerificationDecision.objects.count(),
        ExpertProfile.objects.count(),
    ) == counts


def test_the_same_post_with_the_token_goes_through(cast):
    """The CSRF cases above fail for the missing token, not for something else."""
    org = cast["organizations"]["verified"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["users"]["owner"])
    page = browser.get(f"/organizations/{org.slug}/members/")
    token = page.context["csrf_token"]
    response = browser.post(
        f"/organizations/{org.slug}/members/invite/",
        {"email": "with-token@example.org", "role": "member", "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
    assert snapshot(org)["invitations"]["with-token@example.org"] == "open"


# --- A coordinator without a second factor -------------------------------------------------


@pytest.mark.parametrize("url_name", ["organization_detail", "organization_members"])
def test_coordinator_without_mfa_gets_no_coordinator_view_of_organizations(cast, url_name):
    """Without a second factor the coordinator role counts for nothing: a pending
    organization and its members stay as hidden as from any outsider."""
    pending = cast["organizations"]["pending"]
    response = signed_in(cast["users"]["coordinator_without_mfa"]).get(
        reverse(f"organizations:{url_name}", args=[pending.slug])
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert "Colectivo Pendiente" not in html and "Bea Bystander" not in html


def test_a_logo_whose_file_is_gone_answers_404(cast):
    """A stale name (file deleted) is a 404, never an error page."""
    org = cast["organizations"]["verified"]
    path = give_logo(org)
    path.unlink()
    assert Client().get(f"/organizations/{org.slug}/logo/").status_code == 404


def test_an_organization_requiring_a_second_factor_gates_its_member_pages(cast, visitor):
    org = cast["organizations"]["verified"]
    org.require_mfa = True
    org.save(update_fields=["require_mfa"])
    users = cast["users"]
    before = everything(cast)

    members_page = signed_in(users["member"]).get(f"/organizations/{org.slug}/members/")
    edit_page = signed_in(users["editor"]).get(f"/organizations/{org.slug}/edit/")
    owner = signed_in(users["owner"])
    invite = {"email": "gated@example.org", "role": "member"}
    refused = owner.post(f"/organizations/{org.slug}/members/invite/", invite)

    assert (members_page.status_code, members_page["Location"]) == (302, TOTP_ACTIVATE_URL)
    assert messages_of(members_page) == [
        "Observatorio Norte requires a second factor of its members. Set one up to continue."
    ]
    assert (edit_page.status_code, edit_page["Location"]) == (302, TOTP_ACTIVATE_URL)
    assert refused.status_code == 403
    assert everything(cast) == before
    # The public profile is not a member page.
    assert visitor.get(f"/organizations/{org.slug}/").status_code == 200

    TotpAuthenticator.activate(users["owner"], TOTP_SECRET)
    assert owner.get(f"/organizations/{org.slug}/members/").status_code == 200
    assert owner.post(f"/organizations/{org.slug}/members/invite/", invite).status_code == 302
    assert snapshot(org)["invitations"]["gated@example.org"] == "open"
