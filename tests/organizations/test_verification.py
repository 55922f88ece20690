"""Coordinators verify or reject organizations, with a reason the organization sees."""

import pytest
from django.core import mail

from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.organizations.models import VerificationDecision
from tests.organizations.helpers import (
    CommittingClient,
    make_organization,
    messages_of,
    signed_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

REASON = "Known partner since 2019; statutes and board checked."


@pytest.fixture
def coordinator(coord):
    """The coordinator's browser (with a second factor, as coordinator pages require)."""
    return signed_in(coord, CommittingClient)


def decide(coordinator, organization, status: str, reason: str):
    mail.outbox.clear()
    return coordinator.post(
        f"/coordination/organizations/{organization.slug}/",
        {"status": status, "reason": reason},
    )


def test_verifying_records_the_decision_tells_the_owners_and_lists_the_organization(
    pending_org, coordinator, coord, org_owner, org_member, visitor
):
    assert visitor.get("/organizations/colectivo-pendiente/").status_code == 404

    response = decide(coordinator, pending_org, "verified", REASON)

    assert response.status_code == 302
    assert response["Location"] == "/coordination/organizations/"
    assert messages_of(response) == [
        "Decision recorded for Colectivo Pendiente; its owners were told."
    ]
    pending_org.refresh_from_db()
    assert pending_org.verification_status == VerificationStatus.VERIFIED
    decision = VerificationDecision.objects.get(organization=pending_org)
    assert (decision.status, decision.reason, decision.decided_by) == ("verified", REASON, coord)
    event = AuditEvent.objects.get(action=AuditAction.ORGANIZATION_VERIFIED)
    assert (event.actor, event.organization, event.target_id) == (
        coord,
        pending_org,
        str(pending_org.pk),
    )
    [message] = mail.outbox
    assert message.to == [org_owner.email]  # owners only
    assert message.subject == "Verification of Colectivo Pendiente on Palermo Hub"
    assert message.body == (
        "Colectivo Pendiente has been verified by the network secretariat.\n\n"
        f"Reason: {REASON}\n\n"
        "http://127.0.0.1:8000/organizations/colectivo-pendiente/\n"
    )

    # Its members see the decision and its reason; the public sees the organization only.
    as_member = signed_in(org_member).get("/organizations/colectivo-pendiente/").content.decode()
    assert "<p>Verified</p>" in as_member
    assert REASON in as_member
    public = visitor.get("/organizations/colectivo-pendiente/")
    assert public.status_code == 200
    assert REASON not in public.content.decode()
    assert "Colectivo Pendiente" in visitor.get("/organizations/").content.decode()
    api = visitor.get("/api/v1/organizations").json()["items"]
    assert "colectivo-pendiente" in [item["slug"] for item in api]


def test_verification_keeps_history(pending_org, coordinator, coord):
    before = pending_org.history.count()

    decide(coordinator, pending_org, "verified", REASON)

    latest = pending_org.history.first()
    assert pending_org.history.count() == before + 1
    assert (latest.verification_status, latest.history_change_reason, latest.history_user) == (
        "verified",
        "verification: verified",
        coord,
    )
    page = coordinator.get("/coordination/organizations/colectivo-pendiente/").content.decode()
    assert f"Verified — {REASON}" in page
    assert "verification: verified" in page


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_rejecting_needs_a_reason(pending_org, coordinator, reason):
    response = decide(coordinator, pending_org, "rejected", reason)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    pending_org.refresh_from_db()
    assert pending_org.verification_status == VerificationStatus.PENDING
    assert not VerificationDecision.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_REJECTED).exists()
    assert mail.outbox == []


def test_an_unknown_decision_is_a_form_error(pending_org, coordinator):
    response = decide(coordinator, pending_org, "pending", REASON)
    assert response.context["form"].errors == {
        "status": ["Select a valid choice. pending is not one of the available choices."]
    }
    pending_org.refresh_from_db()
    assert pending_org.verification_status == VerificationStatus.PENDING


def test_rejecting_with_a_reason_tells_the_members_and_keeps_it_private(
    pending_org, coordinator, org_member, visitor
):
    reason = "We could not reach anyone at the address given."

    decide(coordinator, pending_org, "rejected", reason)

    pending_org.refresh_from_db()
    assert pending_org.verification_status == VerificationStatus.REJECTED
    [message] = mail.outbox
    assert message.body.startswith("The network secretariat could not verify Colectivo Pendiente.")
    assert f"Reason: {reason}" in message.body
    as_member = signed_in(org_member).get("/organizations/colectivo-pendiente/").content.decode()
    assert "<p>Rejected</p>" in as_member and reason in as_member
    assert visitor.get("/organizations/colectivo-pendiente/").status_code == 404
    assert "Colectivo Pendiente" not in visitor.get("/organizations/").content.decode()


def test_a_verified_organization_is_listed_only_if_it_chose_to_be(
    coordinator, org_owner, org_member, visitor
):
    quiet = make_organization(
        "Red Silenciosa",
        slug="red-silenciosa",
        status=VerificationStatus.PENDING,
        listed=False,
        members={org_owner: MemberRole.OWNER, org_member: MemberRole.MEMBER},
    )

    decide(coordinator, quiet, "verified", REASON)

    quiet.refresh_from_db()
    assert quiet.verification_status == VerificationStatus.VERIFIED
    assert "Red Silenciosa" not in visitor.get("/organizations/").content.decode()
    assert visitor.get("/organizations/red-silenciosa/").status_code == 404
    assert visitor.get("/api/v1/organizations/red-silenciosa").status_code == 404
    as_member = signed_in(org_member).get("/organizations/red-silenciosa/").content.decode()
    assert "<p>Verified · not listed publicly</p>" in as_member
    # Listing it is the owner's choice, made on the profile form.
    owner = signed_in(org_owner, CommittingClient)
    owner.post(
        "/organizations/red-silenciosa/edit/",
        {"name": "Red Silenciosa", "kind": "ngo", "ecosoc_status": "none", "is_listed": "on"},
    )
    assert "Red Silenciosa" in visitor.get("/organizations/").content.decode()
    assert visitor.get("/api/v1/organizations/red-silenciosa").status_code == 200


def test_the_queue_lists_each_status(pending_org, observatorio, coordinator):
    pending = coordinator.get("/coordination/organizations/").content.decode()
    verified = coordinator.get("/coordination/organizations/?status=verified").content.decode()
    assert "Colectivo Pendiente" in pending and "Observatorio Norte" not in pending
    assert "Observatorio Norte" in verified and "Colectivo Pendiente" not in verified
    bad = coordinator.get("/coordination/organizations/?status=everything")
    assert bad.status_code == 400
    assert "Unknown status “everything”." in bad.content.decode()


def test_names_reach_e_mail_subjects_as_written(coordinator, org_owner):
    """Subjects are plain text: "&" must not arrive as "&amp;"."""
    ayuda = make_organization(
        'Ayuda & Derechos "Sur"',
        slug="ayuda-derechos",
        status=VerificationStatus.PENDING,
        members={org_owner: MemberRole.OWNER},
    )
    decide(coordinator, ayuda, "verified", REASON)
    [message] = mail.outbox
    assert message.subject == 'Verification of Ayuda & Derechos "Sur" on Palermo Hub'
    assert message.body.startswith('Ayuda & Derechos "Sur" has been verified')
