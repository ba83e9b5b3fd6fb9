"""Test helper: a language's catalog with a few more translations, for one test.

The portal's catalogs are filled in by translators; a test that needs to see text
translated gives the translations it relies on instead of depending on theirs.
"""

from contextlib import contextmanager

from django.utils.translation import trans_real

CONTEXT_SEPARATOR = "\x04"  # how gettext keys a msgid with a context


def with_context(context, message):
    """The catalog key of `message` in `context` (pgettext)."""
    return f"{context}{CONTEXT_SEPARATOR}{message}"


@contextmanager
def translations(language, entries):
    """Within the block, `language` translates each msgid of `entries` ({msgid: text})."""
    catalog = trans_real.translation(language)._catalog._catalogs[0]
    previous = {key: catalog[key] for key in entries if key in catalog}
    catalog.update(entries)
    try:
        yield
    finally:
        for key in entries:
            catalog.pop(key, None)
        catalog.update(previous)
