from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework import views as casework_views
from directory import views as directory_views

admin.site.site_header = "Flagpost administration"
admin.site.site_title = "Flagpost administration"
admin.site.index_title = "Flagpost administration"

urlpatterns = [
    path("", casework_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session/", directory_views.session_state, name="session_state"),
    path("accounts/", include("accounts.urls")),
    path("reports/", include("incidents.urls")),
    path("", include("summaries.urls")),
    path("cases/", include("casework.urls")),
    path("notifications/", include("notifications.urls")),
    path("governance/", include("governance.urls")),
    path("audit/", include("audit.urls")),
    path("records/", include("records.urls")),
    path("people/", include("directory.urls")),
    path("admin/", admin.site.urls),
]
