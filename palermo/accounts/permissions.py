"""Site-wide roles. Plain predicates, checked by views, the API and middleware.

Organization roles (member, editor, owner) live in palermo/organizations/permissions.py."""

from allauth.mfa.utils import is_mfa_enabled

COORDINATORS_GROUP = "coordinators"


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def is_coordinator(user) -> bool:
    """Network secretariat staff acting as such: in the coordinators group (or an
    administrator) AND protected by a second factor. Without one, a coordinator's account
    has no more power than a member's, wherever the check is made (pages, API, feeds)."""
    return in_coordinators_group(user) and has_mfa(user)


def in_coordinators_group(user) -> bool:
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
    """Coordinators and administrators may not act without a second factor; nor may any
    other staff account, since Django lets every staff account into the admin."""
    if in_coordinators_group(user) or is_administrator(user):
        return True
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def has_mfa(user) -> bool:
    if not (user and user.is_authenticated):
        return False
    cached = getattr(user, "_has_mfa_cache", None)  # one query per request at most
    if cached is None:
        cached = user._has_mfa_cache = is_mfa_enabled(user)
    return cached
