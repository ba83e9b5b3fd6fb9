"""Bulk registration: households from a CSV or XLSX file, each row checked as the
registration form checks it.

The check reads every row through the registration form (`ImportHouseholdForm`) with
no transaction open, finds the rows whose phone number is already registered (in any
spelling) or earlier in the file, and the rows that look like a household already
registered or an earlier row of the file (possible duplicates, which are registered
and queued for a manager's review). A large file is checked by worker processes while
this one reads the registry for the possible duplicates (see `check_rows`).

The write saves the new rows a batch at a time as soon as the check has given their
verdicts, each batch one short transaction that checks the phone numbers again
(someone may have registered one since) and inserts the lot at once; the workers
meanwhile check the rows after it. A phone number already registered makes the row a
duplicate, so running the same file twice registers each family once.

The verdicts' messages are written in the language of whoever started the step (the
background worker runs it in theirs, households.tasks) and kept so: they quote the
form's own messages, which no lookup could translate later. The column names they
mention are the file's, the same in every language.
"""

import multiprocessing
import os
from collections import ChainMap
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from itertools import chain, islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.forms.models import construct_instance
from django.utils import translation
from django.utils.translation import gettext

from centers import policies
from core.db.retry import atomic_with_retries

from .duplicates import (
    Candidate,
    EarlierRegistrations,
    best_matches,
    phone_neighbours,
    record_pairs,
    registry_neighbours,
)
from .forms import HouseholdForm
from .import_files import COLUMNS, ImportRefused, SheetRow, cell_text, parse_rows, read_rows
from .matching import EVIDENCE, Registration
from .models import Household
from .phones import normalize_phone
from .services import register_households

__all__ = [
    "COLUMNS",
    "ImportRefused",
    "SheetRow",
    "cell_text",
    "check_rows",
    "find_importer",
    "import_rows",
    "parse_rows",
    "read_rows",
]

# Rows per write transaction: the rows are checked before it opens, so a batch holds
# its locks (on SQLite, the whole database's) for one multi-row INSERT, a few
# milliseconds; registrations at the desk meanwhile hardly wait.
BATCH_SIZE = 500
# Rows checked at a time: their phone numbers are looked up in one query, and a worker
# process checks them in one task.
LOOKUP_SIZE = 1000
# A file of this many rows or more is checked by CHECK_PROCESSES worker processes (fewer
# rows take less time to check than starting the processes).
PARALLEL_FROM = 5000
CHECK_PROCESSES = 2
# The fields a checked row's household is rebuilt from (the stored phone_tail is the
# database's to compute).
HOUSEHOLD_FIELDS = tuple(
    field.attname for field in Household._meta.concrete_fields if not field.generated
)


