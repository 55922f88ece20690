"""Who may see what in the review tracker. Plain predicates, checked by views and the API."""

from palermo.accounts.permissions import COORDINATORS_GROUP, is_coordinator

__all__ = ["COORDINATORS_GROUP", "can_see_restricted_focal_points", "is_coordinator"]


def can_see_restricted_focal_points(user) -> bool:
    return is_coordinator(user)
