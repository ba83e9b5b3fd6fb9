"""Translatable text with values in it, built once and translated each time it is read.

A module-level message such as "Enter a date from %(first)s to %(last)s." must be
filled in when it is shown, not at import: `gettext_lazy(...) % params` would
translate it then, into whatever language was active (none, at import).
"""

from django.utils.functional import lazy


def _interpolate(message, params):
    return str(message) % params


# interpolate_lazy(gettext_lazy("Choose at most %(count)s months."), {"count": 120}):
# a lazy string, translated and filled in every time it is turned into text.
interpolate_lazy = lazy(_interpolate, str)
