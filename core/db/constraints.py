"""Helpers that turn a model's rules into database constraints both vendors enforce."""

from django.db import models


def choices_check(field_name, choices_class, *, name):
    """Return a CHECK that keeps a column within its TextChoices, like the seed's ENUM."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field_name}__in": choices_class.values}),
        name=name,
    )
