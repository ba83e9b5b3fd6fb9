"""Reading numbers that users type or that arrive in query strings."""

MAX_ID_DIGITS = 9  # ids are INT columns; nine ASCII digits always fit


def parse_id(value):
    """Return a positive record id from `value`, or None for anything else.

    `str.isdigit()` accepts "²" or "①", which `int()` refuses, and `int()` refuses
    numbers over 4300 digits: both would be a 500. Only plain ASCII digits pass here.
    """
    text = str(value if value is not None else "").strip().lstrip("#")
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number or None
