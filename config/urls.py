from django.contrib import admin
from django.urls import include, path

from palermo.api.urls import api

admin.site.site_header = "Palermo Hub"
admin.site.site_title = "Palermo Hub administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("palermo.reference.urls")),
    path("", include("palermo.reviews.urls")),
]
