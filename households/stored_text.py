"""Sentences kept in the database in English and shown in the reader's language.

Some texts are written by one person or job and read later by others: the evidence of
a possible duplicate (found at a desk, by an import's background worker or by the
registry scan, which have no language of their own), the subject of a change-history
entry (the history is append-only). They are stored in English, so that what is kept
never depends on who caused it, and translated when shown: each is written from a
template (a message id with named placeholders, marked with gettext_noop), and `show()`
recognises a stored sentence by its template and translates the template with the
values it held. A sentence no template matches (written before a template changed) is
shown as stored.
"""

import re

from django.utils.translation import gettext, gettext_noop

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


class StoredSentences:
    """A set of English templates: `write()` fills one in, `show()` translates it back."""

    def __init__(self, *templates):
        self._patterns = [(template, _pattern(template)) for template in templates]
        self._templates = frozenset(templates)

    def write(self, template, **values):
        """The English sentence to store (`template` must be one of the set's)."""
        if template not in self._templates:
            raise ValueError(f"Not a template of this set: {template!r}")
        return template % values

    def show(self, text):
        """The stored sentence `text` in the current language."""
        for template, pattern in self._patterns:
            match = pattern.fullmatch(text)
            if match:
                return gettext(template) % match.groupdict()
        return text


def _pattern(template):
    """A regular expression matching what `template` writes, a group per placeholder."""
    parts, seen, end = [], set(), 0
    for token in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end : token.start()]))
        name = token.group(1)
        if name is None:
            parts.append("%")
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
        end = token.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


# What replaces a text that named a household once it is anonymised (a possible
# duplicate's evidence, an import row's message).
ERASED = gettext_noop("Erased: household #%(number)s was anonymised.")
