"""Who may do what with a submission. Plain predicates.

`membership` is the viewer's Membership in the submission's lead organization (or None)."""

from palermo.accounts.permissions import is_coordinator
from palermo.organizations.enums import MemberRole
from palermo.submissions.enums import SubmissionStatus, Transition

# What coordinators see: what was sent to them, never an organization's drafts.
COORDINATOR_VISIBLE = {
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.PUBLISHED,
    SubmissionStatus.RETURNED,
    SubmissionStatus.WITHDRAWN,
}


def _rank(membership) -> int:
    return MemberRole(membership.role).rank if membership is not None else -1


def is_public(submission, *, today) -> bool:
    """Published, and past its embargo (a Vienna date)."""
    return submission.status == SubmissionStatus.PUBLISHED and (
        submission.embargo_until is None or submission.embargo_until <= today
    )


def sent_to_coordinators(submission) -> bool:
    """In a status coordinators see, and actually sent to them: a draft withdrawn before it
    was ever submitted (no submitted_at) stays the organization's own."""
    if submission.status == SubmissionStatus.WITHDRAWN:
        return submission.submitted_at is not None
    return submission.status in COORDINATOR_VISIBLE


def can_view_submission(user, submission, membership, *, today) -> bool:
    if membership is not None:
        return True
    if is_coordinator(user) and sent_to_coordinators(submission):
        return True
    return is_public(submission, today=today)


def can_see_private_parts(user, submission, membership) -> bool:
    """Versions, comments, workflow history and the authors' identity."""
    return membership is not None or (is_coordinator(user) and sent_to_coordinators(submission))


def can_start_submission(membership) -> bool:
    return _rank(membership) >= MemberRole.EDITOR.rank


def can_edit_submission(user, submission, membership) -> bool:
    return submission.is_editable and _rank(membership) >= MemberRole.EDITOR.rank


def can_comment(user, submission, membership) -> bool:
    return can_see_private_parts(user, submission, membership)


def can_transition(user, submission, membership, action) -> bool:
    editor = _rank(membership) >= MemberRole.EDITOR.rank
    if action in (Transition.REQUEST_REVIEW, Transition.BACK_TO_DRAFT, Transition.WITHDRAW):
        return editor
    if action == Transition.APPROVE:
        # Four eyes: the editor who asked for approval cannot approve it themselves.
        last = submission.events.filter(action=Transition.REQUEST_REVIEW).last()
        return editor and (last is None or last.by_id != user.pk)
    if action in (Transition.PUBLISH, Transition.RETURN):
        return is_coordinator(user)
    return False
