"""Possible duplicates in the registry: found in batches, and queued for a manager.

The rule is households.matching's; this module reads the registry so that a batch of
registrations (an import of 100,000 rows) or the whole registry is matched in
seconds, not hours. Registered households are met in blocks that a pair must share
anyway: the city, the address numbers (the rule's address branch needs the same
numbers) and a first letter of a family-name word. Inside a block rapidfuzz
compares the family-name keys, and only the pairs that pass are judged in full.

How the registry is read depends on how much of it the candidates' cities hold. A
city with few candidates (a registration) is not read whole: its distinct family
names come from the (city, family_name) index, and only the households whose family
name is alike a candidate's are read. Cities holding most of the registry (a large
import) are read in one pass over the table in primary-key order, only the columns
the rule needs; other cities a group at a time. The phone branch reads the indexed
`phone_tail` column. An import finds the rows the address branch may pass
(`registry_neighbours`) from its file's values as typed, while the rows are still
being checked, and judges them once they are (`best_matches`); the earlier rows of
the file are met the same way in memory (`EarlierRegistrations`).

On a 1,000,000-household registry of the load data (MariaDB, 2 shared cores): the
pass for 100,000 candidates takes 15 to 30 s (most of it reading the table, while the
rows are checked), one registration about 0.1 s, and `scan_registry` about 20 s with
a peak of about 350 MB.

A candidate is compared with registered households that are not confirmed
duplicates (a confirmed duplicate is represented by the household it duplicates).
Known limits, by design of the blocks: a typo in the first letter of every word of
the family name, or in a house number, is found only through the phone.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain, islice

from django.db import transaction
from django.db.models import Count
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from .matching import (
    NAME_THRESHOLD,
    Registration,
    address_numbers,
    city_key,
    family_initials,
    judge,
    name_key,
    name_similarity,
)
from .models import Household, PossibleDuplicate

MAX_MATCHES = 5
# Up to this many candidates in a city, only the households with an alike family
# name are read; more, and reading the whole city once is cheaper.
FEW_IN_CITY = 200
CHUNK = 5000
# Rows per query of the import's pass over the whole registry.
PASS_CHUNK = 10_000
BATCH = 1000
# Big batches and the scan read the registry a group of cities at a time, about this
# many households per query.
SCAN_GROUP = 300_000
COLUMNS = (
    "id",
    "family_name",
    "primary_contact_name",
    "address",
    "city",
    "phone_number",
    "family_size",
)
ID, FAMILY, CONTACT, ADDRESS, CITY, PHONE, SIZE = range(len(COLUMNS))
# rapidfuzz's raw ratio before rounding; judge() rounds, so let 84.5 through.
FAMILY_CUTOFF = NAME_THRESHOLD - 0.5


@dataclass(frozen=True)
class Candidate(Registration):
    """A registration as the matcher sees it (the phone number in E.164)."""

    @classmethod
    def of(cls, household):
        return cls(
            family_name=household.family_name,
            primary_contact_name=household.primary_contact_name,
            address=household.address,
            city=household.city,
            phone_number=household.phone_number,
            family_size=household.family_size,
        )


@dataclass(frozen=True)
class Match:
    household_id: int
    score: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ScanResult:
    households: int  # registered households compared (confirmed duplicates left out)
    pairs: int  # possible duplicates found
    new: int  # queued by this scan (0 on a dry run)
    known: int  # found but already queued or decided (dismissed pairs stay dismissed)
    seconds: float


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _registry():
    """The households a registration may duplicate: all but confirmed duplicates and
    anonymised households (nothing of theirs is left to compare)."""
    return Household.objects.filter(duplicate_of__isnull=True, anonymised_at__isnull=True)


def _registration(row):
    return Registration(*row[FAMILY : SIZE + 1])


def _city_spellings():
    """The registry's spellings of each city, by city key (read from the city index)."""
    spellings = defaultdict(set)
    for city in Household.objects.order_by().values_list("city", flat=True).distinct():
        spellings[city_key(city)].add(city)
    return spellings


def _rows(queryset):
    return queryset.order_by().values_list(*COLUMNS).iterator(chunk_size=CHUNK)


