from django.conf import settings

from palermo.accounts.permissions import is_coordinator


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_coordinator": is_coordinator(user) if user is not None else False,
    }
