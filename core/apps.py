from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses and no app owns: the database library, view mixins, the
    role-based admin base, scoping, request middleware, form fields and validators.
    It imports no other app of the project."""

    name = "core"
    verbose_name = "Core"
