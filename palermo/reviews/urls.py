from django.urls import path, re_path

from palermo.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.home, name="home"),
    path("states/", views.state_list, name="state_list"),
    re_path(r"^states/(?P<code>[A-Za-z]{3})/$", views.state_detail, name="state_detail"),
    re_path(
        r"^states/(?P<code>[A-Za-z]{3})/calendar\.ics$",
        views.state_calendar,
        name="state_calendar",
    ),
    re_path(r"^states/(?P<code>[A-Za-z]{3})/feed\.atom$", views.state_feed, name="state_feed"),
    path("calendar.ics", views.calendar_all, name="calendar"),
    path("about/mechanism/", views.about_mechanism, name="about_mechanism"),
]
