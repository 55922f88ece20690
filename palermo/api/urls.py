from ninja import NinjaAPI

from palermo.api import organizations, reference, reviews, submissions

api = NinjaAPI(
    title="Palermo Hub API",
    version="1",
    description=(
        "Open data on the UNTOC review mechanism: instruments, articles, clusters, States, "
        "their participation and the progress of their reviews. Every fact carries its sources "
        "and a confidence level (H, M, L)."
    ),
    urls_namespace="api",
)
api.add_router("/", reference.router)
api.add_router("/", reviews.router)
api.add_router("/", organizations.router)
api.add_router("/", submissions.router)
