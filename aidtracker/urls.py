from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("status/", views.SystemStatusView.as_view(), name="system_status"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("households/", include("households.urls")),
    path("distribution/", include("distribution.urls")),
    path("inventory/", include("inventory.urls")),
    path("centers/", include("centers.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "aidtracker.views.permission_denied"
handler404 = "aidtracker.views.page_not_found"
handler500 = "aidtracker.views.server_error"
