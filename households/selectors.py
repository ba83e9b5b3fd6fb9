"""Reads over households: the search field workers use to find a family, card scans,
imports and the review queue of possible duplicates."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from audit.models import HouseholdChange
from core.params import parse_id

from .import_models import HouseholdImport, ImportStatus
from .models import CARD_ALPHABET, CARD_CODE_LENGTH, Household, HouseholdCard, PossibleDuplicate
from .phones import normalize_phone

ORDER = ("family_name", "id")  # Household.Meta.ordering: what every list of households shows


# The households no lawful basis for processing is recorded for (anonymised ones hold
# no personal data any more).
LACKS_BASIS = Q(processing_basis__isnull=True, anonymised_at__isnull=True)


def search_households(query, *, lacking_basis=False):
    """Find households by id ("#123" or "123"), phone number in any spelling, or name prefix.

    A family name or a contact name starting with `query` matches, in any case. An empty
    query finds every household; `lacking_basis` keeps those with no basis for
    processing recorded. The result is a `HouseholdSearch`, ordered by family name then
    id, which pages, counts and slices like a queryset.
    """
    query = (query or "").strip()[:100]
    only = LACKS_BASIS if lacking_basis else Q()
    if not query:
        return HouseholdSearch([(only, None)])
    branches = [
        (Q(family_name__istartswith=query), "idx_household_family_name"),
        (Q(primary_contact_name__istartswith=query), "idx_household_contact_family"),
    ]
    household_id = parse_id(query)
    if household_id is not None:
        branches.append((Q(pk=household_id), None))  # primary key
    if sum(ch.isdigit() for ch in query) >= 7:
        with contextlib.suppress(ValidationError):  # not a phone number after all
            branches.append((Q(phone_number=normalize_phone(query)), None))  # unique key
    return HouseholdSearch([(condition & only, index) for condition, index in branches])


class HouseholdSearch:
    """The households one search finds, read a page at a time (a deferred join).

    Why not one queryset: `WHERE family_name LIKE 'ab%' OR primary_contact_name LIKE 'ab%'
    OR household_id = ... ORDER BY family_name, id LIMIT 25` reads every matching row
    before sorting, even with an index on each name: 1.2 to 6.6 s on a million
    households (docs/BENCHMARKS.md, "Household search"). Instead, each branch of the OR
    is its own query, answered by one index:

    - a page: each branch takes the (family_name, id) of its first offset + limit
      matches, in order, from its index alone; the UNION of those, ordered and sliced,
      is the page's ids, and only those rows are read, by primary key;
    - the count: each branch counts the households that no earlier branch matched, so
      the counts add up without de-duplicating a UNION.

    Only what the views and Paginator use is offered: count(), slicing, iteration,
    and order_by() with the one order there is.
    """

    model = Household
    ordered = True

    def __init__(self, branches, using=DEFAULT_DB_ALIAS):
        self._branches = branches  # [(Q, name of the index that answers it, or None)]
        self._using = using
        self._count = None

    def order_by(self, *fields):
        if fields and fields not in (ORDER, ("family_name", "pk")):
            raise ValueError(f"Household search is ordered by {ORDER} only, not {fields}.")
        return self

    def count(self):
        if self._count is None:
            total, earlier = 0, []
            for condition, _index in self._branches:
                households = Household.objects.using(self._using).filter(condition)
                for previous in earlier:
                    households = households.exclude(previous)
                total += households.count()
                earlier.append(condition)
            self._count = total
        return self._count

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[: self.count()])

    def __getitem__(self, key):
        if isinstance(key, int):
            if key < 0:
                raise ValueError("Negative indexing is not supported.")
            rows = self._page(key, 1)
            if not rows:
                raise IndexError("Household search index out of range.")
            return rows[0]
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("Household search takes an index or a slice without a step.")
        start = key.start or 0
        stop = self.count() if key.stop is None else key.stop
        if start < 0 or stop < 0:
            raise ValueError("Negative indexing is not supported.")
        return self._page(start, stop - start)

    def _page(self, offset, limit):
        """Return the households at positions offset to offset + limit, in order."""
        if limit <= 0:
            return []
        connection = connections[self._using]
        parts, params = [], []
        for number, (condition, index) in enumerate(self._branches):
            branch = (
                Household.objects.using(self._using)
                .filter(condition)
                .order_by(*ORDER)
                .values_list(*ORDER)[: offset + limit]
            )
            sql, branch_params = branch.query.get_compiler(using=self._using).as_sql()
            if index and connection.vendor == "mysql":
                sql = _force_index(sql, index, connection)
            parts.append(f"SELECT * FROM ({sql}) AS branch{number}")
            params.extend(branch_params)
        sql = " UNION ".join(parts) + f" ORDER BY 1, 2 LIMIT {int(limit)} OFFSET {int(offset)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [pk for _family_name, pk in cursor.fetchall()]
        rows = Household.objects.using(self._using).in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]  # a row deleted in between is skipped


def _force_index(sql, index, connection):
    """Make MySQL/MariaDB read a name branch from `index`.

    Left to itself, MariaDB answers `primary_contact_name LIKE 'ab%' ORDER BY family_name
    LIMIT n` for a common prefix by walking idx_household_family_name in order and reading
    each row until n match: fast if matches are spread evenly over family names, a scan of
    most of the table if they are not (contact names that start with the family name).
    The branch's own index gives every match from the index alone, then sorts them.
    """
    table = connection.ops.quote_name(Household._meta.db_table)
    return sql.replace(
        f"FROM {table}", f"FROM {table} FORCE INDEX ({connection.ops.quote_name(index)})", 1
    )


UNKNOWN_CARD_MESSAGE = _("No household card has this code. Check the code, or search by name.")
REVOKED_CARD_MESSAGE = _(
    "This card was revoked on %(date)s at %(time)s, when a new card was issued. "
    "Ask for the new card, or search the household by name."
)


def normalize_card_code(code):
    """The code as stored: capitals, without the spaces and dashes people type or print."""
    return "".join(str(code or "").split()).replace("-", "").upper()


def household_for_card(code):
    """The household whose valid card has `code` (any case, with or without dashes).

    Raises HouseholdCard.DoesNotExist for an unknown code, or for a revoked card with
    a message that says when it was revoked.
    """
    code = normalize_card_code(code)
    if len(code) != CARD_CODE_LENGTH or set(code) - set(CARD_ALPHABET):
        raise HouseholdCard.DoesNotExist(UNKNOWN_CARD_MESSAGE)
    card = HouseholdCard.objects.select_related("household").filter(code=code).first()
    if card is None:
        raise HouseholdCard.DoesNotExist(UNKNOWN_CARD_MESSAGE)
    if card.revoked_at is not None:
        revoked = timezone.localtime(card.revoked_at)
        raise HouseholdCard.DoesNotExist(
            REVOKED_CARD_MESSAGE
            % {
                "date": date_format(revoked, "DATE_FORMAT"),
                "time": date_format(revoked, "TIME_FORMAT"),
            }
        )
    return card.household


def current_card(household):
    """The household's valid card, or None."""
    return household.cards.filter(revoked_at__isnull=True).first()