def _alike_rows(spellings, candidates):
    """The rows of one city whose family name is alike one of a few candidates'.

    The city's distinct family names come from the (city, family_name) index; only
    the households bearing an alike one are read.
    """
    names = defaultdict(list)  # family-name key -> the spellings registered
    distinct = Household.objects.filter(city__in=spellings).order_by()
    for name in distinct.values_list("family_name", flat=True).distinct():
        names[name_key(name)].append(name)
    keys = list(names)
    alike = set()
    for candidate in candidates:
        hits = process.extract(
            candidate.family_key, keys, scorer=fuzz.ratio, score_cutoff=FAMILY_CUTOFF, limit=None
        )
        for key, _score, _position in hits:
            alike.update(names[key])
    in_city = _registry().filter(city__in=spellings)
    for batch in _batches(sorted(alike), BATCH):
        yield from _rows(in_city.filter(family_name__in=batch))


def _blocks(key, numbers):
    return [(numbers, initial) for initial in family_initials(key)]


@dataclass
class _CityBlocks:
    """The candidates of one city by block: {address numbers: {initial: [indexes]}}."""

    indexes: list = field(default_factory=list)
    blocks: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))


def possible_duplicates(candidates, *, exclude_ids=()):
    """For each candidate, the registered (not confirmed-duplicate) households it may
    duplicate, best first, at most MAX_MATCHES; a list of Match lists, in order.

    `exclude_ids` are never matched (the household a candidate was just saved as).
    A registered household with the candidate's very phone number is no possible
    duplicate: the unique phone number refuses it outright.
    """
    candidates = list(candidates)
    if not candidates:
        return []
    by_address = registry_neighbours(candidates)
    by_phone = phone_neighbours(candidates)
    exclude = set(exclude_ids)
    return [
        best_matches(candidate, chain(by_address[index], by_phone[index]), exclude)
        for index, candidate in enumerate(candidates)
    ]


def best_matches(candidate, rows, exclude=frozenset()):
    """The Matches of `candidate` among registered `rows` (its neighbours, as read by
    `registry_neighbours` and `phone_neighbours`), best first, at most MAX_MATCHES."""
    found = {}  # household id -> Verdict
    for row in rows:
        household_id = row[ID]
        if household_id in exclude or household_id in found:
            continue
        if row[PHONE] == candidate.phone_number:
            continue
        verdict = judge(candidate, _registration(row))
        if verdict is not None:
            found[household_id] = verdict
    ranked = sorted(found.items(), key=lambda item: (-item[1].score, item[0]))
    return [
        Match(household_id, verdict.score, verdict.evidence)
        for household_id, verdict in ranked[:MAX_MATCHES]
    ]


def registry_neighbours(registrations):
    """{index: registered rows} that share an address block with each registration
    (its city, its address numbers and a first letter of its family name) and have an
    alike family name: the rows the address branch of the rule may pass.

    Only the registrations' family names, addresses and cities are read, so a file's
    rows can be met with the registry while they are still being checked.
    """
    neighbours = defaultdict(list)
    _match_by_address(registrations, lambda index, row: neighbours[index].append(row))
    return neighbours


def phone_neighbours(candidates, *, exclude_ids=()):
    """{index: registered rows} whose phone ends as each candidate's, less `exclude_ids`."""
    neighbours = defaultdict(list)
    exclude = set(exclude_ids)

    def consider(index, row):
        if row[ID] not in exclude:
            neighbours[index].append(row)

    _match_by_phone(candidates, consider)
    return neighbours


def _match_by_address(candidates, consider):
    """Compare the candidates with the registered households of their cities.

    A city with few candidates reads its alike family names only; the other cities
    are read whole (see `_rows_of_cities`), keeping no rows, only the candidates'
    blocks.
    """
    by_city = defaultdict(_CityBlocks)
    for index, candidate in enumerate(candidates):
        if candidate.city_key and not candidate.address_key.empty:
            city = by_city[candidate.city_key]
            city.indexes.append(index)
            by_initial = city.blocks[candidate.address_key.numbers]
            for initial in family_initials(candidate.family_key):
                by_initial[initial].append(index)
    if not by_city:
        return
    spellings = _city_spellings()
    many = {}
    for key, city in by_city.items():
        if key not in spellings:
            continue  # nobody is registered in that city
        if len(city.indexes) > FEW_IN_CITY:
            many[key] = city
            continue
        rows = _alike_rows(spellings[key], [candidates[index] for index in city.indexes])
        _compare(rows, {key: city}, candidates, consider)
    if many:
        _compare(_rows_of_cities(many), many, candidates, consider)


