"""Which language a page or a printout uses."""

from django.conf import settings
from django.utils import translation


def is_supported(code):
    return code in dict(settings.LANGUAGES)


def household_language(household):
    """The household's preferred language when one is recorded, else the current one.

    Cards and visit receipts are read by the household, not by the worker who prints
    them; the current language is the signed-in staff member's.
    """
    code = getattr(household, "preferred_language", "") or ""
    return code if is_supported(code) else translation.get_language()