def imports_for(staff):
    """The bulk registrations `staff` may see: their center's, or all for an admin."""
    return HouseholdImport.objects.restrict(staff).defer("content")


def import_result_rows(job, verdict=""):
    """The rows of the job's current phase (the preview, or the import once confirmed)."""
    rows = job.rows.filter(phase=job.phase).order_by("row")
    return rows.filter(verdict=verdict) if verdict else rows


def previous_imports_of_file(job):
    """Earlier completed imports of the same file (same bytes): importing it again
    registers nothing new, and the page says so."""
    return (
        HouseholdImport.objects.filter(file_sha256=job.file_sha256, status=ImportStatus.DONE)
        .exclude(pk=job.pk)
        .defer("content")
        .select_related("uploaded_by")
        .order_by("-finished_at")
    )


def inactive_households(*, since):
    """Households not anonymised with no activity since `since`: registered, changed,
    verified and successfully served (voided or not: it was contact) only before it.

    The distribution log is read through its reverse relation, so this app imports
    nothing of the distribution app above it.
    """
    logs = Household._meta.get_field("distribution_logs").related_model
    served = logs.objects.filter(
        household=OuterRef("pk"), transaction_status="success", distribution_date__gte=since
    )
    changed = HouseholdChange.objects.filter(household=OuterRef("pk"), created_at__gte=since)
    return (
        Household.objects.filter(
            anonymised_at__isnull=True, created_at__lt=since, updated_at__lt=since
        )
        .exclude(last_verified_date__gte=since.date())
        .exclude(Exists(served))
        .exclude(Exists(changed))
        .order_by("pk")
    )


# --- Possible duplicates ---------------------------------------------------------


def review_queue():
    """The open pairs, best first, with both households.

    Households are shared by every center, so a manager reviews every pair, as an
    admin does.
    """
    return (
        PossibleDuplicate.objects.filter(status=PossibleDuplicate.Status.OPEN)
        .select_related("household_a", "household_b")
        .order_by("-score", "id")
    )


def served_counts(household_ids):
    """Served distributions (successful, not voided) per household id, in one query.

    Read through the audit log's reverse relation, so this app imports nothing of
    the distribution app above it.
    """
    served = Q(
        distribution_logs__transaction_status="success", distribution_logs__void__isnull=True
    )
    return dict(
        Household.objects.filter(pk__in=household_ids)
        .annotate(served=Count("distribution_logs", filter=served))
        .values_list("pk", "served")
    )
