from __future__ import annotations

from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("queue/", views.triage_queue, name="triage_queue"),
    path("<str:reference>/", views.case_detail, name="case_detail"),
    path("<str:reference>/investigation/", views.investigation_workspace, name="investigation"),
    path("<str:reference>/act/<str:action>/", views.case_action, name="case_action"),
    path("<str:reference>/timeline/", views.case_timeline, name="case_timeline"),
    path("<str:reference>/reports/", views.case_reports, name="case_reports"),
    path("<str:reference>/related/", views.case_related, name="case_related"),
    path("<str:reference>/access-history/", views.access_history, name="access_history"),
    path(
        "<str:reference>/reveal/<str:report_reference>/",
        views.reveal_reporter,
        name="reveal_reporter",
    ),
]