class Verdict(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    ERROR = "error"


REGISTERED = (Verdict.NEW, Verdict.POSSIBLE_DUPLICATE)


@dataclass(frozen=True)
class RowResult:
    """What became of one row: the household it registered or duplicates, or why not."""

    row: int
    verdict: Verdict
    household_id: int | None = None
    message: str = ""


@dataclass(frozen=True)
class RowMatch:
    """An earlier row of the file that a row may duplicate (the same family twice)."""

    row: int
    score: int
    evidence: tuple


@dataclass(frozen=True)
class CheckedRow:
    """A row after the check: its verdict, and for a row to register, the household
    the form built, the registered households it may duplicate (Match) and the earlier
    rows of the file it may duplicate (RowMatch)."""

    result: RowResult
    household: Household | None = None
    matches: tuple = ()
    same_as_row: int | None = None
    rows_alike: tuple = ()


@dataclass(frozen=True)
class FormCheck:
    """What the registration form made of one row: its complaints in one line, the
    phone number as stored (None when it is no phone number) and, for a valid row,
    the household's field values."""

    errors: str
    phone: str | None
    values: dict | None = None


class ImportHouseholdForm(HouseholdForm):
    """The registration form, minus the two checks the bulk import makes for a whole
    batch at once.

    The phone number's uniqueness is looked up for many rows per query (and
    enforced again by the unique index at the insert). The model's CHECK
    constraints are not evaluated row by row in Python (a query each, five per row):
    every one of them has a field-level twin in this form with the same message
    (a family size of at least 1, the choices, the length of the notes), and the
    database enforces them again at the insert. The basis for processing may be left
    out (optional columns): those households are flagged until someone records it.
    """

    basis_required = False

    def _post_clean(self):
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self._update_errors(error)

    def check(self, values):
        """Bind this form afresh to one row's `values` and validate them.

        Building a form deep-copies its fields, which costs more than validating a
        row; a file is checked with one form bound again to each row: the same fields,
        widgets and model validation, with a new instance and new errors each time.
        The bound fields are kept from row to row: they read the data bound when
        they are asked for it. A language code may be typed in capitals ("FR" is fr).
        """
        self.data = {**values, "preferred_language": values.get("preferred_language", "").lower()}
        self.is_bound = True
        self._errors = None
        self.instance = Household()
        return self.is_valid()


# ------------------------------------------------------------------------ the importer


def find_importer(username):
    """The staff member who registers the file's households, asked the same policy
    as the registration page, so the command cannot do what its user could not."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise ImportRefused(gettext("No login named “%(username)s”.") % {"username": username})
    staff = getattr(user, "staff_member", None)
    if staff is None:
        raise ImportRefused(
            gettext("The login “%(username)s” has no staff record.") % {"username": username}
        )
    if not policies.can_edit_households(staff):
        raise ImportRefused(
            gettext(
                "%(staff)s cannot register households: only active workers, managers and "
                "admins can."
            )
            % {"staff": staff}
        )
    return staff


# ------------------------------------------------------------------------ checking


def check_rows(rows, *, progress=None, ignore_ids=()):
    """Yield the CheckedRow of each row, in file order; save nothing.

    The rows are checked LOOKUP_SIZE at a time. A large file is checked by worker
    processes (`_form_checks`) while this process reads the registry once for the
    rows' possible duplicates (`registry_neighbours`, from the values as typed; the
    rule then judges the checked households). `progress(done)` is called after each
    LOOKUP_SIZE rows. `ignore_ids` are households the phone-ending look-up leaves out:
    those the caller has registered from earlier rows since the check began, which a
    row meets as rows of the file.
    """
    rows = list(rows)
    earlier = {}  # E.164 number -> the RowResult of the first row registering it
    alike = EarlierRegistrations()  # the earlier rows to register, by block
    with _form_checks(rows) as forms:
        neighbours = registry_neighbours([_typed_registration(row) for row in rows])
        for start in range(0, len(rows), LOOKUP_SIZE):
            chunk = rows[start : start + LOOKUP_SIZE]
            checks = list(islice(forms, len(chunk)))
            registered = registered_phones(check.phone for check in checks if check and check.phone)
            items = []
            for row, check in zip(chunk, checks, strict=True):
                item = _check(row, check, earlier, registered)
                if item.result.verdict == Verdict.NEW:
                    earlier[check.phone] = item.result
                items.append(item)
            indexes = range(start, start + len(chunk))
            yield from _with_possible_duplicates(items, indexes, neighbours, alike, ignore_ids)
            if progress:
                progress(start + len(chunk))


@contextmanager
def _form_checks(rows):
    """The FormCheck of each row, in order, as an iterator (None for a row refused for
    its shape).

    A file of PARALLEL_FROM rows or more is checked by CHECK_PROCESSES forked worker
    processes, LOOKUP_SIZE rows a task: the form is plain Python and needs no database,
    and the workers run ahead while this process reads the registry and writes
    batches. The results are the same as checking here, in the same order.
    """
    processes = min(CHECK_PROCESSES, os.cpu_count() or 1)
    if len(rows) < PARALLEL_FROM or processes < 2:
        form = ImportHouseholdForm()
        yield (_form_check(form, row) for row in rows)
        return
    language = translation.get_language() or settings.LANGUAGE_CODE
    with ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_checker,
        initargs=(language,),
    ) as pool:
        try:
            chunks = (
                rows[start : start + LOOKUP_SIZE] for start in range(0, len(rows), LOOKUP_SIZE)
            )
            yield chain.from_iterable(pool.map(_check_in_worker, chunks))
        finally:
            pool.shutdown(cancel_futures=True)  # the caller stopped early: drop the rest


_worker_form = None  # a worker process's form, bound to row after row


def _start_checker(language):
    """Set a worker process up: the language of the messages, and its form."""
    global _worker_form
    translation.activate(language)
    _worker_form = ImportHouseholdForm()


def _check_in_worker(rows):
    return [_form_check(_worker_form, row) for row in rows]


def _form_check(form, row):
    """Check one row with `form` (bound to it afresh); None if its shape is wrong."""
    if row.problem:
        return None
    valid = form.check(row.values)
    if "phone_number" in form.errors:
        phone = _e164(row.values["phone_number"])
    else:  # the model's field has normalised it (a second parse costs more than a row)
        phone = form.instance.phone_number
    if not valid:
        return FormCheck(form_errors(form), phone)
    values = {name: getattr(form.instance, name) for name in HOUSEHOLD_FIELDS}
    return FormCheck("", phone, values)


def _typed_registration(row):
    """The row as typed, as the matcher's blocks see it (the form only trims these)."""
    values = row.values
    return Registration(
        family_name=values["family_name"],
        primary_contact_name=values["primary_contact_name"],
        address=values["address"],
        city=values["city"],
        phone_number="",
    )


