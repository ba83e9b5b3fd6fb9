"""Model validators for values a person types: plausible dates, names with a letter."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .fields import EARLIEST_DATE
from .lazytext import interpolate_lazy

NO_LETTER_MESSAGE = _("Enter a name with at least one letter.")
TOO_EARLY_MESSAGE = interpolate_lazy(
    _("Enter a date on or after %(date)s."), {"date": f"{EARLIEST_DATE:%Y-%m-%d}"}
)
FUTURE_DATE_MESSAGE = _("Enter a date that is not in the future.")
NOTE_MAX_LENGTH = 2000


def validate_has_letter(value):
    """Refuse names made only of spaces, digits, punctuation or invisible characters."""
    if not any(unicodedata.category(char).startswith("L") for char in str(value)):
        raise ValidationError(NO_LETTER_MESSAGE, code="no_letter")


@deconstructible
class PlausibleDateValidator:
    """A date from EARLIEST_DATE up to today (in the portal's time zone)."""

    def __call__(self, value):
        if value is None:
            return
        if value < EARLIEST_DATE:
            raise ValidationError(TOO_EARLY_MESSAGE, code="too_early")
        if value > timezone.localdate():
            raise ValidationError(FUTURE_DATE_MESSAGE, code="in_future")

    def __eq__(self, other):
        return isinstance(other, PlausibleDateValidator)


validate_plausible_date = PlausibleDateValidator()
