"""Co-signing: the lead organization invites others; their editors accept or decline before
the deadline; a co-signer can withdraw later, and the withdrawal stays on record."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record
from palermo.organizations.enums import MemberRole, VerificationStatus
from palermo.organizations.models import Membership, Organization
from palermo.reviews.calendar import review_today
from palermo.submissions.enums import IdentityTier, SubmissionStatus
from palermo.submissions.models import CoSigner, CoSignerStatus, Submission


def _is_editor(membership) -> bool:
    return membership is not None and MemberRole(membership.role).rank >= MemberRole.EDITOR.rank


def cosigner_membership(user, submission) -> Membership | None:
    """The viewer's membership in an organization invited to (or co-signing) the submission."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__cosignatures__submission=submission)
        .exclude(organization__cosignatures__status=CoSignerStatus.DECLINED)
        .first()
    )


@transaction.atomic
def cosigner_invite(
    *, submission: Submission, organization: Organization, by, membership
) -> CoSigner:
    if (
        submission.organization_id is None
        or membership is None
        or (membership.organization_id != submission.organization_id or not _is_editor(membership))
    ):
        raise PermissionDenied
    if submission.status == SubmissionStatus.WITHDRAWN:
        raise ValidationError(_("A withdrawn submission cannot gather co-signers."))
    if organization.pk == submission.organization_id:
        raise ValidationError(_("The lead organization signs already."))
    if organization.verification_status != VerificationStatus.VERIFIED:
        raise ValidationError(_("Only verified organizations can be invited to co-sign."))
    cosigner, created = CoSigner.objects.get_or_create(
        submission=submission, organization=organization, defaults={"invited_by": by}
    )
    if not created:
        raise ValidationError(_("%(name)s was already invited.") % {"name": organization.name})
    audit_record(
        actor=by,
        action=AuditAction.COSIGNER_INVITED,
        target=submission,
        organization=submission.organization,
        details={"invited": organization.slug},
    )
    return cosigner


@transaction.atomic
def cosigner_respond(*, cosigner: CoSigner, accept: bool, by, membership) -> CoSigner:
    if (
        membership is None
        or membership.organization_id != cosigner.organization_id
        or (not _is_editor(membership))
    ):
        raise PermissionDenied
    if cosigner.status != CoSignerStatus.INVITED:
        raise ValidationError(_("This invitation was already answered."))
    deadline = cosigner.submission.signon_deadline
    if accept and deadline is not None and review_today() > deadline:
        raise ValidationError(_("The co-signing deadline has passed."))
    cosigner.status = CoSignerStatus.ACCEPTED if accept else CoSignerStatus.DECLINED
    cosigner.responded_by, cosigner.responded_at = by, timezone.now()
    cosigner.save()
    audit_record(
        actor=by,
        action=AuditAction.COSIGNER_ANSWERED,
        target=cosigner.submission,
        organization=cosigner.organization,
        details={"status": cosigner.status},
    )
    return cosigner


@transaction.atomic
def cosigner_withdraw(*, cosigner: CoSigner, by, membership, note: str) -> CoSigner:
    if (
        membership is None
        or membership.organization_id != cosigner.organization_id
        or (not _is_editor(membership))
    ):
        raise PermissionDenied
    if cosigner.status != CoSignerStatus.ACCEPTED:
        raise ValidationError(_("Only a co-signature can be withdrawn."))
    if not note.strip():
        raise ValidationError(_("Say why: the withdrawal is shown with its reason."))
    cosigner.status = CoSignerStatus.WITHDRAWN
    cosigner.note = note.strip()
    cosigner.responded_by, cosigner.responded_at = by, timezone.now()
    cosigner.save()
    audit_record(
        actor=by,
        action=AuditAction.COSIGNER_WITHDREW,
        target=cosigner.submission,
        organization=cosigner.organization,
    )
    return cosigner


def public_cosigners(submission) -> dict:
    """What the public sees of the co-signers, by the submission's identity tier: names only
    for attributed submissions; a count otherwise (a coalition-shielded or pseudonymous
    submission must not reveal who stands behind it)."""
    signers = [
        c
        for c in submission.cosigners.all()
        if c.status in (CoSignerStatus.ACCEPTED, CoSignerStatus.WITHDRAWN)
    ]
    accepted = [c for c in signers if c.status == CoSignerStatus.ACCEPTED]
    if submission.tier == IdentityTier.ATTRIBUTED:
        return {"named": True, "signers": signers, "count": len(accepted)}
    return {"named": False, "signers": [], "count": len(accepted)}


def who_else_works_on_this(submission, *, limit: int = 10) -> list[Organization]:
    """Verified organizations working on the same State or articles, or with published work
    on them: candidates to invite. Never pending or rejected organizations. Only published
    work that names its organization counts: a pseudonymous submission must not make its
    organization show up here as "working on" that State."""
    articles = list(submission.articles.values_list("pk", flat=True))
    # Public work only: an embargoed submission must not be hinted at either.
    published_here = Q(
        submissions__state=submission.state,
        submissions__status=SubmissionStatus.PUBLISHED,
        submissions__tier__in=[IdentityTier.ATTRIBUTED, IdentityTier.COALITION],
    ) & (
        Q(submissions__embargo_until__isnull=True)
        | Q(submissions__embargo_until__lte=review_today())
    )
    found = (
        Organization.objects.filter(verification_status=VerificationStatus.VERIFIED)
        .filter(Q(countries=submission.state) | Q(articles__in=articles) | published_here)
        .exclude(pk=submission.organization_id)
        .exclude(cosignatures__submission=submission)
        .distinct()
        .order_by("name")
    )
    return list(found[:limit])