def _rows_of_cities(keys):
    """The registered rows of the cities keyed in `keys`.

    Cities holding most of the registry are read in one pass over the whole table in
    primary-key order (`_registry_in_key_order`); asked for by city, MariaDB scans the
    whole table once per group of cities, or reads the rows one by one through the
    city index. Smaller cities are read by city, a group at a time.
    """
    sizes = _city_sizes()
    wanted = sum(sizes[key].households for key in keys if key in sizes)
    if wanted * 2 > sum(size.households for size in sizes.values()):
        yield from _registry_in_key_order()
        return
    for group in _city_groups(sizes, only=keys):
        in_group = [spelling for spellings in group.values() for spelling in spellings]
        yield from _rows(_registry().filter(city__in=in_group))


def _registry_in_key_order():
    """The rows of `_registry()`, PASS_CHUNK at a time in primary-key order: one
    sequential pass, with a bounded client buffer.

    Confirmed duplicates are left out here rather than in SQL: asked for
    `duplicate_of IS NULL`, MariaDB walks that index and reads each row apart, ten
    times slower than the primary key's range. Each row carries `duplicate_of_id`
    last, which the matcher ignores.
    """
    last = 0
    registry = Household.objects.filter(anonymised_at__isnull=True).order_by("pk")
    registry = registry.values_list(*COLUMNS, "duplicate_of_id")
    while True:
        chunk = list(registry.filter(pk__gt=last)[:PASS_CHUNK])
        for row in chunk:
            if row[-1] is None:
                yield row
        if len(chunk) < PASS_CHUNK:
            return
        last = chunk[-1][ID]


def _compare(rows, cities, candidates, consider):
    """Compare each row with the candidates of its blocks (family names alike first)."""
    family_keys = [candidate.family_key for candidate in candidates]
    for row in rows:
        city = cities.get(city_key(row[CITY]))
        if city is None:
            continue  # another city that the database's collation finds equal
        by_initial = city.blocks.get(address_numbers(row[ADDRESS]))
        if by_initial is None:
            continue
        key = name_key(row[FAMILY])
        for initial in family_initials(key):
            for index in by_initial.get(initial, ()):
                if fuzz.ratio(family_keys[index], key, score_cutoff=FAMILY_CUTOFF):
                    consider(index, row)


def _match_by_phone(candidates, consider):
    by_tail = defaultdict(list)
    for index, candidate in enumerate(candidates):
        if candidate.phone_tail:
            by_tail[candidate.phone_tail].append(index)
    for tails in _batches(by_tail, BATCH):
        rows = _registry().filter(phone_tail__in=tails).order_by()
        for row in rows.values_list(*COLUMNS, "phone_tail"):
            for index in by_tail.get(row[-1], ()):
                consider(index, row)


def record_possible_duplicates(*, household, matches):
    """Queue the pairs of `household` and each match's household, skipping any pair
    already known (open, dismissed or confirmed); return how many were new."""
    return record_pairs((household.pk, match.household_id, match) for match in matches)


def record_pairs(pairs):
    """Queue each (household id, other household id, Match) of `pairs` as a pair, lower
    id first, unless it is known already (open, dismissed or confirmed); return how
    many were new. One query reads the known pairs, one inserts the new ones."""
    found = {}
    for household_id, other_id, match in pairs:
        if household_id != other_id:
            found.setdefault(tuple(sorted((household_id, other_id))), match)
    if not found:
        return 0
    firsts = {first for first, _second in found}
    known = PossibleDuplicate.objects.filter(household_a_id__in=firsts)
    seen = set(known.values_list("household_a", "household_b"))
    return _queue({pair: match for pair, match in found.items() if pair not in seen})


