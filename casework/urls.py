from __future__ import annotations

from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("queue/", views.triage_queue, name="triage_queue"),
    path("work/", views.my_work, name="my_work"),
    path("<str:reference>/", views.lost_access_explained(views.case_detail), name="case_detail"),
    path(
        "<str:reference>/investigation/",
        views.lost_access_explained(views.investigation_workspace),
        name="investigation",
    ),
    path(
        "<str:reference>/act/<str:action>/",
        views.lost_access_explained(views.case_action),
        name="case_action",
    ),
    path(
        "<str:reference>/timeline/",
        views.lost_access_explained(views.case_timeline),
        name="case_timeline",
    ),
    path(
        "<str:reference>/reports/",
        views.lost_access_explained(views.case_reports),
        name="case_reports",
    ),
    path(
        "<str:reference>/related/",
        views.lost_access_explained(views.case_related),
        name="case_related",
    ),
    path(
        "<str:reference>/access-history/",
        views.lost_access_explained(views.access_history),
        name="access_history",
    ),
    path(
        "<str:reference>/reveal/<str:report_reference>/",
        views.lost_access_explained(views.reveal_reporter),
        name="reveal_reporter",
    ),
]
