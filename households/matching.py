"""Could two registrations be one family? The rule, on plain values, without the database.

Names are compared as keys: accents, case and punctuation folded, the articles "Al" and
"El" dropped, known spellings of one Arabic name made one ("Mohamed", "Muhammad",
"Mohammad" ...), and the words sorted, so word order does not count. Two keys are
alike when rapidfuzz's `ratio` gives them NAME_THRESHOLD or more.

Alike names alone prove nothing: registries repeat names (the load data repeats each
family and given name pair about 240 times per city). So a pair is a possible
duplicate only when both the family names and the contact names are alike AND
something else agrees:

- the city is the same and the addresses are alike: the same house numbers (numbers
  identify the dwelling: "12 Mill Street" is not "14 Mill Street"), the same kind of
  street when both say it, and the street words at least ADDRESS_THRESHOLD alike; or
- the phone numbers share their last PHONE_TAIL_DIGITS digits (a typo in the country
  or area code), in any city.

A family name alone with a shared phone ending is not enough: numbers handed out in
sequence under several area codes share their endings, and common family names meet.

Each verdict carries a score from 0 to 100 (the mean of the family-name, contact-name
and corroborating similarities) and its evidence as short sentences a reviewer reads.
The sentences are English, whoever or whatever found the pair (a desk, an import's
worker, the registry scan): they are stored so, and translated when shown
(EVIDENCE, households.stored_text).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.utils.translation import gettext_noop
from rapidfuzz import fuzz

from .stored_text import ERASED, StoredSentences

NAME_THRESHOLD = 85
ADDRESS_THRESHOLD = 80
PHONE_TAIL_DIGITS = 7

# Spellings of one name in Latin letters (transliterations), each mapped to its first
# spelling. Only true variants: "Joseph" is the English name, not a spelling of
# "Yusuf"; "Hassan" and "Hussein" are two names.
NAME_VARIANTS = (
    ("muhammad", "mohammed mohamed mohammad mohamad muhammed muhamad mouhamed mohamud"),
    ("ahmed", "ahmad"),
    ("hussein", "husain hussain husein hussien husayn hossein"),
    ("hassan", "hasan"),
    ("abdullah", "abdallah abdulla"),
    ("yusuf", "youssef yousef yousif yusef youssouf yousuf"),
    ("fatima", "fatma fatimah fatuma fatemeh"),
    ("osman", "othman usman uthman ousmane"),
    ("omar", "umar"),
    ("ibrahim", "ebrahim ibraheem"),
    ("mustafa", "mostafa moustafa mustapha mostapha"),
    ("khalid", "khaled"),
    ("mahmoud", "mahmud mahmood"),
    ("aisha", "aicha ayesha aysha aishah"),
    ("said", "saeed saied saeid"),
    ("hamid", "hamed"),
    ("suleiman", "sulaiman sulayman soliman suleyman"),
    ("zainab", "zeinab zaynab"),
    ("maryam", "mariam meryem"),
    ("nour", "noor nur"),
    ("karim", "kareem"),
    ("yasin", "yassin yaseen yassine"),
    ("rashid", "rasheed rachid"),
    ("hakim", "hakeem"),
    ("tariq", "tarek tarik tareq"),
    ("hamza", "hamzah"),
    ("khadija", "khadijah khadidja"),
    ("amina", "aminah"),
    ("idris", "idriss"),
    ("musa", "moussa mousa"),
    ("yahya", "yahia"),
    ("rahman", "rehman"),
)
CANONICAL_NAME = {
    variant: first for first, variants in NAME_VARIANTS for variant in (first, *variants.split())
}
# "Abd al-Rahman", "Abdul Rahman", "Abdel Rahman", "Abdulrahman": one "abdul" and the name.
ABDUL_FORMS = ("abdoul", "abdul", "abdel", "abdal", "abdur", "abdus", "abd")
ARTICLES = frozenset({"al", "el", "ul"})
# The article after "Abd", in its spoken forms ("Abd ar-Rahman", "Abd as-Salam").
ABDUL_ARTICLES = ARTICLES | {"ar", "as", "ad", "an", "at", "az", "ash"}
# Words of an address that name the kind of street, in one spelling each.
STREET_KINDS = {
    "street": "st",
    "st": "st",
    "str": "st",
    "road": "rd",
    "rd": "rd",
    "avenue": "ave",
    "ave": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "blvd": "blvd",
    "lane": "ln",
    "ln": "ln",
    "drive": "dr",
    "dr": "dr",
    "place": "pl",
    "pl": "pl",
    "court": "ct",
    "ct": "ct",
    "square": "sq",
    "sq": "sq",
}
ADDRESS_FILLER = frozenset({"no", "nr", "number"})

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_DIGITS = re.compile(r"\d+")
_NUMBERED = re.compile(r"\b[0-9a-z]*[0-9][0-9a-z]*\b")
_ASCII_NUMBERED = re.compile(r"[0-9A-Za-z'`]*[0-9][0-9A-Za-z'`]*")
_LETTERS_ONLY = re.compile(r"\b[a-z]+\b")


def fold(text):
    """Lower case, accents and punctuation removed, words separated by one space."""
    text = str(text or "")
    if not text.isascii():
        text = "".join(
            char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
        )
    text = _APOSTROPHES.sub("", text.casefold())  # O'Brien and OBrien are one name
    return _NOT_WORD.sub(" ", text).strip()


def _name_words(words):
    """Yield the words of a folded name with articles dropped and one spelling each."""
    skip_article = False
    for word in words:
        if skip_article and word in ABDUL_ARTICLES:
            skip_article = False
            continue
        skip_article = False
        if word in CANONICAL_NAME:
            yield CANONICAL_NAME[word]
            continue
        if word in ARTICLES:
            continue
        if word in ABDUL_FORMS:
            skip_article = True  # "abd al rahman"
            yield "abdul"
            continue
        form = next((form for form in ABDUL_FORMS[:-1] if word.startswith(form)), None)
        if form is not None and len(word) - len(form) >= 3:  # "abdulrahman"
            rest = word[len(form) :]
            yield "abdul"
            yield CANONICAL_NAME.get(rest, rest)
            continue
        yield word


@lru_cache(maxsize=2**17)
def name_key(name):
    """The name as the matcher compares it: "Mohamed Al-Hassan" -> "hassan muhammad"."""
    words = fold(name).split()
    kept = list(_name_words(words))
    if not kept:  # a name that is only an article ("El") keeps it
        kept = words
    return " ".join(sorted(kept))


def name_similarity(key, other):
    """0-100: how alike two name keys are; names with different numbers are 0."""
    if not key or not other:
        return 0
    if (_DIGITS.search(key) or _DIGITS.search(other)) and (
        _DIGITS.findall(key) != _DIGITS.findall(other)
    ):
        return 0
    return round(fuzz.ratio(key, other))


@lru_cache(maxsize=4096)
def city_key(city):
    return fold(city)


@dataclass(frozen=True)
class AddressKey:
    numbers: tuple  # the house, block or flat numbers, sorted, without leading zeros
    kinds: frozenset  # street kinds named ("st", "rd" ...)
    words: str  # the other words, sorted

    @property
    def empty(self):
        return not self.numbers and not self.words


@lru_cache(maxsize=2**16)
def address_key(address, city=""):
    """The address as the matcher compares it; the city's own words are left out."""
    city_words = set(fold(city).split())
    kinds, words = set(), []
    for word in _LETTERS_ONLY.findall(fold(address)):
        if word in STREET_KINDS:
            kinds.add(STREET_KINDS[word])
        elif word not in ADDRESS_FILLER and word not in city_words:
            words.append(word)
    return AddressKey(address_numbers(address), frozenset(kinds), " ".join(sorted(words)))


