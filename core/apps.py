from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses and no app owns: the database library, view mixins, the
    role-based admin base, scoping, request middleware, form fields and validators.
    It imports no other app of the project."""

    name = "core"
    verbose_name = _("Core")
