"""Bulk registration: households from a CSV or XLSX file, each row checked as the
registration form checks it.

An import runs in two passes. The check reads every row through the registration
form (`ImportHouseholdForm`) with no transaction open, finds the rows whose phone
number is already registered (in any spelling), earlier in the file, and the rows
that look like households already registered (possible duplicates, which are
registered and queued for a manager's review). The write then saves the new rows a
batch at a time, each batch one short transaction that checks the phone numbers
again (someone may have registered one since) and inserts the lot at once. A phone
number already registered makes the row a duplicate, so running the same file twice
registers each family once.
"""

from collections import ChainMap
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import construct_instance

from centers import policies
from core.db.retry import atomic_with_retries

from .duplicates import Candidate, possible_duplicates, record_possible_duplicates
from .forms import HouseholdForm
from .import_files import COLUMNS, ImportRefused, SheetRow, cell_text, parse_rows, read_rows
from .models import DUPLICATE_PHONE_MESSAGE, Household
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
# Phone numbers looked up per query when checking a file against the registry.
LOOKUP_SIZE = 1000


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
class CheckedRow:
    """A row after the check: its verdict, and for a row to register, the household
    the form built and the registered households it may duplicate."""

    result: RowResult
    household: Household | None = None
    matches: tuple = ()
    same_as_row: int | None = None


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
        """
        self.data = values
        self.is_bound = True
        self._errors = None
        self._bound_fields_cache = {}
        self.instance = Household()
        return self.is_valid()


# ------------------------------------------------------------------------ the importer


def find_importer(username):
    """The staff member who registers the file's households, asked the same policy
    as the registration page, so the command cannot do what its user could not."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise ImportRefused(f"No login named {username!r}.")
    staff = getattr(user, "staff_member", None)
    if staff is None:
        raise ImportRefused(f"The login {username!r} has no staff record.")
    if not policies.can_edit_households(staff):
        raise ImportRefused(
            f"{staff} cannot register households: only active workers, managers and admins can."
        )
    return staff


# ------------------------------------------------------------------------ checking


def check_rows(rows, *, progress=None):
    """The CheckedRow of each row, in file order; saves nothing.

    `progress(done)` is called every LOOKUP_SIZE rows (the check of a large file
    takes a while, and a page shows how far it got).
    """
    checked = []
    earlier = {}  # E.164 number -> the RowResult of the first row registering it
    form = ImportHouseholdForm()
    for start in range(0, len(rows), LOOKUP_SIZE):
        chunk = rows[start : start + LOOKUP_SIZE]
        phones = [_e164(row.values["phone_number"]) for row in chunk]
        registered = registered_phones(phone for phone in phones if phone)
        for row, phone in zip(chunk, phones, strict=True):
            item = _check(row, form, phone, earlier, registered)
            if item.result.verdict == Verdict.NEW:
                earlier[phone] = item.result
            checked.append(item)
        if progress:
            progress(start + len(chunk))
    return _with_possible_duplicates(checked)


def registered_phones(phones):
    """{E.164 number: household id} of those of `phones` already registered."""
    phones = list(dict.fromkeys(phones))
    found = {}
    for start in range(0, len(phones), LOOKUP_SIZE):
        found.update(
            Household.objects.filter(phone_number__in=phones[start : start + LOOKUP_SIZE])
            .order_by()
            .values_list("phone_number", "pk")
        )
    return found


def _check(row, form, phone, earlier, registered):
    """One row's verdict. A duplicate is reported as one even when other fields are
    wrong: the family is registered, so correcting the row would not register it."""
    if row.problem:
        return CheckedRow(RowResult(row.number, Verdict.ERROR, message=row.problem))
    valid = form.check(row.values)
    first = earlier.get(phone)
    if first is not None:
        message = f"Same phone number as row {first.row}."
        return CheckedRow(_duplicate(row.number, None, message, form), same_as_row=first.row)
    if phone in registered:
        message = registered_message(registered[phone])
        return CheckedRow(_duplicate(row.number, registered[phone], message, form))
    if not valid:
        return CheckedRow(RowResult(row.number, Verdict.ERROR, message=form_errors(form)))
    return CheckedRow(RowResult(row.number, Verdict.NEW), household=form.instance)


