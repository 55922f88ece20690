"""Who may do what with reports and the feedback ledger. Plain predicates."""

from palermo.accounts.permissions import is_coordinator
from palermo.organizations.enums import MemberRole


def can_publish_report(user) -> bool:
    return is_coordinator(user)


def can_confirm_feedback(user) -> bool:
    return is_coordinator(user)


def can_propose_feedback(user, membership) -> bool:
    """Authors (editors and owners of the submission's lead organization) may propose an
    entry; a coordinator confirms it before it is shown or counted."""
    return (
        user.is_authenticated
        and membership is not None
        and MemberRole(membership.role).rank >= MemberRole.EDITOR.rank
    )
