"""Invitations (e-mailed, single use, addressed to one person) and the owner rules."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.organizations.models import Invitation, Membership, hash_token
from tests.organizations.helpers import (
    CommittingClient,
    make_organization,
    make_user,
    messages_of,
    roles_of,
    signed_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

INVITEE = "invitee@example.org"
LINK = re.compile(r"https?://[^\s/]+/invitations/([A-Za-z0-9_-]+)/")

NOT_VALID = "This invitation link is not valid. Ask for a new one."
USED = "This invitation has already been used."
WITHDRAWN = "This invitation was withdrawn by the organization."
EXPIRED = "This invitation has expired. Ask for a new one."
WRONG_PERSON = (
    "This invitation was sent to another e-mail address. Sign in with that address, or ask "
    "for an invitation to yours."
)
KEEP_AN_OWNER_ROLE = (
    "An organization always keeps at least one owner. Make someone else owner first."
)
KEEP_AN_OWNER_REMOVE = "An organization always keeps at least one owner. Transfer ownership first."


@pytest.fixture
def invitee(django_user_model, db):
    return make_user(django_user_model, INVITEE, display_name="Ines Invitee")


@pytest.fixture
def owner_client(org_owner):
    return signed_in(org_owner, CommittingClient)


def invite(owner_client, organization, email=INVITEE, role="editor") -> str:
    """The owner sends an invitation through the members page; returns the e-mailed token."""
    mail.outbox.clear()
    response = owner_client.post(
        f"/organizations/{organization.slug}/members/invite/", {"email": email, "role": role}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{organization.slug}/members/"
    assert messages_of(response) == [f"Invitation sent to {email}. It is valid for seven days."]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email]
    assert message.subject == f"Invitation to join {organization.name} on Palermo Hub"
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def page(token: str) -> str:
    return f"/invitations/{token}/"


# --- The happy path ---------------------------------------------------------------------


def test_owner_invites_and_the_invitee_joins_with_the_invited_role(
    observatorio, owner_client, invitee
):
    token = invite(owner_client, observatorio, role="editor")
    invitation = Invitation.objects.get(email=INVITEE)
    assert (invitation.organization, invitation.role, invitation.accepted_at) == (
        observatorio,
        "editor",
        None,
    )
    browser = signed_in(invitee, CommittingClient)

    shown = browser.get(page(token))

    assert shown.status_code == 200
    html = shown.content.decode()
    assert "You are invited to join Observatorio Norte as Editor." in html
    assert '<button type="submit">Join</button>' in html
    assert INVITEE not in roles_of(observatorio)  # looking does not join

    joined = browser.post(page(token))

    assert joined.status_code == 302
    assert joined["Location"] == "/organizations/observatorio-norte/members/"
    assert messages_of(joined) == ["Welcome to Observatorio Norte."]
    assert roles_of(observatorio)[INVITEE] == "editor"
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    assert invitation.accepted_at is not None
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_JOINED)
    assert (event.actor, event.organization, event.target_type, event.details) == (
        invitee,
        observatorio,
        "membership",
        {"role": "editor"},
    )
    # The new editor can now do what editors do.
    assert browser.get("/organizations/observatorio-norte/edit/").status_code == 200


def test_the_token_is_never_stored_in_clear(observatorio, owner_client):
    token = invite(owner_client, observatorio)
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.token_hash == hash_token(token)
    assert invitation.token_hash != token
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in stored.values())
    for event in AuditEvent.objects.all():
        assert token not in f"{event.target_label} {event.target_id} {event.details}"
    # The owner's list of open invitations shows the address, not the link.
    members_page = owner_client.get("/organizations/observatorio-norte/members/")
    assert INVITEE in members_page.content.decode()
    assert token not in members_page.content.decode()


def test_a_visitor_sees_sign_in_instead_of_a_join_button(observatorio, owner_client, visitor):
    token = invite(owner_client, observatorio)

    response = visitor.get(page(token))

    html = response.content.decode()
    assert response.status_code == 200
    assert "You are invited to join Observatorio Norte as Editor." in html
    assert (
        f'<a class="button" href="/accounts/login/?next=/invitations/{token}/">Sign in</a>' in html
    )
    assert ">Join</button>" not in html
    # A POST without an account joins nobody.
    visitor.post(page(token))
    assert Invitation.objects.get(email=INVITEE).accepted_at is None


# --- Refusals ---------------------------------------------------------------------------


def refused(response, status: int, message: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert f'<p class="error" role="alert">{message}</p>' in html
    assert ">Join</button>" not in html


def test_an_expired_invitation_is_refused(observatorio, owner_client, invitee):
    token = invite(owner_client, observatorio)
    Invitation.objects.filter(email=INVITEE).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    browser = signed_in(invitee, CommittingClient)

    refused(browser.get(page(token)), 410, EXPIRED)
    refused(browser.post(page(token)), 410, EXPIRED)

    assert INVITEE not in roles_of(observatorio)
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED).exists()


def test_an_invitation_works_only_once(observatorio, owner_client, invitee):
    token = invite(owner_client, observatorio, role="member")
    browser = signed_in(invitee, CommittingClient)
    assert browser.post(page(token)).status_code == 302

    refused(browser.post(page(token)), 410, USED)
    refused(browser.get(page(token)), 410, USED)

    assert Membership.objects.filter(organization=observatorio, user=invitee).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED).count() == 1


def test_a_withdrawn_invitation_is_refused(observatorio, owner_client, invitee):
    token = invite(owner_client, observatorio)
    invitation = Invitation.objects.get(email=INVITEE)
    response = owner_client.post(
        f"/organizations/observatorio-norte/invitations/{invitation.pk}/revoke/"
    )
    assert messages_of(response) == ["Invitation withdrawn."]
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.INVITATION_REVOKED, organization=observatorio
        ).count()
        == 1
    )
    browser = signed_in(invitee, CommittingClient)

    refused(browser.get(page(token)), 410, WITHDRAWN)
    refused(browser.post(page(token)), 410, WITHDRAWN)

    assert INVITEE not in roles_of(observatorio)


def test_a_made_up_token_is_not_found(observatorio, invitee):
    browser = signed_in(invitee, CommittingClient)
    refused(browser.get(page("made-up-token-0123456789abcdef")), 404, NOT_VALID)
    refused(browser.post(page("made-up-token-0123456789abcdef")), 404, NOT_VALID)
    assert INVITEE not in roles_of(observatorio)


def test_a_forwarded_link_does_not_let_someone_else_in(observatorio, owner_client, outsider):
    token = invite(owner_client, observatorio)
    browser = signed_in(outsider, CommittingClient)

    refused(browser.post(page(token)), 400, WRONG_PERSON)

    assert outsider.email not in roles_of(observatorio)
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.is_open  # still usable by the person it was sent to


def test_inviting_a_member_again_is_refused_with_a_message(observatorio, owner_client, org_member):
    response = owner_client.post(
        "/organizations/observatorio-norte/members/invite/",
        {"email": org_member.email.upper(), "role": "owner"},
    )
    assert messages_of(response) == ["This person is already a member."]
    assert not Invitation.objects.filter(organization=observatorio).exists()
    assert roles_of(observatorio)[org_member.email] == "member"


def test_an_invalid_invitation_form_tells_what_is_wrong(observatorio, owner_client):
    response = owner_client.post(
        "/organizations/observatorio-norte/members/invite/",
        {"email": "not-an-address", "role": "overlord"},
    )
    assert response.status_code == 302
    [message] = messages_of(response)
    assert message.startswith("The invitation was not sent: ")
    assert "Enter a valid email address." in message
    assert "Select a valid choice. overlord is not one of the available choices." in message
    assert not Invitation.objects.filter(organization=observatorio).exists()


# --- Owners -----------------------------------------------------------------------------


def test_the_last_owner_cannot_be_demoted(observatorio, owner_client, org_owner):
    mine = observatorio.memberships.get(user=org_owner)
    response = owner_client.post(
        f"/organizations/observatorio-norte/members/{mine.pk}/role/", {"role": "editor"}
    )
    assert messages_of(response) == [KEEP_AN_OWNER_ROLE]
    assert roles_of(observatorio)[org_owner.email] == "owner"
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_ROLE_CHANGED).exists()


def test_the_last_owner_cannot_be_removed_or_leave(observatorio, owner_client, org_owner):
    mine = observatorio.memberships.get(user=org_owner)
    removed = owner_client.post(f"/organizations/observatorio-norte/members/{mine.pk}/remove/")
    left = owner_client.post("/organizations/observatorio-norte/leave/")

    assert messages_of(removed) == [KEEP_AN_OWNER_REMOVE]
    assert left["Location"] == "/organizations/observatorio-norte/members/"
    assert messages_of(left) == [KEEP_AN_OWNER_REMOVE]
    assert roles_of(observatorio)[org_owner.email] == "owner"
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.MEMBER_REMOVED, AuditAction.MEMBER_LEFT]
    ).exists()


def test_an_owner_can_step_down_once_there_is_another_owner(
    observatorio, owner_client, org_owner, org_editor
):
    observatorio.memberships.filter(user=org_editor).update(role="owner")
    mine = observatorio.memberships.get(user=org_owner)
    response = owner_client.post(
        f"/organizations/observatorio-norte/members/{mine.pk}/role/", {"role": "member"}
    )
    assert messages_of(response) == ["Role changed."]
    assert roles_of(observatorio)[org_owner.email] == "member"
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_ROLE_CHANGED)
    assert event.details == {"from": "owner", "to": "member"}


def test_ownership_transfer_makes_the_target_owner_and_the_previous_owner_editor(
    observatorio, owner_client, org_owner, org_member
):
    before = roles_of(observatorio)
    target = observatorio.memberships.get(user=org_member)

    response = owner_client.post(
        f"/organizations/observatorio-norte/members/{target.pk}/make-owner/"
    )

    assert messages_of(response) == ["Ownership transferred. You are now an editor."]
    assert roles_of(observatorio) == {
        **before,
        org_member.email: "owner",
        org_owner.email: "editor",
    }
    event = AuditEvent.objects.get(action=AuditAction.OWNERSHIP_TRANSFERRED)
    assert (event.actor, event.target_id) == (org_owner, str(target.pk))
    # The former owner is an editor now: no more member management.
    again = owner_client.post(
        "/organizations/observatorio-norte/members/invite/",
        {"email": "late@example.org", "role": "member"},
    )
    assert again.status_code == 403


def test_an_owner_cannot_transfer_ownership_to_themselves(observatorio, owner_client, org_owner):
    mine = observatorio.memberships.get(user=org_owner)
    response = owner_client.post(f"/organizations/observatorio-norte/members/{mine.pk}/make-owner/")
    assert messages_of(response) == ["Choose another member of this organization."]
    assert roles_of(observatorio)[org_owner.email] == "owner"


def test_a_member_can_leave(observatorio, pending_org, org_member):
    browser = signed_in(org_member, CommittingClient)

    response = browser.post("/organizations/colectivo-pendiente/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/organizations/mine/"
    assert messages_of(response) == ["You left Colectivo Pendiente."]
    assert org_member.email not in roles_of(pending_org)
    assert org_member.email in roles_of(observatorio)  # only the one they left
    event = AuditEvent.objects.get(action=AuditAction.MEMBER_LEFT)
    assert (event.actor, event.organization) == (org_member, pending_org)
    # A pending organization one has left is invisible again.
    assert browser.get("/organizations/colectivo-pendiente/").status_code == 404


def test_the_invitation_subject_shows_the_name_as_written(org_owner, owner_client):
    """Subjects are plain text: "&" must not arrive as "&amp;"."""
    ayuda = make_organization(
        'Ayuda & Derechos "Sur"', slug="ayuda-derechos", members={org_owner: "owner"}
    )
    invite(owner_client, ayuda)  # asserts the subject
    assert mail.outbox[0].body.startswith(
        'You are invited to join Ayuda & Derechos "Sur" on Palermo Hub as Editor.'
    )


def test_an_invitation_to_someone_who_already_joined_is_refused(
    observatorio, owner_client, invitee
):
    token = invite(owner_client, observatorio, role="owner")
    Membership.objects.create(organization=observatorio, user=invitee, role="member")
    browser = signed_in(invitee, CommittingClient)

    refused(browser.post(page(token)), 400, "You are already a member of this organization.")

    assert roles_of(observatorio)[INVITEE] == "member"  # not promoted by the old link
