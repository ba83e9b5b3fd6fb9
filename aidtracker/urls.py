from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from centers.passwords import LockoutPasswordChangeView
from core import health

from . import language, views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("status/", views.SystemStatusView.as_view(), name="system_status"),
    path("language/", language.choose_language, name="choose_language"),
    # Login, logout and password change only: there is no e-mail to reset passwords
    # by; a manager or admin sets a new one. A wrong old password counts as a failed
    # sign-in (centers.passwords).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        LockoutPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("households/", include("households.urls")),
    path("distribution/", include("distribution.urls")),
    path("inventory/", include("inventory.urls")),
    path("centers/", include("centers.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "aidtracker.views.bad_request"
handler403 = "aidtracker.views.permission_denied"
handler404 = "aidtracker.views.page_not_found"
handler500 = "aidtracker.views.server_error"