def _queue(pairs):
    """Insert the pairs (a Match or Verdict each); one racing in first is kept as it is."""
    rows = [
        PossibleDuplicate(
            household_a_id=first,
            household_b_id=second,
            score=match.score,
            evidence="\n".join(match.evidence),
        )
        for (first, second), match in pairs.items()
    ]
    with transaction.atomic():
        PossibleDuplicate.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def queue_duplicates_of(household):
    """Match a household just registered against the registry and queue what it finds.

    Returns its matches, best first.
    """
    (matches,) = possible_duplicates([Candidate.of(household)], exclude_ids={household.pk})
    record_possible_duplicates(household=household, matches=matches)
    return matches


class EarlierRegistrations:
    """Registrations met so far (a file's earlier rows), to find those a new one may
    duplicate: the registry's rule and blocks, in memory.

    A registration is compared with the earlier ones of its blocks whose family name is
    alike (as `_compare` meets registered rows) and with those whose phone ends the
    same; the rule judges it as the later registration.
    """

    def __init__(self):
        self._blocks = defaultdict(
            list
        )  # (city key, address numbers, initial) -> [(key, registration)]
        self._tails = defaultdict(list)  # phone ending -> [(key, registration)]

    def add(self, key, registration):
        if registration.city_key:
            numbers = registration.address_key.numbers
            for block in _blocks(registration.family_key, numbers):
                self._blocks[(registration.city_key, *block)].append((key, registration))
        if registration.phone_tail:
            self._tails[registration.phone_tail].append((key, registration))

    def matches(self, registration):
        """[(key, Verdict)] of the earlier registrations `registration` may duplicate,
        best first, at most MAX_MATCHES."""
        others = []
        if registration.city_key and not registration.address_key.empty:
            family = registration.family_key
            for block in _blocks(family, registration.address_key.numbers):
                for key, other in self._blocks.get((registration.city_key, *block), ()):
                    if fuzz.ratio(family, other.family_key, score_cutoff=FAMILY_CUTOFF):
                        others.append((key, other))
        if registration.phone_tail:
            others.extend(self._tails.get(registration.phone_tail, ()))
        found = {}
        for key, other in others:
            if key in found or other.phone_number == registration.phone_number:
                continue
            verdict = judge(registration, other)
            if verdict is not None:
                found[key] = verdict
        return sorted(found.items(), key=lambda item: (-item[1].score, item[0]))[:MAX_MATCHES]


# --- The whole registry ------------------------------------------------------------


def scan_registry(*, progress=None, dry_run=False):
    """Find the possible duplicates among all registered households and queue the new
    pairs (none on a dry run). Pairs already known, dismissed ones included, are
    never queued again. `progress` is called with a line of text per city."""
    started = time.monotonic()
    say = progress or (lambda line: None)
    found = {}  # (lower id, higher id) -> Verdict
    households = 0

    def consider(row, other):
        earlier, later = sorted((row, other))  # judge the later registration
        pair = (earlier[ID], later[ID])
        if pair in found or earlier[PHONE] == later[PHONE]:
            return
        contacts = name_similarity(name_key(earlier[CONTACT]), name_key(later[CONTACT]))
        if contacts < NAME_THRESHOLD:
            return  # most pairs of a block end here, before the full rule
        verdict = judge(_registration(later), _registration(earlier))
        if verdict is not None:
            found[pair] = verdict

    for group in _city_groups(_city_sizes()):
        cities = _read_cities(group)
        for name, rows in (cities[key] for key in sorted(cities)):
            households += len(rows)
            _scan_city(rows, consider)
            say(f"{name}: {len(rows)} households, {len(found)} possible duplicates so far")
    _scan_phone_tails(consider)
    say(f"Phone numbers: {len(found)} possible duplicates in all")

    seen = set(PossibleDuplicate.objects.values_list("household_a", "household_b"))
    new = {pair: verdict for pair, verdict in found.items() if pair not in seen}
    queued = 0 if dry_run else _queue(new)
    return ScanResult(
        households=households,
        pairs=len(found),
        new=queued,
        known=len(found) - len(new),
        seconds=time.monotonic() - started,
    )


