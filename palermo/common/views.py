from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string


def bad_filter(request, message) -> HttpResponseBadRequest:
    """A filter or query value that names nothing: 400 with a message the person can act on,
    the same page for every list (States, organizations, submissions, audit log)."""
    return HttpResponseBadRequest(
        render_to_string("common/filter_error.html", {"message": str(message)}, request)
    )