def registered_phones(phones):
    """{E.164 number: household id} of those of `phones` already registered.

    Asked in plain SQL: the numbers are E.164 already, and a queryset would parse
    each one again as a phone number to prepare it, and compile each on its own
    (together fifty times the cost of the query).
    """
    phones = list(dict.fromkeys(phones))
    found = {}
    table, phone, pk = _names(Household, "phone_number")
    with connection.cursor() as cursor:
        for start in range(0, len(phones), LOOKUP_SIZE):
            chunk = phones[start : start + LOOKUP_SIZE]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {phone}, {pk} FROM {table} WHERE {phone} IN ({marks})", chunk)
            found.update(cursor.fetchall())
    return found


def _names(model, field_name):
    """The quoted table, column of `field_name` and primary-key column of `model`."""
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name).column
    return quote(model._meta.db_table), quote(column), quote(model._meta.pk.column)


def _check(row, check, earlier, registered):
    """One row's verdict. A duplicate is reported as one even when other fields are
    wrong: the family is registered, so correcting the row would not register it."""
    if row.problem:
        return CheckedRow(RowResult(row.number, Verdict.ERROR, message=row.problem))
    phone = check.phone
    first = earlier.get(phone)
    if first is not None:
        message = gettext("Same phone number as row %(row)d.") % {"row": first.row}
        duplicate = _duplicate(row.number, None, message, check.errors)
        return CheckedRow(duplicate, same_as_row=first.row)
    if phone in registered:
        message = registered_message(registered[phone])
        return CheckedRow(_duplicate(row.number, registered[phone], message, check.errors))
    if check.values is None:
        return CheckedRow(RowResult(row.number, Verdict.ERROR, message=check.errors))
    return CheckedRow(RowResult(row.number, Verdict.NEW), household=Household(**check.values))


def _with_possible_duplicates(items, indexes, neighbours, alike, ignore_ids):
    """Mark the rows to register that look like a registered household or an earlier
    row of the file; they are still registered (a manager decides), with the best
    match named in their message (a registered household before an earlier row)."""
    new = [position for position, item in enumerate(items) if item.household is not None]
    candidates = [Candidate.of(items[position].household) for position in new]
    by_phone = phone_neighbours(candidates, exclude_ids=ignore_ids)
    for number, (position, candidate) in enumerate(zip(new, candidates, strict=True)):
        item = items[position]
        rows = chain(neighbours.get(indexes[position], ()), by_phone[number])
        matches = best_matches(candidate, rows)
        rows_alike = tuple(
            RowMatch(row, verdict.score, verdict.evidence)
            for row, verdict in alike.matches(candidate)
        )
        alike.add(item.result.row, candidate)
        if matches:
            message = possible_message(matches[0])
        elif rows_alike:
            message = row_match_message(rows_alike[0])
        else:
            continue
        result = replace(item.result, verdict=Verdict.POSSIBLE_DUPLICATE, message=message)
        items[position] = replace(
            item, result=result, matches=tuple(matches), rows_alike=rows_alike
        )
    return items


def possible_message(match):
    return gettext("Possible duplicate of household #%(number)s: %(evidence)s.") % {
        "number": match.household_id,
        "evidence": "; ".join(EVIDENCE.show(line) for line in match.evidence),
    }


def row_match_message(match):
    return gettext("Possible duplicate of row %(row)d: %(evidence)s.") % {
        "row": match.row,
        "evidence": "; ".join(EVIDENCE.show(line) for line in match.evidence),
    }


def _e164(raw):
    """The phone number as stored (E.164), or None when it is no phone number."""
    try:
        return normalize_phone(raw) if raw.strip() else None
    except ValidationError:
        return None


def registered_message(household_id):
    return gettext(
        "A household with this phone number is already registered. Household #%(number)s."
    ) % {"number": household_id}


def _duplicate(number, household_id, message, others):
    """A duplicate row; the form's other complaints (`others`), if any, follow the reason."""
    if others:
        message = gettext("%(reason)s Also: %(errors)s") % {"reason": message, "errors": others}
    return RowResult(number, Verdict.DUPLICATE, household_id, message)


def form_errors(form):
    """The form's messages in one line, each after its field name, as in
    "email: Enter a valid email address."; the duplicate phone number is left out
    (it is the verdict, not an error)."""
    parts = []
    for field, errors in form.errors.as_data().items():
        for error in errors:
            if field == "phone_number" and error.code == "unique":
                continue
            for message in error:
                parts.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
    return "; ".join(parts)


