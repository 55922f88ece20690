import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from palermo.accounts.permissions import is_coordinator
from palermo.audit.enums import AuditAction
from palermo.audit.models import AuditEvent
from palermo.common.filters import read_filter_values
from palermo.common.views import bad_filter


class _BadFilter(ValueError):
    pass


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadFilter(
            _("“%(field)s” must be a date like 2026-11-29.") % {"field": name}
        ) from None


@login_required
def event_list(request):
    """The audit log, for coordinators, filtered by action, organization, person, dates."""
    if not is_coordinator(request.user):
        raise Http404
    events = AuditEvent.objects.select_related("actor", "organization")
    try:
        params = read_filter_values(
            request.GET, ("action", "organization", "actor", "since", "until"), _BadFilter
        )
        action = params["action"]
        if action and action not in AuditAction.values:
            raise _BadFilter(_("Unknown action “%(value)s”.") % {"value": action[:40]})
        if action:
            events = events.filter(action=action)
        if params.get("organization"):
            events = events.filter(organization__slug=params["organization"][:80])
        if params.get("actor"):
            events = events.filter(actor__email__iexact=params["actor"][:254])
        since, until = (
            _date(params.get("since", ""), _("Since")),
            _date(params.get("until", ""), _("Until")),
        )
        if since:
            events = events.filter(created_at__date__gte=since)
        if until:
            events = events.filter(created_at__date__lte=until)
    except _BadFilter as error:
        return bad_filter(request, error)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "actions": AuditAction.choices, "params": params},
    )
