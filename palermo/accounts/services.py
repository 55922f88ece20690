from django.contrib.auth import get_user_model, update_session_auth_hash
from django.db import transaction
from django.db.models import F

from palermo.accounts.middleware import SESSION_EPOCH
from palermo.audit.enums import AuditAction
from palermo.audit.services import audit_record


@transaction.atomic
def user_end_other_sessions(*, request) -> None:
    """Log out every other session of the request's user; this one stays signed in.

    Bumps the user's session epoch: other sessions carry the old one and are ended by
    SessionSecurityMiddleware on their next request."""
    user = request.user
    # request.user is a lazy proxy: type(user) is SimpleLazyObject, not the model.
    get_user_model().objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    request.session[SESSION_EPOCH] = user.session_epoch
    update_session_auth_hash(request, user)
    audit_record(actor=user, action=AuditAction.OTHER_SESSIONS_ENDED, target=user)
