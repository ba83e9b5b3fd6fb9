"""Model field that stores phone numbers normalised to E.164."""

from django.db import models

from .phones import is_tombstone_phone, normalize_phone


class E164PhoneField(models.CharField):
    """A CharField that validates and normalises to E.164 before uniqueness is checked.

    `to_python` runs in `full_clean()` (forms, admin, services), so the unique
    check compares normalised numbers; `pre_save` normalises again so a bare
    `save()` can never store a second spelling. An anonymised household's tombstone
    ("anon-<id>") passes through; `Household.clean()` refuses it anywhere else.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values or is_tombstone_phone(value):
            return value
        return normalize_phone(value)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value in self.empty_values or is_tombstone_phone(value):
            return value
        normalized = normalize_phone(value)
        setattr(model_instance, self.attname, normalized)
        return normalized
