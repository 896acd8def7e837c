from __future__ import annotations

from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.csv", views.export_table, name="export_table"),
    path("export/all.zip", views.export_all, name="export_all"),
    path("packs/", views.pack_create, name="pack_create"),
    path("packs/<int:pk>/", views.pack_detail, name="pack_detail"),
    path("packs/<int:pk>/retry/", views.pack_retry_view, name="pack_retry"),
    path("packs/<int:pk>/download/", views.pack_download, name="pack_download"),
]
