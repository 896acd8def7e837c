from __future__ import annotations

from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("search/<slug:scope>/", views.people_search_json, name="people_search"),
]
