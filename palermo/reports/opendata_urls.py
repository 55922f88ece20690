"""Bulk exports and the changelog feed: the open-data addresses (C11)."""

from django.urls import path, re_path

from palermo.reports import changes, exports

DATASET = "|".join(exports.DATASETS)
FORMAT = "|".join(exports.FORMATS)

app_name = "opendata"
urlpatterns = [
    path("exports/", exports.export_list, name="export_list"),
    re_path(
        rf"^exports/(?P<dataset>{DATASET})\.(?P<fmt>{FORMAT})$",
        exports.export_download,
        name="export_download",
    ),
    path("changes.atom", changes.changes_feed, name="changes_feed"),
]
