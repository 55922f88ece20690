"""How a submission's authors are named in public outputs, by identity tier. Every public
page, feed and API response goes through `public_author`, never through the organization."""

from django.utils.translation import gettext as _

from palermo.submissions.enums import IdentityTier


def public_author(submission) -> str:
    organization = submission.organization
    if submission.tier == IdentityTier.ANONYMOUS or organization is None:
        return _("An anonymous civil-society source")
    if submission.tier == IdentityTier.ATTRIBUTED:
        if submission.show_authors and submission.created_by is not None:
            return _("%(organization)s (author: %(author)s)") % {
                "organization": organization.name,
                "author": submission.created_by.public_name,
            }
        return organization.name
    if submission.tier == IdentityTier.COALITION:
        return _("A coalition led by %(organization)s") % {"organization": organization.name}
    region = (
        organization.headquarters.regional_group
        if organization.headquarters_id and organization.headquarters.regional_group_id
        else None
    )
    if region is not None:
        return _("A civil-society organization working in %(region)s") % {"region": region.name}
    return _("A civil-society organization")
