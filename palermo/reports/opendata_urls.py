"""Bulk exports and the changelog feed: the open-data addresses (C11)."""

app_name = "opendata"
urlpatterns: list = []
