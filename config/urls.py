from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework import views as casework_views
from directory import sign_in
from directory import views as directory_views

admin.site.site_header = "Flagpost administration"
admin.site.site_title = "Flagpost administration"
admin.site.index_title = "Flagpost administration"

urlpatterns = [
    path("", casework_views.home, name="home"),
    path("accounts/login/", sign_in.SignInView.as_view(), name="login"),
    path(
        "accounts/sso/<int:organisation_id>/start/",
        sign_in.ProviderRedirectView.as_view(),
        name="sso_start",
    ),
    path("accounts/sso/callback/", sign_in.sso_callback, name="sso_callback"),
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
