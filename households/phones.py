"""Phone number normalisation: one spelling (E.164) per real number."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

INVALID_PHONE_MESSAGE = _(
    "Enter a phone number with its country code (e.g. +1 555 010 0000) "
    "or a number valid in region %(region)s."
)


# What an anonymised household keeps in its phone column: unique (its own id), never a
# number (E.164 starts with "+"), so the number it replaced is free to register again.
TOMBSTONE_PHONE = re.compile(r"^anon-[0-9]+$")


def tombstone_phone(household_id):
    return f"anon-{int(household_id)}"


def is_tombstone_phone(value):
    return bool(TOMBSTONE_PHONE.match(str(value or "")))


def normalize_phone(raw, region=None):
    """Return `raw` in E.164 form ("+15550100000"), or raise ValidationError.

    The seed made phone numbers unique as typed, so "+1 555 010 0000" and
    "5550100000" were two households. Normalising first makes them one.
    Numbers only have to be *possible* (right length for the country), not
    assigned in the numbering plan's metadata, which lags behind new ranges.
    """
    region = region or settings.PHONE_DEFAULT_REGION
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(
            INVALID_PHONE_MESSAGE, code="invalid_phone", params={"region": region}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164):
    """Return a stored E.164 number in readable international form."""
    if is_tombstone_phone(e164):
        return gettext("(erased)")
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
