from django.http import Http404
from ninja import NinjaAPI, Router

from palermo.api import organizations, reference, reports, reviews, submissions

api = NinjaAPI(
    title="Palermo Hub API",
    version="1",
    description=(
        "Open data on the UNTOC review mechanism and the civil-society input to it: "
        "instruments, articles, clusters, regional groups, States and their participation, "
        "country reviews and their stage events, listed organizations and experts, "
        "published submissions and their recommendations, published report editions. "
        "Every fact carries its sources and a confidence level (H, M, L). "
        "Lists take `page` and `page_size` and answer "
        '`{"items": [...], "count": n}`; their filters are those of the matching pages. '
        "A filter that names nothing is a 400 with the reason in `detail`."
    ),
    urls_namespace="api",
)
api.add_router("/", reference.router)
api.add_router("/", reviews.router)
api.add_router("/", organizations.router)
api.add_router("/", submissions.router)
api.add_router("/", reports.router)

# Any other address under /api/v1/ (a mistyped path, a trailing slash, a code with a "/")
# answers the API's JSON 404 rather than the site's HTML page. Registered last.
fallback = Router()


@fallback.get("/{path:rest}", include_in_schema=False)
def not_found(request, rest: str):
    raise Http404


api.add_router("/", fallback)