def address_numbers(address):
    """The numbered words of an address ("12", "4b"), sorted, without leading zeros.

    Two addresses alike have the same numbers, so this is also the matcher's block.
    """
    if not address:
        return ()
    if address.isascii():  # as fold() would leave them, without folding the rest
        words = _ASCII_NUMBERED.findall(address)
        if "'" in address or "`" in address:
            words = [word.replace("'", "").replace("`", "") for word in words]
        words = [word.lower() for word in words]
    elif _DIGITS.search(address):
        words = _NUMBERED.findall(fold(address))
    else:
        return ()
    if len(words) == 1:  # most addresses: a registry is read through this, row by row
        return (words[0].lstrip("0") or "0",)
    return tuple(sorted(word.lstrip("0") or "0" for word in words))


def address_similarity(key, other):
    """0-100; 0 unless both have the same numbers and no two different kinds of street."""
    if key.empty or other.empty or key.numbers != other.numbers:
        return 0
    if key.kinds and other.kinds and key.kinds != other.kinds:
        return 0
    if not key.words and not other.words:
        return 100  # numbers only ("Block 4, 12"), and the same numbers
    return round(fuzz.ratio(key.words, other.words))


def phone_tail(phone_number):
    """The last PHONE_TAIL_DIGITS digits of a phone number ("" if it has fewer)."""
    digits = "".join(char for char in str(phone_number or "") if char.isdigit())
    return digits[-PHONE_TAIL_DIGITS:] if len(digits) >= PHONE_TAIL_DIGITS else ""


