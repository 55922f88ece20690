from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.common.views import bad_filter
from palermo.common.worldmap import MapRegion, world_map_svg
from palermo.reference.models import Instrument, RegionalGroup, State
from palermo.reviews import feeds, queries
from palermo.reviews.calendar import review_today
from palermo.reviews.enums import Progress, Stage
from palermo.reviews.guidance import guidance_for
from palermo.submissions.queries import SubmissionFilters, published_submissions


def home(request):
    today = review_today()
    rows = queries.state_rows(filters=queries.StateFilters(), today=today)
    return render(
        request,
        "reviews/home.html",
        {
            "today": today,
            "counts": queries.progress_counts(rows),
            "state_count": len(rows),
            "deadlines": queries.grouped_deadlines(queries.deadlines(today=today), limit=8),
        },
    )


def _map(rows: list[queries.StateRow]):
    return world_map_svg(
        regions={
            row.state.code: MapRegion(
                code=row.state.code,
                m49=row.state.m49,
                name=row.state.name,
                css_class=f"stage-{row.progress.value}",
                url=row.state.get_absolute_url(),
                label=str(row.progress.label),
            )
            for row in rows
            if row.state.m49
        },
        title=_("Map of States coloured by the current stage of their review"),
        description=_("The table below lists the same States and stages."),
    )


def state_list(request):
    try:
        filters = queries.parse_state_filters(request.GET)
    except queries.FilterError as error:
        return bad_filter(request, error)
    today = review_today()
    rows = queries.state_rows(filters=filters, today=today)
    return render(
        request,
        "reviews/state_list.html",
        {
            "rows": rows,
            "filters": filters,
            "today": today,
            "regions": RegionalGroup.objects.all(),
            "instruments": Instrument.objects.all(),
            "stages": Progress.choices,
            "world_map": _map(rows),
            "legend": Progress.choices,
            "has_demo": any(row.has_demo for row in rows),
        },
    )


def state_detail(request, code: str):
    if code != code.upper():
        return HttpResponseRedirect(reverse("reviews:state_detail", args=[code.upper()]))
    try:
        detail = queries.state_detail(code=code, user=request.user, today=review_today())
    except State.DoesNotExist:
        raise Http404 from None
    progress = detail.current.status.progress if detail.current else Progress.GROUP_UNKNOWN
    return render(
        request,
        "reviews/state_detail.html",
        {
            "detail": detail,
            "state": detail.state,
            "progress": progress,
            "guidance": guidance_for(progress),
            "stages": Stage,
            "submissions": published_submissions(
                SubmissionFilters(state=detail.state.code), today=review_today()
            )[:20],
        },
    )


def calendar_all(request):
    today = review_today()
    body = feeds.calendar_ics(
        deadlines=queries.deadlines(today=today, upcoming_only=False),
        events=queries.stage_events(),
        name=_("Palermo Hub: UNTOC review deadlines"),
    )
    return _ics_response(body, "palermo-hub.ics")


def state_calendar(request, code: str):
    state = get_object_or_404(State, code=code.upper())
    body = feeds.calendar_ics(
        deadlines=queries.deadlines(today=review_today(), state=state, upcoming_only=False),
        events=queries.stage_events(state=state),
        name=_("Palermo Hub: review of %(state)s") % {"state": state.name},
    )
    return _ics_response(body, f"palermo-hub-{state.code}.ics")


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def state_feed(request, code: str):
    state = get_object_or_404(State, code=code.upper())
    return HttpResponse(
        feeds.state_atom(state=state, events=queries.stage_events_feed(state=state)),
        content_type="application/atom+xml; charset=utf-8",
    )


def about_mechanism(request):
    return render(request, "reviews/about_mechanism.html")
