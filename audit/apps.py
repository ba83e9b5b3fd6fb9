from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Accountability for personal data: who exported or looked at what."""

    name = "audit"
    verbose_name = _("Audit")
