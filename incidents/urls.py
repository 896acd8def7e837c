from __future__ import annotations
from django.urls import path
from incidents import views
app_name = "incidents"
urlpatterns = [path("new/", views.home, name="report_create"), path("mine/", views.home, name="my_reports")]
