from django.apps import AppConfig


class TestingConfig(AppConfig):
    """Test-only helpers; listed in INSTALLED_APPS by the test settings alone."""

    name = "aidtracker.testing"
    label = "aidtracker_testing"
