from __future__ import annotations

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("new/", views.report_create, name="report_create"),
    path("mine/", views.my_reports, name="my_reports"),
    path("<str:reference>/", views.report_detail, name="report_detail"),
    path("<str:reference>/receipt/", views.report_receipt, name="report_receipt"),
    path("<str:reference>/withdraw/", views.report_withdraw, name="report_withdraw"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
