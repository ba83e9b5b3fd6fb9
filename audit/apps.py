from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Accountability for personal data: who exported or looked at what."""

    name = "audit"
    verbose_name = "Audit"
