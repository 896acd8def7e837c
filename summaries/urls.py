from __future__ import annotations

from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("cases/<str:reference>/summaries/", views.summary_create, name="create"),
    path("cases/<str:reference>/summaries/<int:pk>/", views.summary_detail, name="detail"),
    path("cases/<str:reference>/summaries/<int:pk>/status/", views.summary_status, name="status"),
    path("cases/<str:reference>/summaries/<int:pk>/retry/", views.summary_retry_view, name="retry"),
    path(
        "cases/<str:reference>/summaries/<int:pk>/download/",
        views.summary_download,
        name="download",
    ),
    path("verify/", views.verify, name="verify"),
]
