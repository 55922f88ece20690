"""Who may see what in the review tracker. Plain predicates, checked by views and the API."""

COORDINATORS_GROUP = "coordinators"


def is_coordinator(user) -> bool:
    """Network secretariat staff. Issue #3 replaces the group with the roles model."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return any(group.name == COORDINATORS_GROUP for group in user.groups.all())


def can_see_restricted_focal_points(user) -> bool:
    return is_coordinator(user)
