from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"

    def ready(self):
        from core import hooks

        from . import panels  # noqa: F401  (registers its page panels)
        from .erasure import erase_collectors

        hooks.register(hooks.HOUSEHOLD_ERASERS)(erase_collectors)
