from django.apps import AppConfig


class AidTrackerConfig(AppConfig):
    name = "aidtracker"
    verbose_name = "AidTracker"