@dataclass
class _CitySize:
    households: int
    spellings: set


def _city_sizes():
    """{city key: _CitySize} of the registry, counted on the city index."""
    sizes = defaultdict(lambda: _CitySize(0, set()))
    counts = Household.objects.order_by().values_list("city").annotate(households=Count("id"))
    for city, count in counts:
        size = sizes[city_key(city)]
        size.households += count
        size.spellings.add(city)
    return sizes


def _city_groups(sizes, only=None):
    """The cities of `sizes` (or those keyed in `only`) as {city key: spellings}, in
    groups of about SCAN_GROUP households: each group is read in one query (a few
    passes over a big registry, not one per city), and the database client buffers
    one group's rows at a time (MySQL's client reads a whole result)."""
    group, size = {}, 0
    for key in sorted(sizes):
        if only is not None and key not in only:
            continue
        if group and size + sizes[key].households > SCAN_GROUP:
            yield group
            group, size = {}, 0
        group[key] = sizes[key].spellings
        size += sizes[key].households
    if group:
        yield group


def _read_cities(group):
    """{city key: (a spelling, [rows])} of one group's registered households."""
    cities = {key: (min(spellings), []) for key, spellings in group.items()}
    in_group = [spelling for spellings in group.values() for spelling in spellings]
    for row in _rows(_registry().filter(city__in=in_group)):
        city = cities.get(city_key(row[CITY]))
        if city is not None:
            city[1].append(row)
    return cities


def _scan_city(rows, consider):
    """Compare the households of one city, block by block."""
    blocks = defaultdict(lambda: defaultdict(list))  # block -> family key -> rows
    for row in rows:
        numbers = address_numbers(row[ADDRESS])
        if not numbers and not row[ADDRESS].strip():
            continue
        key = name_key(row[FAMILY])
        for block in _blocks(key, numbers):
            blocks[block][key].append(row)
    for by_key in blocks.values():
        if len(by_key) == 1:
            (same,) = by_key.values()
            _all_pairs(same, same, consider)
            continue
        keys = list(by_key)
        for position, key in enumerate(keys):
            hits = process.extract(
                key, keys, scorer=fuzz.ratio, score_cutoff=FAMILY_CUTOFF, limit=None
            )
            for other, _score, other_position in hits:
                if other_position >= position:
                    _all_pairs(by_key[key], by_key[other], consider)


def _all_pairs(rows, others, consider):
    """Consider every pair of a row of `rows` and a row of `others` (once, if the same)."""
    for position, row in enumerate(rows):
        for other in others[position + 1 :] if rows is others else others:
            consider(row, other)


def _scan_phone_tails(consider):
    shared = (
        Household.objects.order_by()
        .values("phone_tail")
        .annotate(households=Count("id"))
        .filter(households__gt=1)
        .values_list("phone_tail", flat=True)
    )
    for tails in _batches(list(shared), BATCH):
        by_tail = defaultdict(list)
        rows = _registry().filter(phone_tail__in=tails).order_by()
        for row in rows.values_list(*COLUMNS, "phone_tail"):
            by_tail[row[-1]].append(row)
        for rows in by_tail.values():
            _all_pairs(rows, rows, consider)


POSSIBLE_DUPLICATE_MESSAGE = _("Possible duplicate of %(households)s. A manager will review it.")


def possible_duplicate_message(matches):
    """The warning a registration shows, best match first: "Possible duplicate of #12
    (Hassan, Muhammad Hassan, 12 Mill St). A manager will review it." """
    rows = Household.objects.filter(pk__in=[match.household_id for match in matches])
    described = {
        pk: gettext("#%(number)s (%(family_name)s, %(contact)s, %(address)s)")
        % {"number": pk, "family_name": family, "contact": contact, "address": address}
        for pk, family, contact, address in rows.values_list(
            "pk", "family_name", "primary_contact_name", "address"
        )
    }
    names = [
        described.get(match.household_id, gettext("#%(number)s") % {"number": match.household_id})
        for match in matches
    ]
    households = get_text_list(names, gettext("and"))
    return POSSIBLE_DUPLICATE_MESSAGE % {"households": households}