def _phone_taken(refused):
    """Whether a refusal is the phone number's uniqueness (registered meanwhile)."""
    errors = getattr(refused, "error_dict", {}).get("phone_number", [])
    return any(error.code == "unique" for error in errors)


# ------------------------------------------------------------------------ importing


def import_rows(rows, *, staff, dry_run=False, on_batch=None, progress=None):
    """Yield the RowResult of each row, in file order, one batch at a time.

    Each batch is written as soon as its rows are checked, in one transaction,
    retried whole if it loses a deadlock; a failure mid-file leaves whole batches
    saved, which a second run counts as duplicates. `on_batch(results)` runs inside
    the batch's transaction, so what it records (the portal's progress) commits with
    the households or not at all. A dry run opens no transaction and saves nothing;
    its verdicts are those a real run would give.
    """
    # The households registered so far: a later row meets them as earlier rows of the
    # file, not as registered households.
    registered = set()
    checked = check_rows(rows, progress=progress, ignore_ids=registered)
    # The first registering row of each phone number: a later row naming the same
    # number learns the household it registered once its batch is written.
    first_rows = {}
    iterator = iter(checked)
    while batch := list(islice(iterator, BATCH_SIZE)):
        if dry_run:
            results = [item.result for item in batch]
            if on_batch:
                on_batch(results)
        else:
            write = partial(_write_batch, batch, staff, first_rows, on_batch)
            results = atomic_with_retries(write)
            first_rows.update((result.row, result.household_id) for result in results)
            registered.update(
                result.household_id for result in results if result.verdict in REGISTERED
            )
        yield from results


def _write_batch(batch, staff, first_rows, on_batch):
    """Register the batch's new rows and queue their possible duplicates; return every
    row's final RowResult."""
    to_register = [item for item in batch if item.household is not None]
    taken = registered_phones(item.household.phone_number for item in to_register)
    fresh = [item for item in to_register if item.household.phone_number not in taken]
    outcomes = register_households(
        households=[_unsaved(item.household) for item in fresh], staff=staff
    )
    saved = dict(zip((item.result.row for item in fresh), outcomes, strict=True))
    known, results, pairs = ChainMap({}, first_rows), [], []  # a retried batch starts afresh
    for item in batch:
        result = _outcome(item, taken, saved, known)
        known[result.row] = result.household_id
        results.append(result)
        if result.verdict in REGISTERED:
            pairs.extend(_pairs(item, result.household_id, known))
    record_pairs(pairs)
    if on_batch:
        on_batch(results)
    return results


def _pairs(item, household_id, known):
    """(household, other household, match) of a registered row's possible duplicates:
    the registered households it resembles, and the households its alike earlier rows
    came to (registered, or found registered already)."""
    for match in item.matches:
        yield household_id, match.household_id, match
    for match in item.rows_alike:
        other = known.get(match.row)
        if other is not None:
            yield household_id, other, match


def _unsaved(household):
    """A fresh copy to insert: a retried batch must not reuse ids a rolled-back
    INSERT gave the previous attempt's objects."""
    fields = [field for field in Household._meta.concrete_fields if not field.generated]
    copy = Household(**{field.attname: getattr(household, field.attname) for field in fields})
    copy.pk = None
    return copy


def _outcome(item, taken, saved, known):
    result = item.result
    if item.same_as_row is not None:  # the earlier row's household is known now
        return replace(result, household_id=known.get(item.same_as_row))
    if item.household is None:
        return result
    phone = item.household.phone_number
    if phone in taken:
        return RowResult(
            result.row, Verdict.DUPLICATE, taken[phone], registered_message(taken[phone])
        )
    outcome = saved[result.row]
    if isinstance(outcome, ValidationError):
        return _refused(result, phone, outcome)
    return replace(result, household_id=outcome.pk)


def _refused(result, phone, refused):
    """A row the registration service refused at the insert: a phone number taken
    since the batch looked (a duplicate), or a rule only the database checked."""
    existing = Household.objects.filter(phone_number=phone).values_list("pk", flat=True).first()
    if existing is not None and _phone_taken(refused):
        return RowResult(result.row, Verdict.DUPLICATE, existing, registered_message(existing))
    return RowResult(result.row, Verdict.ERROR, message=refusal_text(refused))


def refusal_text(refused):
    """A ValidationError in one line, with field names as form_errors() writes them."""
    if not hasattr(refused, "error_dict"):
        return "; ".join(refused.messages)
    return "; ".join(
        message if field == NON_FIELD_ERRORS else f"{field}: {message}"
        for field, messages in refused.message_dict.items()
        for message in messages
    )