def _with_possible_duplicates(checked):
    """Mark the rows to register that look like a registered household; they are
    still registered (a manager decides), with the match named in their message."""
    new = [index for index, item in enumerate(checked) if item.household is not None]
    candidates = [Candidate.of(checked[index].household) for index in new]
    for index, matches in zip(new, possible_duplicates(candidates), strict=True):
        if matches:
            item = checked[index]
            result = replace(
                item.result,
                verdict=Verdict.POSSIBLE_DUPLICATE,
                message=possible_message(matches[0]),
            )
            checked[index] = replace(item, result=result, matches=tuple(matches))
    return checked


def possible_message(match):
    return f"Possible duplicate of household #{match.household_id}: {'; '.join(match.evidence)}."


def _e164(raw):
    """The phone number as stored (E.164), or None when it is no phone number."""
    try:
        return normalize_phone(raw) if raw.strip() else None
    except ValidationError:
        return None


def registered_message(household_id):
    return f"{DUPLICATE_PHONE_MESSAGE} Household #{household_id}."


def _duplicate(number, household_id, message, form):
    """A duplicate row; the form's other complaints, if any, follow the reason."""
    others = form_errors(form)
    if others:
        message = f"{message} Also: {others}"
    return RowResult(number, Verdict.DUPLICATE, household_id, message)


def form_errors(form):
    """The form's messages in one line, each after its field name, as in
    "email: Enter a valid email address."; the duplicate phone number is left out
    (it is the verdict, not an error)."""
    parts = []
    for field, messages in form.errors.items():
        for message in messages:
            if DUPLICATE_PHONE_MESSAGE not in message:
                parts.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
    return "; ".join(parts)


# ------------------------------------------------------------------------ importing


def import_rows(rows, *, staff, dry_run=False, on_batch=None, progress=None):
    """Yield the RowResult of each row, in file order, one batch at a time.

    Each batch is one transaction, retried whole if it loses a deadlock; a failure
    mid-file leaves whole batches saved, which a second run counts as duplicates.
    `on_batch(results)` runs inside the batch's transaction, so what it records
    (the portal's progress) commits with the households or not at all. A dry run
    opens no transaction and saves nothing; its verdicts are those a real run
    would give.
    """
    checked = check_rows(rows, progress=progress)
    # The first registering row of each phone number: a later row naming the same
    # number learns the household it registered once its batch is written.
    first_rows = {}
    for start in range(0, len(checked), BATCH_SIZE):
        batch = checked[start : start + BATCH_SIZE]
        if dry_run:
            results = [item.result for item in batch]
            if on_batch:
                on_batch(results)
        else:
            write = partial(_write_batch, batch, staff, first_rows, on_batch)
            results = atomic_with_retries(write)
            first_rows.update((result.row, result.household_id) for result in results)
        yield from results


def _write_batch(batch, staff, first_rows, on_batch):
    """Register the batch's new rows; return every row's final RowResult."""
    to_register = [item for item in batch if item.household is not None]
    taken = registered_phones(item.household.phone_number for item in to_register)
    fresh = [item for item in to_register if item.household.phone_number not in taken]
    outcomes = register_households(
        households=[_unsaved(item.household) for item in fresh], staff=staff
    )
    saved = dict(zip((item.result.row for item in fresh), outcomes, strict=True))
    known, results = ChainMap({}, first_rows), []  # a retried batch starts afresh
    for item in batch:
        result = _outcome(item, taken, saved, known)
        known[result.row] = result.household_id
        results.append(result)
    if on_batch:
        on_batch(results)
    return results


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
    if item.matches:
        record_possible_duplicates(household=outcome, matches=item.matches)
    return replace(result, household_id=outcome.pk)


def _refused(result, phone, refused):
    """A row the registration service refused at the insert: a phone number taken
    since the batch looked (a duplicate), or a rule only the database checked."""
    existing = Household.objects.filter(phone_number=phone).values_list("pk", flat=True).first()
    if existing is not None and DUPLICATE_PHONE_MESSAGE in refused.messages:
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
