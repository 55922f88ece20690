from django.urls import path

from palermo.accounts import views

app_name = "accounts"
urlpatterns = [
    path("security/", views.security, name="security"),
    path("security/end-other-sessions/", views.end_other_sessions, name="end_other_sessions"),
]
