from django.apps import AppConfig


class DevToolsConfig(AppConfig):
    """Development and test tooling: demo data, synthetic load, test-database helpers.

    Listed in INSTALLED_APPS by the development and test settings only, and left out
    of the Docker image: production never loads it.
    """

    name = "devtools"
    verbose_name = "Development tools"
