"""Site-wide roles. Plain predicates, checked by views, the API and middleware.

Organization roles (member, editor, owner) live in palermo/organizations/permissions.py."""

from allauth.mfa.utils import is_mfa_enabled

COORDINATORS_GROUP = "coordinators"


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def is_coordinator(user) -> bool:
    """Network secretariat staff (administrators count as coordinators too)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    # groups are usually prefetched on the request user; avoid a query per check otherwise
    cache = getattr(user, "_coordinator_cache", None)
    if cache is None:
        cache = user.groups.filter(name=COORDINATORS_GROUP).exists()
        user._coordinator_cache = cache
    return cache


def must_use_mfa(user) -> bool:
    """Coordinators and administrators may not act without a second factor."""
    return is_coordinator(user) or is_administrator(user)


def has_mfa(user) -> bool:
    return bool(user and user.is_authenticated and is_mfa_enabled(user))