@dataclass(frozen=True)
class Registration:
    """One registration as the rule sees it: what was typed, and its keys."""

    family_name: str
    primary_contact_name: str
    address: str
    city: str
    phone_number: str
    family_size: int | None = None

    @cached_property
    def family_key(self):
        return name_key(self.family_name)

    @cached_property
    def contact_key(self):
        return name_key(self.primary_contact_name)

    @cached_property
    def city_key(self):
        return city_key(self.city)

    @cached_property
    def address_key(self):
        return address_key(self.address, self.city)

    @cached_property
    def phone_tail(self):
        return phone_tail(self.phone_number)


@dataclass(frozen=True)
class Verdict:
    score: int
    evidence: tuple


SAME_FAMILY_NAME = gettext_noop("same family name (%(name)s)")
ALIKE_FAMILY_NAMES = gettext_noop("family name %(percent)s%% alike (%(name)s / %(other)s)")
SAME_CONTACT_NAME = gettext_noop("same contact name (%(name)s)")
ALIKE_CONTACT_NAMES = gettext_noop("contact name %(percent)s%% alike (%(name)s / %(other)s)")
SAME_ADDRESS = gettext_noop("same address in %(city)s")
ALIKE_ADDRESSES = gettext_noop("address %(percent)s%% alike in %(city)s (%(address)s / %(other)s)")
SAME_PHONE_TAIL = gettext_noop("phones end in the same %(digits)s digits (…%(tail)s)")
SAME_FAMILY_SIZE = gettext_noop("same family size (%(size)s)")
# Every sentence of a pair's evidence, and what replaces them once a household of the
# pair is anonymised.
EVIDENCE = StoredSentences(
    SAME_FAMILY_NAME,
    ALIKE_FAMILY_NAMES,
    SAME_CONTACT_NAME,
    ALIKE_CONTACT_NAMES,
    SAME_ADDRESS,
    ALIKE_ADDRESSES,
    SAME_PHONE_TAIL,
    SAME_FAMILY_SIZE,
    ERASED,
)


def _names_sentence(templates, raw, other_raw, similarity):
    same, alike = templates
    if fold(raw) == fold(other_raw):
        return EVIDENCE.write(same, name=raw.strip())
    return EVIDENCE.write(alike, percent=similarity, name=raw.strip(), other=other_raw.strip())


def judge(registration, other):
    """Return the Verdict if `registration` may be `other` (see the module), else None."""
    family = name_similarity(registration.family_key, other.family_key)
    if family < NAME_THRESHOLD:
        return None
    contact = name_similarity(registration.contact_key, other.contact_key)
    if contact < NAME_THRESHOLD:
        return None
    tail = registration.phone_tail
    same_tail = bool(tail) and tail == other.phone_tail
    address = 0
    city = registration.city_key
    if city and city == other.city_key:
        address = address_similarity(registration.address_key, other.address_key)
    if not same_tail and address < ADDRESS_THRESHOLD:
        return None

    evidence = [
        _names_sentence(
            (SAME_FAMILY_NAME, ALIKE_FAMILY_NAMES),
            registration.family_name,
            other.family_name,
            family,
        ),
        _names_sentence(
            (SAME_CONTACT_NAME, ALIKE_CONTACT_NAMES),
            registration.primary_contact_name,
            other.primary_contact_name,
            contact,
        ),
    ]
    if address >= ADDRESS_THRESHOLD:
        where = other.city.strip()
        if fold(registration.address) == fold(other.address):
            evidence.append(EVIDENCE.write(SAME_ADDRESS, city=where))
        else:
            evidence.append(
                EVIDENCE.write(
                    ALIKE_ADDRESSES,
                    percent=address,
                    city=where,
                    address=registration.address.strip(),
                    other=other.address.strip(),
                )
            )
    if same_tail:
        evidence.append(EVIDENCE.write(SAME_PHONE_TAIL, digits=PHONE_TAIL_DIGITS, tail=tail))
    size = registration.family_size
    if size is not None and size == other.family_size:
        evidence.append(EVIDENCE.write(SAME_FAMILY_SIZE, size=size))
    corroboration = max(address, 100 if same_tail else 0)
    return Verdict(score=round((family + contact + corroboration) / 3), evidence=tuple(evidence))


@lru_cache(maxsize=2**16)
def family_initials(key):
    """The first letters of a family-name key's words: the matcher's finest block."""
    return tuple(sorted({word[0] for word in key.split()})) or ("",)
