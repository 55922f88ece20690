from django.urls import path, re_path

from palermo.reports import views
from palermo.submissions.converters import ReferenceConverter

STATE = r"^states/(?P<code>[A-Za-z]{3})/"

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/publish/", views.snapshot_publish, name="snapshot_publish"),
    path("reports/global/", views.global_report, name="global_report"),
    path("reports/global.json", views.global_report, {"fmt": "json"}, name="global_json"),
    path("reports/global.csv", views.global_report, {"fmt": "csv"}, name="global_csv"),
    path("reports/clusters/<str:numeral>/", views.cluster_synthesis, name="cluster_synthesis"),
    path(
        "reports/clusters/<str:numeral>.json",
        views.cluster_synthesis,
        {"fmt": "json"},
        name="cluster_json",
    ),
    path(
        "reports/clusters/<str:numeral>.csv",
        views.cluster_synthesis,
        {"fmt": "csv"},
        name="cluster_csv",
    ),
    path("reports/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("reports/<int:pk>.pdf", views.snapshot_file, {"fmt": "pdf"}, name="snapshot_pdf"),
    path("reports/<int:pk>.docx", views.snapshot_file, {"fmt": "docx"}, name="snapshot_docx"),
    path("reports/<int:pk>.csv", views.snapshot_file, {"fmt": "csv"}, name="snapshot_csv"),
    path("reports/<int:pk>.json", views.snapshot_file, {"fmt": "json"}, name="snapshot_json"),
    path("reports/<int:pk>/inputs.json", views.snapshot_inputs, name="snapshot_inputs"),
    re_path(STATE + r"brief/$", views.state_brief, name="state_brief"),
    re_path(STATE + r"brief\.pdf$", views.state_brief, {"fmt": "pdf"}, name="state_brief_pdf"),
    re_path(STATE + r"brief\.docx$", views.state_brief, {"fmt": "docx"}, name="state_brief_docx"),
    re_path(STATE + r"brief\.json$", views.state_brief, {"fmt": "json"}, name="state_brief_json"),
    re_path(STATE + r"brief\.csv$", views.state_brief, {"fmt": "csv"}, name="state_brief_csv"),
    re_path(
        rf"^submissions/(?P<reference>{ReferenceConverter.regex})/recommendations/(?P<number>[0-9]{{1,3}})/$",
        views.recommendation_detail,
        name="recommendation_detail",
    ),
    path("coordination/feedback/", views.feedback_queue, name="feedback_queue"),
]
