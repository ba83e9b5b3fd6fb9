from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AidTrackerConfig(AppConfig):
    name = "aidtracker"
    verbose_name = "AidTracker"


class AidTrackerAdminConfig(AdminConfig):
    """Django admin with access decided by the staff member's role (aidtracker.admin_site)."""

    default_site = "aidtracker.admin_site.AidTrackerAdminSite"
