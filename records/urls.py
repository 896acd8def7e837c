from __future__ import annotations

from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("cases/<str:reference>/legal-hold/", views.legal_hold_place, name="legal_hold_place"),
    path("cases/<str:reference>/legal-hold/lift/", views.legal_hold_lift, name="legal_hold_lift"),
    path("subject-access/", views.subject_access, name="subject_access"),
    path(
        "subject-access/<int:person_id>/archive/",
        views.subject_access_download,
        name="subject_access_download",
    ),
]
