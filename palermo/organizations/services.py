"""Writes for organizations, memberships, invitations and experts. Each service runs in a
transaction, keeps history (django-simple-history) and records an audit event; e-mails are
enqueued after commit."""

import datetime as dt
import secrets
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record
from palermo.common.images import CleanImage
from palermo.common.tasks import mail_after_commit
from palermo.common.text import name_skeleton, normalise_name
from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.organizations.models import (
    ExpertProfile,
    Invitation,
    Membership,
    Organization,
    VerificationDecision,
    hash_token,
)

INVITATION_LIFETIME = dt.timedelta(days=7)


def _unique_slug(name: str, latin: str) -> str:
    base = slugify(latin or name)[:60] or "organization"
    slug, counter = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _flag_lookalike(organization: Organization, *, actor) -> None:
    """A name whose skeleton matches another organization's is flagged to coordinators,
    never silently accepted: "Palermo Watch" spelt with a Cyrillic "a" is not a new NGO."""
    twin = (
        Organization.objects.filter(name_skeleton=organization.name_skeleton)
        .exclude(pk=organization.pk)
        .order_by("created_at")
        .first()
    )
    if twin is None and organization.name_latin:
        twin = (
            Organization.objects.filter(name_skeleton=name_skeleton(organization.name_latin))
            .exclude(pk=organization.pk)
            .order_by("created_at")
            .first()
        )
    if twin != organization.possible_duplicate_of:
        organization.possible_duplicate_of = twin
        organization.save(update_fields=["possible_duplicate_of"])
        if twin is not None:
            audit_record(
                actor=actor,
                action=AuditAction.ORGANIZATION_FLAGGED,
                target=organization,
                organization=organization,
                details={"lookalike_of": twin.slug},
            )


def _apply_profile(organization: Organization, data: dict) -> list[str]:
    """Set the profile fields from cleaned form/API data; return the names changed."""
    many = {"countries", "regions", "instruments", "articles", "topics"}
    changed = []
    for name, value in data.items():
        if name in many or name == "logo":
            continue
        if name in {"name", "name_latin"}:
            value = normalise_name(value)
        if getattr(organization, name) != value:
            setattr(organization, name, value)
            changed.append(name)
    organization.name_skeleton = name_skeleton(organization.name)
    organization.save()
    for name in many & set(data):
        current = set(getattr(organization, name).values_list("pk", flat=True))
        wanted = {obj.pk for obj in data[name]}
        if current != wanted:
            getattr(organization, name).set(data[name])
            changed.append(name)
    return changed


@transaction.atomic
def organization_create(*, by, data: dict) -> Organization:
    """Create a pending organization with `by` as its owner."""
    organization = Organization(
        slug=_unique_slug(normalise_name(data["name"]), data.get("name_latin", "")),
        created_by=by,
    )
    _apply_profile(organization, data)
    Membership.objects.create(organization=organization, user=by, role=MemberRole.OWNER)
    audit_record(
        actor=by,
        action=AuditAction.ORGANIZATION_CREATED,
        target=organization,
        organization=organization,
    )
    _flag_lookalike(organization, actor=by)
    if data.get("logo"):
        organization_set_logo(organization=organization, clean=data["logo"], by=by)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, by, data: dict) -> list[str]:
    changed = _apply_profile(organization, data)
    if data.get("logo"):
        organization_set_logo(organization=organization, clean=data["logo"], by=by)
        changed.append("logo")
    if changed:
        audit_record(
            actor=by,
            action=AuditAction.ORGANIZATION_UPDATED,
            target=organization,
            organization=organization,
            details={"fields": sorted(changed)},
        )
        if {"name", "name_latin"} & set(changed):
            _flag_lookalike(organization, actor=by)
    return changed


def logo_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "logos"


def organization_set_logo(*, organization: Organization, clean: CleanImage, by) -> None:
    """Keep the re-encoded logo (palermo/common/images.py: hidden metadata removed) under a
    generated name; the uploaded original is never stored."""
    name = f"{uuid.uuid4().hex}.{'png' if clean.format == 'PNG' else 'jpg'}"
    folder = logo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(clean.content)
    old = organization.logo
    organization.logo = name
    organization.save(update_fields=["logo"])
    if old:
        transaction.on_commit(lambda: (folder / old).unlink(missing_ok=True))


@transaction.atomic
def organization_decide(*, organization: Organization, by, status: str, reason: str) -> None:
    """A coordinator verifies or rejects an organization, with a reason the organization
    sees. Owners are told by e-mail."""
    if status not in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED):
        raise ValidationError(_("Choose to verify or to reject."))
    if not reason.strip():
        raise ValidationError(_("Give a reason: the organization will see it."))
    VerificationDecision.objects.create(
        organization=organization, status=status, reason=reason.strip(), decided_by=by
    )
    organization.verification_status = status
    organization._change_reason = f"verification: {status}"
    organization.save(update_fields=["verification_status"])
    audit_record(
        actor=by,
        action=(
            AuditAction.ORGANIZATION_VERIFIED
            if status == VerificationStatus.VERIFIED
            else AuditAction.ORGANIZATION_REJECTED
        ),
        target=organization,
        organization=organization,
    )
    owners = [
        m.user.email
        for m in organization.memberships.select_related("user").filter(role=MemberRole.OWNER)
    ]
    mail_after_commit(
        to=owners,
        template="organizations/email/decision",
        context={
            "organization": organization,
            "status": status,
            "reason": reason,
            "site_url": settings.SITE_URL,
        },
    )


