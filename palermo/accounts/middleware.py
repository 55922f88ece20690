import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.accounts.permissions import has_mfa, must_use_mfa

SESSION_STARTED = "palermo_auth_started"
SESSION_EPOCH = "palermo_session_epoch"


class SessionSecurityMiddleware:
    """Ends a signed-in session after an absolute lifetime (inactivity is handled by the
    session cookie's age, renewed on every request), or after "log out other sessions"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            expired = started is None or time.time() - started > settings.SESSION_ABSOLUTE_AGE
            ended = request.session.get(SESSION_EPOCH, 0) != user.session_epoch
            if expired or ended:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect(f"{reverse('account_login')}?next={request.path}")
        return self.get_response(request)


# Paths a coordinator without a second factor may still use: to set one up, or to leave.
_MFA_FREE_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class CoordinatorMfaMiddleware:
    """Coordinators and administrators must have a second factor before they reach the
    coordinator pages or the admin."""

    protected = ("/admin/", "/coordination/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(self.protected) and not path.startswith(_MFA_FREE_PREFIXES):
            user = request.user
            if user.is_authenticated and must_use_mfa(user) and not has_mfa(user):
                messages.warning(
                    request,
                    _(
                        "Coordinators must protect their account with a second factor "
                        "before using coordinator pages. Set one up now."
                    ),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
