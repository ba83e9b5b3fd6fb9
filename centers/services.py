"""Writes to staff records made from the portal."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.i18n import is_supported


def set_language(*, staff, language):
    """Store the language a staff member reads the portal in ("" follows the browser)."""
    if language and not is_supported(language):
        raise ValidationError(_("That language is not offered."))
    staff.language = language
    staff.save(update_fields=["language", "updated_at"])
    return staff
