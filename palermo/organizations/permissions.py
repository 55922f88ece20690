"""Who may do what with organizations and experts. Plain predicates.

`membership` is the viewer's Membership in the organization (or None), looked up once
per request by the views (see queries.membership_for)."""

from palermo.accounts.permissions import is_coordinator
from palermo.organizations.enums import MemberRole, VerificationStatus


def _rank(membership) -> int:
    return membership.role_rank if membership is not None else -1


def can_view_organization(user, organization, membership) -> bool:
    """The public sees listed, verified organizations; members and coordinators see their
    own or every one, whatever its state."""
    return organization.is_public or membership is not None or is_coordinator(user)


def can_view_members(user, organization, membership) -> bool:
    # Member lists are never public: a person's membership can put them at risk.
    return membership is not None or is_coordinator(user)


def can_edit_organization(user, organization, membership) -> bool:
    return _rank(membership) >= MemberRole.EDITOR.rank


def can_manage_members(user, organization, membership) -> bool:
    return _rank(membership) >= MemberRole.OWNER.rank


def can_leave_organization(user, organization, membership) -> bool:
    return membership is not None


def can_verify_organizations(user) -> bool:
    return is_coordinator(user)


def can_create_organization(user) -> bool:
    return bool(user and user.is_authenticated)


def can_search_experts(user, verified_membership_count: int) -> bool:
    """Coordinators and members of verified organizations may search and contact experts."""
    return is_coordinator(user) or verified_membership_count > 0


def is_verified_member(membership) -> bool:
    return (
        membership is not None
        and membership.organization.verification_status == VerificationStatus.VERIFIED
    )
