"""Text a spreadsheet must not run: a quote before each piece that could start a formula.

A piece is the whole cell or what follows a character some locale splits fields on
(Excel in a semicolon locale reads "Kit;=1+1;" as "Kit", "=1+1" and ""), full-width
forms included (NFKC folds them to ASCII). Used by the report exports and by every
CSV the portal writes from what people typed.
"""

import unicodedata

# What a spreadsheet reads as the start of a formula (tab and CR: OWASP's list), and
# the characters some locale's CSV import splits fields on, with the line breaks a
# reader that ignores CSV quoting splits rows on. Compared after NFKC.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
FIELD_SEPARATORS = frozenset(",;\t|\r\n")


def _folded(char):
    return char if char.isascii() else unicodedata.normalize("NFKC", char)[:1]


def _is_blank(char):
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def _formula_starts(text):
    """Yield where each piece of `text` that could start a formula begins.

    A piece is the whole cell, or what follows a field separator. It could start a
    formula when its first character that is not blank (space, control, format
    character) is a trigger; it begins before those blanks, so that a reader that
    trims them still finds a quote put there first.
    """
    start, pending = 0, True
    for index, char in enumerate(text):
        folded = _folded(char)
        if pending:
            if folded in FORMULA_TRIGGERS:
                yield start
                pending = False
            elif not _is_blank(char):
                pending = False
        if folded in FIELD_SEPARATORS:
            start, pending = index + 1, True


def _may_start_formula(text):
    """False for the common case: ASCII text with no trigger anywhere."""
    return not (text.isascii() and FORMULA_TRIGGERS.isdisjoint(text))


def neutralise(text):
    """Return `text` with a quote before each piece that could start a formula."""
    if not _may_start_formula(text):
        return text
    parts, done = [], 0
    for start in _formula_starts(text):
        parts += [text[done:start], "'"]
        done = start
    parts.append(text[done:])
    return "".join(parts)


def starts_formula(text):
    """True when the cell itself, not only a later piece of it, could start a formula."""
    return _may_start_formula(text) and next(_formula_starts(text), None) == 0