@transaction.atomic
def invitation_create(*, organization: Organization, by, email: str, role: str) -> str:
    """Invite someone by e-mail; returns the single-use token (sent, never stored)."""
    email = email.strip().lower()
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(_("This person is already a member."))
    if role not in MemberRole.values:
        raise ValidationError(_("Unknown role."))
    if any(i.is_open for i in organization.invitations.filter(email__iexact=email)):
        raise ValidationError(
            _("An invitation to this address is already open. Withdraw it first to send a new one.")
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    audit_record(
        actor=by,
        action=AuditAction.INVITATION_SENT,
        target=invitation,
        organization=organization,
        details={"role": role},
    )
    mail_after_commit(
        to=[email],
        template="organizations/email/invitation",
        context={
            "organization": organization,
            "role": MemberRole(role).label,
            "url": f"{settings.SITE_URL}/invitations/{token}/",
            "expires_at": invitation.expires_at,
        },
    )
    return token


class InvitationError(Exception):
    """Why an invitation cannot be used; the message is shown to the person, the code
    (invalid, used, revoked, expired, wrong_person, member) tells the view which status."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def invitation_find(token: str, *, lock: bool = False) -> Invitation:
    found = Invitation.objects.select_related("organization")
    if lock:  # two clicks on the same link must not make two memberships
        found = found.select_for_update()
    invitation = found.filter(token_hash=hash_token(token)).first()
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid. Ask for a new one."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used."), "used")
    if invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was withdrawn by the organization."), "revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask for a new one."), "expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, by) -> Membership:
    """Join the organization. The invitation must be open and addressed to `by`'s e-mail
    address: a forwarded link does not let someone else in."""
    invitation = invitation_find(token, lock=True)
    if invitation.email.lower() != by.email.lower():
        raise InvitationError(
            _(
                "This invitation was sent to another e-mail address. Sign in with that "
                "address, or ask for an invitation to yours."
            ),
            "wrong_person",
        )
    if invitation.organization.memberships.filter(user=by).exists():
        raise InvitationError(_("You are already a member of this organization."), "member")
    membership = Membership.objects.create(
        organization=invitation.organization, user=by, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = by
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=by,
        action=AuditAction.MEMBER_JOINED,
        target=membership,
        organization=invitation.organization,
        details={"role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=by,
        action=AuditAction.INVITATION_REVOKED,
        target=invitation,
        organization=invitation.organization,
    )


def _owners_left(organization: Organization, *, without: Membership) -> int:
    return (
        organization.memberships.select_for_update()
        .filter(role=MemberRole.OWNER)
        .exclude(pk=without.pk)
        .count()
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by) -> None:
    if role not in MemberRole.values:
        raise ValidationError(_("Unknown role."))
    if (
        membership.role == MemberRole.OWNER
        and role != MemberRole.OWNER
        and not _owners_left(membership.organization, without=membership)
    ):
        raise ValidationError(
            _("An organization always keeps at least one owner. Make someone else owner first.")
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=by,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        target=membership,
        organization=membership.organization,
        details={"from": old, "to": role},
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    if membership.role == MemberRole.OWNER and not _owners_left(
        membership.organization, without=membership
    ):
        raise ValidationError(
            _("An organization always keeps at least one owner. Transfer ownership first.")
        )
    leaving = membership.user_id == by.pk
    organization = membership.organization
    audit_record(
        actor=by,
        action=AuditAction.MEMBER_LEFT if leaving else AuditAction.MEMBER_REMOVED,
        target=membership,
        organization=organization,
    )
    membership.delete()


@transaction.atomic
def ownership_transfer(*, organization: Organization, to: Membership, by: Membership) -> None:
    """The owner `by` makes `to` owner and becomes an editor."""
    if by.role != MemberRole.OWNER:
        raise PermissionDenied
    if to.organization_id != organization.pk or to.pk == by.pk:
        raise ValidationError(_("Choose another member of this organization."))
    to.role = MemberRole.OWNER
    to.save(update_fields=["role"])
    by.role = MemberRole.EDITOR
    by.save(update_fields=["role"])
    audit_record(
        actor=by.user,
        action=AuditAction.OWNERSHIP_TRANSFERRED,
        target=to,
        organization=organization,
    )


@transaction.atomic
def expert_profile_save(*, user, data: dict) -> ExpertProfile:
    profile = ExpertProfile.objects.filter(user=user).first() or ExpertProfile(user=user)
    was_published = profile.pk is not None and profile.is_published
    many = {"instruments", "articles", "topics", "regions"}
    for name, value in data.items():
        if name not in many:
            setattr(profile, name, normalise_name(value) if name == "name" else value)
    profile.save()
    for name in many & set(data):
        getattr(profile, name).set(data[name])
    if profile.is_published != was_published:
        audit_record(
            actor=user,
            action=AuditAction.EXPERT_PUBLISHED
            if profile.is_published
            else AuditAction.EXPERT_WITHDRAWN,
            target=profile,
        )
    return profile


@transaction.atomic
def expert_withdraw(*, profile: ExpertProfile, by) -> None:
    profile.is_published = False
    profile.save(update_fields=["is_published", "updated_at"])
    audit_record(actor=by, action=AuditAction.EXPERT_WITHDRAWN, target=profile)


def expert_contact(*, expert: ExpertProfile, by, subject: str, message: str) -> None:
    """Relay a message to an expert by e-mail. The sender's address goes in the message
    so the expert can choose to answer; the expert's address is never shown to anyone.
    The message itself is not stored (the audit log notes only that contact happened)."""
    if expert.user_id == by.pk:
        raise ValidationError(_("You cannot contact yourself."))
    with transaction.atomic():
        audit_record(actor=by, action=AuditAction.EXPERT_CONTACTED, target=expert)
        mail_after_commit(
            to=[expert.user.email],
            template="organizations/email/expert_contact",
            context={
                "expert": expert,
                "sender": by,
                "subject": subject,
                "message": message,
                "site_url": settings.SITE_URL,
            },
        )
