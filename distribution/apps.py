from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution")

    def ready(self):
        from core import hooks

        from . import panels  # noqa: F401  (registers its page panels)
        from .erasure import erase_collectors

        hooks.register(hooks.HOUSEHOLD_ERASERS)(erase_collectors)
