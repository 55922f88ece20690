from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.accounts.permissions import must_use_mfa
from palermo.accounts.services import user_end_other_sessions


@login_required
def security(request):
    """One page for a person's account safety: second factors, sessions, password."""
    authenticators = Authenticator.objects.filter(user=request.user)
    return render(
        request,
        "accounts/security.html",
        {
            "authenticator_types": sorted({a.get_type_display() for a in authenticators}),
            "mfa_required": must_use_mfa(request.user),
            "memberships": request.user.memberships.select_related("organization"),
        },
    )


@login_required
@require_POST
def end_other_sessions(request):
    user_end_other_sessions(request=request)
    messages.success(request, _("All your other sessions have been logged out."))
    return redirect("accounts:security")
