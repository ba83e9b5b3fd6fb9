from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"

    def ready(self):
        from . import panels  # noqa: F401  (registers its page panels)
