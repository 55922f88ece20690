from django.urls import path

from palermo.reference import views

app_name = "reference"
urlpatterns = [
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<slug:code>/", views.instrument_detail, name="instrument_detail"),
    path(
        "instruments/<slug:code>/articles/<int:number>/",
        views.article_detail,
        name="article_detail",
    ),
    path("clusters/", views.cluster_list, name="cluster_list"),
]
