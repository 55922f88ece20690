from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from palermo.api.urls import api

admin.site.site_header = "Palermo Hub"
admin.site.site_title = "Palermo Hub administration"

# The admin signs in through the same allauth flow as everyone, second factor included.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("palermo.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("palermo.reference.urls")),
    path("", include("palermo.reviews.urls")),
    path("", include("palermo.organizations.urls")),
    path("", include("palermo.audit.urls")),
    path("", include("palermo.submissions.urls")),
    path("", include("palermo.reports.urls")),
    path("", include("palermo.reports.opendata_urls")),
]
