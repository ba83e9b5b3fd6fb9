"""`manage.py import_households`: bulk registration from CSV and XLSX files."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from audit.models import HouseholdChange
from core.fields import DATE_RANGE_MESSAGE, NOT_A_NUMBER_MESSAGE
from core.validators import FUTURE_DATE_MESSAGE
from households import history, imports
from households.imports import COLUMNS
from households.models import (
    DUPLICATE_PHONE_MESSAGE,
    VERIFIED_BEFORE_REGISTRATION_MESSAGE,
    Household,
    PossibleDuplicate,
)
from households.phones import INVALID_PHONE_MESSAGE
from households.services import save_household
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def household_row(**changes):
    """One valid row of the file, by column name."""
    return {
        "family_name": "Mensah",
        "primary_contact_name": "Akua Mensah",
        "phone_number": "+1 312 555 0199",
        "email": "",
        "address": "4 Harbour Road",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "family_size": "5",
        "income_level": "very_low",
        "priority_level": "high",
        "registration_date": "2025-02-01",
        "last_verified_date": "",
        "notes": "",
        **changes,
    }


def phone(n):
    """The n-th of many distinct phone numbers."""
    return f"+1 312 {200 + n // 10000} {n % 10000:04d}"


def family(n, **changes):
    """A row of the n-th of many families the matcher tells apart (the family names
    carry different numbers), with the n-th phone number."""
    return household_row(**{"phone_number": phone(n), "family_name": f"Family {n}", **changes})


def write_csv(path, rows, *, columns=COLUMNS, delimiter=",", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    path.write_text(buffer.getvalue(), encoding=encoding)
    return path


def run(path, *args, staff="worker"):
    """Run the command; return its output."""
    out = io.StringIO()
    call_command("import_households", str(path), "--staff", staff, *args, stdout=out)
    return out.getvalue()


def report(path):
    """The report next to `path`, one dict per row."""
    with path.with_name(f"{path.stem}.report.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------ good rows


def test_good_rows_are_registered(tmp_path, worker):
    path = write_csv(
        tmp_path / "families.csv",
        [household_row(phone_number=phone(n), family_name=f"Family {n}") for n in range(3)],
    )

    assert run(path) == "imported 3, duplicates 0, errors 0\n"

    households = {h.phone_number: h for h in Household.objects.all()}
    assert sorted(households) == ["+13122000000", "+13122000001", "+13122000002"]
    lines = report(path)
    assert [(line["row"], line["verdict"]) for line in lines] == [
        ("2", "new"),
        ("3", "new"),
        ("4", "new"),
    ]
    assert lines[0]["household_id"] == str(households["+13122000000"].pk)
    saved = households["+13122000000"]
    assert (saved.family_name, saved.family_size, saved.registration_date) == (
        "Family 0",
        5,
        datetime.date(2025, 2, 1),
    )


def test_the_summary_is_the_only_output_and_the_report_path_can_be_chosen(tmp_path, worker):
    path = write_csv(tmp_path / "families.csv", [household_row()])
    chosen = tmp_path / "out" / "chosen.csv"
    chosen.parent.mkdir()

    assert run(path, "--report", str(chosen)) == "imported 1, duplicates 0, errors 0\n"
    assert chosen.read_text(encoding="utf-8").splitlines()[0] == "row,verdict,household_id,message"
    assert not path.with_name("families.report.csv").exists()


# ------------------------------------------------------------------------ bad rows

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
BAD_ROWS = [
    ({"family_name": ""}, "family_name: This field is required."),
    ({"address": "  "}, "address: This field is required."),
    ({"phone_number": "12"}, "phone_number: " + INVALID_PHONE_MESSAGE % {"region": "US"}),
    ({"phone_number": ""}, "phone_number: This field is required."),
    ({"email": "not-an-email"}, "email: Enter a valid email address."),
    ({"family_size": "0"}, "family_size: Ensure this value is greater than or equal to 1."),
    ({"family_size": "abc"}, "family_size: Enter a whole number."),
    ({"family_size": "1_0"}, f"family_size: {NOT_A_NUMBER_MESSAGE}"),
    ({"family_size": "4.5"}, "family_size: Enter a whole number."),
    (
        {"income_level": "rich"},
        "income_level: Select a valid choice. rich is not one of the available choices.",
    ),
    ({"registration_date": "2025-02-30"}, "registration_date: Enter a valid date."),
    ({"registration_date": "yesterday"}, "registration_date: Enter a valid date."),
    ({"registration_date": "1850-01-01"}, f"registration_date: {DATE_RANGE_MESSAGE}"),
    ({"registration_date": TOMORROW}, f"registration_date: {FUTURE_DATE_MESSAGE}"),
    (
        {"last_verified_date": "2025-01-31"},
        f"last_verified_date: {VERIFIED_BEFORE_REGISTRATION_MESSAGE}",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_ROWS)
def test_a_bad_row_is_an_error_with_the_forms_message(tmp_path, worker, changes, message):
    path = write_csv(tmp_path / "bad.csv", [household_row(**changes)])

    assert run(path) == "imported 0, duplicates 0, errors 1\n"

    assert report(path) == [
        {"row": "2", "verdict": "error", "household_id": "", "message": message}
    ]
    assert not Household.objects.exists()


def test_a_row_with_several_errors_lists_them_all(tmp_path, worker):
    path = write_csv(tmp_path / "bad.csv", [household_row(email="x@", family_size="0", city="")])

    run(path)

    assert report(path)[0]["message"] == (
        "email: Enter a valid email address.; city: This field is required.; "
        "family_size: Ensure this value is greater than or equal to 1."
    )


def test_bad_rows_do_not_stop_the_good_ones(tmp_path, worker):
    rows = [family(1), family(2, family_size="abc"), family(3)]
    path = write_csv(tmp_path / "mixed.csv", rows)

    assert run(path) == "imported 2, duplicates 0, errors 1\n"
    assert [line["verdict"] for line in report(path)] == ["new", "error", "new"]


def test_values_under_no_column_make_the_row_an_error(tmp_path, worker):
    """An unquoted comma in an address shifts every later value one column right."""
    header = ",".join(household_row())
    values = list(household_row(notes="Wheelchair").values())
    values[4] = "4 Harbour Road, Apt 2"
    path = tmp_path / "shifted.csv"
    path.write_text(f"{header}\n{','.join(values)}\n", encoding="utf-8")

    assert run(path) == "imported 0, duplicates 0, errors 1\n"
    assert report(path)[0]["message"] == (
        "1 value under no column name: does a value with a comma or semicolon lack its quotes?"
    )


# ------------------------------------------------------------------------ duplicates


def test_a_phone_already_registered_in_another_spelling_is_a_duplicate(tmp_path, worker):
    existing = HouseholdFactory(phone_number="+1 (312) 555-0142")
    path = write_csv(tmp_path / "dup.csv", [household_row(phone_number="+13125550142")])

    assert run(path) == "imported 0, duplicates 1, errors 0\n"

    assert report(path) == [
        {
            "row": "2",
            "verdict": "duplicate",
            "household_id": str(existing.pk),
            "message": f"{DUPLICATE_PHONE_MESSAGE} Household #{existing.pk}.",
        }
    ]
    assert Household.objects.count() == 1


def test_a_duplicate_with_other_errors_is_still_a_duplicate(tmp_path, worker):
    existing = HouseholdFactory(phone_number="+1 312 555 0142")
    path = write_csv(
        tmp_path / "dup.csv", [household_row(phone_number="(312) 555-0142", email="x@")]
    )

    assert run(path) == "imported 0, duplicates 1, errors 0\n"
    line = report(path)[0]
    assert line["household_id"] == str(existing.pk)
    assert line["message"].endswith("Also: email: Enter a valid email address.")


def test_the_same_phone_twice_in_one_file_is_one_household(tmp_path, worker):
    rows = [
        household_row(phone_number="+1 (312) 555-0142"),
        family(7),
        household_row(phone_number="+13125550142", family_name="Mensah-Owusu"),
    ]
    path = write_csv(tmp_path / "twice.csv", rows)

    assert run(path) == "imported 2, duplicates 1, errors 0\n"

    first, _, again = report(path)
    assert (again["verdict"], again["message"]) == ("duplicate", "Same phone number as row 2.")
    assert again["household_id"] == first["household_id"]
    assert Household.objects.get(phone_number="+13125550142").family_name == "Mensah"


def test_a_later_row_may_register_a_phone_whose_first_row_was_refused(tmp_path, worker):
    rows = [
        household_row(phone_number="312 555 0142", family_size="0"),
        household_row(phone_number="+13125550142"),
    ]
    path = write_csv(tmp_path / "retry.csv", rows)

    assert run(path) == "imported 1, duplicates 0, errors 1\n"


def test_duplicates_within_a_file_are_found_across_batches(tmp_path, worker, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    rows = [family(n % 3) for n in range(7)]
    path = write_csv(tmp_path / "batches.csv", rows)

    assert run(path) == "imported 3, duplicates 4, errors 0\n"
    assert [line["message"] for line in report(path)][3:] == [
        "Same phone number as row 2.",
        "Same phone number as row 3.",
        "Same phone number as row 4.",
        "Same phone number as row 2.",
    ]


def test_a_phone_registered_between_check_and_write_is_a_duplicate(tmp_path, worker, monkeypatch):
    """Another registration committed after the rows were checked: no crash, a duplicate."""
    real_check = imports.check_rows
    taken = {}

    def register_the_same_family_meanwhile(rows, **kwargs):
        checked = list(real_check(rows, **kwargs))
        taken["household"] = HouseholdFactory(phone_number="(312) 555-0142")
        return checked

    monkeypatch.setattr(imports, "check_rows", register_the_same_family_meanwhile)
    path = write_csv(tmp_path / "race.csv", [household_row(phone_number="+1 312 555 0142")])

    assert run(path) == "imported 0, duplicates 1, errors 0\n"
    assert report(path)[0]["household_id"] == str(taken["household"].pk)
    assert Household.objects.count() == 1


def test_a_phone_taken_at_the_insert_itself_is_a_duplicate(tmp_path, worker, monkeypatch):
    """Both checks passed; the unique index refuses the batch's INSERT, and each row is
    then saved on its own: the others are kept, the taken one is a duplicate."""
    real_register = imports.register_households
    taken = {}

    def register_the_same_family_first(*, households, staff):
        taken["household"] = HouseholdFactory(phone_number="+1 312 555 0142")
        return real_register(households=households, staff=staff)

    monkeypatch.setattr(imports, "register_households", register_the_same_family_first)
    path = write_csv(
        tmp_path / "race.csv",
        [household_row(phone_number="312-555-0142"), family(1)],
    )

    assert run(path) == "imported 1, duplicates 1, errors 0\n"
    assert report(path)[0]["household_id"] == str(taken["household"].pk)
    assert Household.objects.count() == 2


def test_a_row_like_a_registered_family_is_registered_and_queued(tmp_path, worker):
    """A possible duplicate is not refused (a manager decides): registered, its pair
    queued for review, and its row names the household it resembles and why."""
    registered = HouseholdFactory(
        family_name="Al-Hassan",
        primary_contact_name="Mohamed Al-Hassan",
        address="12 Mill Street",
        city="Springfield",
        phone_number="+1 217 555 0142",
    )
    rows = [
        household_row(
            family_name="Hassan",
            primary_contact_name="Muhammad Hassan",
            address="12 Mill St",
            city="Springfield",
            phone_number="+1 217 555 0999",
        ),
        household_row(phone_number=phone(1)),
    ]
    path = write_csv(tmp_path / "twins.csv", rows)

    assert run(path) == (
        "imported 2, duplicates 0, errors 0\n"
        "possible duplicates 1: registered, and queued for a manager's review\n"
    )
    line = report(path)[0]
    assert line["verdict"] == "possible_duplicate"
    assert line["message"].startswith(f"Possible duplicate of household #{registered.pk}: ")
    assert "family name" in line["message"]
    newcomer = Household.objects.get(pk=line["household_id"])
    pair = PossibleDuplicate.objects.get()
    assert {pair.household_a_id, pair.household_b_id} == {registered.pk, newcomer.pk}
    assert pair.status == "open"
    assert report(path)[1]["verdict"] == "new"


def one_family_twice():
    """Two rows of one family under two phone numbers, and a family apart between."""
    return [
        household_row(phone_number=phone(1)),
        family(2),
        household_row(
            phone_number=phone(3),
            family_name="Mensah",
            primary_contact_name="Akua Mensa",
            address="4 Harbour Rd",
            family_size="6",
        ),
    ]


def test_two_rows_of_one_family_in_a_file_are_both_registered_and_queued(tmp_path, worker):
    path = write_csv(tmp_path / "twice.csv", one_family_twice())

    assert run(path) == (
        "imported 3, duplicates 0, errors 0\n"
        "possible duplicates 1: registered, and queued for a manager's review\n"
    )
    first, _other, again = report(path)
    assert (first["verdict"], again["verdict"]) == ("new", "possible_duplicate")
    assert again["message"] == (
        "Possible duplicate of row 2: same family name (Mensah); contact name 95% alike "
        "(Akua Mensa / Akua Mensah); address 100% alike in Springfield (4 Harbour Rd / "
        "4 Harbour Road)."
    )
    pair = PossibleDuplicate.objects.get()
    assert (pair.household_a_id, pair.household_b_id) == (
        int(first["household_id"]),
        int(again["household_id"]),
    )
    assert pair.evidence.splitlines()[0] == "same family name (Mensah)"


def test_an_earlier_row_is_matched_across_batches_and_in_a_dry_run(tmp_path, worker, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    path = write_csv(tmp_path / "twice.csv", one_family_twice())
    dry = tmp_path / "dry.csv"

    run(path, "--dry-run", "--report", str(dry))
    assert run(path).startswith("imported 3, duplicates 0, errors 0\n")

    with dry.open(encoding="utf-8") as f:
        assert [line["message"] for line in csv.DictReader(f)] == [
            line["message"] for line in report(path)
        ]
    first, again = report(path)[0], report(path)[2]
    pair = PossibleDuplicate.objects.get()
    assert {pair.household_a_id, pair.household_b_id} == {
        int(first["household_id"]),
        int(again["household_id"]),
    }


def test_only_earlier_rows_that_are_registered_count(tmp_path, worker):
    """A row refused for an error, or a duplicate of a registered household, is no
    family the file registers: a later row like it is new."""
    HouseholdFactory(phone_number=phone(5), family_name="Owusu", city="Elsewhere")
    rows = [
        household_row(phone_number=phone(1), email="x@"),
        household_row(phone_number=phone(5)),
        household_row(phone_number=phone(3)),
    ]
    path = write_csv(tmp_path / "refused.csv", rows)

    assert run(path) == "imported 1, duplicates 1, errors 1\n"
    assert [line["verdict"] for line in report(path)] == ["error", "duplicate", "new"]
    assert not PossibleDuplicate.objects.exists()


def test_a_registered_household_is_named_before_an_earlier_row(tmp_path, worker):
    """Like a registered family and an earlier row both: the message names the
    registered household, and both pairs are queued."""
    registered = HouseholdFactory(
        family_name="Mensah",
        primary_contact_name="Akua Mensah",
        address="4 Harbour Road",
        city="Springfield",
        phone_number="+1 217 555 0142",
    )
    path = write_csv(tmp_path / "thrice.csv", one_family_twice())

    run(path)

    first, _other, again = report(path)
    assert first["message"].startswith(f"Possible duplicate of household #{registered.pk}: ")
    assert again["message"].startswith(f"Possible duplicate of household #{registered.pk}: ")
    pairs = set(PossibleDuplicate.objects.values_list("household_a", "household_b"))
    first_id, again_id = int(first["household_id"]), int(again["household_id"])
    assert pairs == {(registered.pk, first_id), (registered.pk, again_id), (first_id, again_id)}


def test_rows_whose_phones_end_alike_are_matched_in_any_city(tmp_path, worker):
    rows = [
        household_row(phone_number="+1 312 555 0142"),
        household_row(phone_number="+1 217 555 0142", address="9 Hill Street", city="Salem"),
    ]
    path = write_csv(tmp_path / "tails.csv", rows)

    run(path)

    assert report(path)[1]["message"] == (
        "Possible duplicate of row 2: same family name (Mensah); same contact name "
        "(Akua Mensah); phones end in the same 7 digits (…5550142); same family size (5)."
    )


def test_worker_processes_check_a_file_as_this_process_does(worker, monkeypatch):
    """Checked by forked worker processes (as a large file is), every row gets the
    verdict, message, household and matches it gets when checked here, in order."""
    HouseholdFactory(
        family_name="Mensah",
        primary_contact_name="Akua Mensah",
        address="4 Harbour Road",
        city="Springfield",
        phone_number="+1 217 555 0142",
    )
    HouseholdFactory(phone_number=phone(40))
    rows = [
        *one_family_twice(),
        *(family(n, family_size=str(n % 4)) for n in range(4, 30)),
        household_row(phone_number=phone(40).replace(" ", "")),
        family(41, phone_number="12"),
        family(42, phone_number=phone(4)),
        household_row(phone_number=phone(43), notes="x" * 3000),
    ]
    data = write_rows(rows)
    monkeypatch.setattr(imports, "LOOKUP_SIZE", 7)
    here = list(imports.check_rows(data))

    monkeypatch.setattr(imports, "PARALLEL_FROM", 1)
    monkeypatch.setattr(imports.os, "cpu_count", lambda: 2)
    spawned = []
    real_pool = imports.ProcessPoolExecutor

    def pool(*args, **kwargs):
        spawned.append(args[0])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(imports, "ProcessPoolExecutor", pool)
    forked = list(imports.check_rows(data))

    assert spawned == [2]
    assert [item.result for item in forked] == [item.result for item in here]
    verdicts = {item.result.verdict for item in here}
    assert verdicts == {"new", "possible_duplicate", "duplicate", "error"}
    for mine, theirs in zip(forked, here, strict=True):
        assert (mine.matches, mine.rows_alike, mine.same_as_row) == (
            theirs.matches,
            theirs.rows_alike,
            theirs.same_as_row,
        )
        if theirs.household is not None:
            assert history.household_values(mine.household) == history.household_values(
                theirs.household
            )


def write_rows(rows):
    """The rows of a CSV file as the import reads them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return imports.parse_rows("rows.csv", buffer.getvalue().encode())


def test_an_imported_household_is_stored_as_the_registration_page_stores_it(tmp_path, worker):
    """The batch INSERT writes what `save_household` writes, and the same history."""
    values = household_row(
        phone_number="(312) 555-0199", email="a@example.org", notes="Ground floor"
    )
    path = write_csv(tmp_path / "one.csv", [values])
    run(path)
    imported = Household.objects.get()

    form = imports.ImportHouseholdForm(data={**values, "phone_number": "+1 312 555 0142"})
    assert form.is_valid(), form.errors
    by_hand = save_household(household=form.instance, staff=worker)
    by_hand.refresh_from_db()

    stored = history.household_values(imported)
    assert stored == {**history.household_values(by_hand), "phone_number": "+13125550199"}
    assert (imported.phone_tail, imported.status) == ("5550199", "active")
    assert imported.created_at == imported.updated_at
    assert imported.created_at > timezone.now() - datetime.timedelta(minutes=1)
    entries = [
        (change.action, change.changes, change.personal_values.changes)
        for change in HouseholdChange.objects.order_by("id")
    ]
    (imported_entry, by_hand_entry) = entries
    assert imported_entry[:2] == by_hand_entry[:2]
    assert imported_entry[2] == {
        **by_hand_entry[2],
        "phone_number": [None, "+13125550199"],
    }


def test_a_second_run_imports_nothing_new(tmp_path, worker):
    rows = [family(n) for n in range(4)]
    rows.append(family(0, phone_number=phone(0).replace(" ", "-")))
    path = write_csv(tmp_path / "again.csv", rows)

    assert run(path) == "imported 4, duplicates 1, errors 0\n"
    ids = [line["household_id"] for line in report(path)]

    assert run(path) == "imported 0, duplicates 5, errors 0\n"
    assert [line["household_id"] for line in report(path)] == ids
    assert Household.objects.count() == 4


# ------------------------------------------------------------------------ file formats


def test_a_utf8_bom_and_loose_header_names_are_read(tmp_path, worker):
    columns = [f" {column.upper().replace('_', ' ')} " for column in COLUMNS]
    path = write_csv(
        tmp_path / "bom.csv",
        [household_row(family_name="Nguyễn")],
        encoding="utf-8-sig",
    )
    text = path.read_text(encoding="utf-8-sig").split("\n", 1)[1]
    path.write_text(",".join(columns) + "\n" + text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert run(path) == "imported 1, duplicates 0, errors 0\n"
    assert Household.objects.get().family_name == "Nguyễn"


def test_a_semicolon_separated_csv_is_read(tmp_path, worker):
    rows = [household_row(address="4 Harbour Road, Apt 2", notes="Two; three")]
    path = write_csv(tmp_path / "semicolon.csv", rows, delimiter=";")

    assert run(path) == "imported 1, duplicates 0, errors 0\n"
    saved = Household.objects.get()
    assert (saved.address, saved.notes) == ("4 Harbour Road, Apt 2", "Two; three")


def test_spaces_after_the_separators_are_ignored(tmp_path, worker):
    path = tmp_path / "spaced.csv"
    values = household_row(family_size=" 3", income_level=" low ", priority_level=" critical")
    path.write_text("; ".join(COLUMNS) + "\n" + "; ".join(values.values()) + "\n", encoding="utf-8")

    assert run(path) == "imported 1, duplicates 0, errors 0\n"
    saved = Household.objects.get()
    assert (saved.family_size, saved.income_level, saved.priority_level) == (3, "low", "critical")


def test_empty_lines_are_skipped_and_rows_keep_their_numbers(tmp_path, worker):
    header = ",".join(COLUMNS)
    first = ",".join(household_row(phone_number=phone(1)).values())
    second = ",".join(household_row(phone_number=phone(2), family_size="0").values())
    path = tmp_path / "gaps.csv"
    path.write_text(f"{header}\n\n{first}\n,,,,\n\n{second}\n\n", encoding="utf-8")

    assert run(path) == "imported 1, duplicates 0, errors 1\n"
    assert [(line["row"], line["verdict"]) for line in report(path)] == [
        ("3", "new"),
        ("6", "error"),
    ]


def test_optional_columns_may_be_left_out(tmp_path, worker):
    columns = [c for c in COLUMNS if c not in ("last_verified_date", "notes")]
    path = write_csv(tmp_path / "short.csv", [household_row()], columns=columns)

    assert run(path) == "imported 1, duplicates 0, errors 0\n"


def write_xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(column) for column in COLUMNS])
    workbook.save(path)
    return path


def test_an_xlsx_with_excel_dates_and_numbers_is_read(tmp_path, worker):
    existing = HouseholdFactory(phone_number="+1 312 555 0142")
    rows = [
        household_row(
            phone_number=3125550199,
            family_size=4.0,
            zip_code=62701,
            registration_date=datetime.datetime(2025, 2, 1),
            last_verified_date=datetime.date(2025, 3, 15),
            email=None,
        ),
        {},  # an empty row
        household_row(phone_number=13125550142),
        household_row(phone_number=phone(1), family_size=4.5),
    ]
    path = write_xlsx(tmp_path / "families.xlsx", rows)

    assert run(path) == "imported 1, duplicates 1, errors 1\n"

    saved = Household.objects.get(phone_number="+13125550199")
    assert (saved.family_size, saved.zip_code, saved.email) == (4, "62701", None)
    assert (saved.registration_date, saved.last_verified_date) == (
        datetime.date(2025, 2, 1),
        datetime.date(2025, 3, 15),
    )
    assert [(line["row"], line["verdict"], line["household_id"]) for line in report(path)] == [
        ("2", "new", str(saved.pk)),
        ("4", "duplicate", str(existing.pk)),
        ("5", "error", ""),
    ]
    assert report(path)[2]["message"] == "family_size: Enter a whole number."


def test_one_form_bound_again_judges_each_row_as_a_new_form_would():
    """The check binds one form to row after row: no error, value or instance may
    carry over from one row to the next."""
    rows = [
        household_row(family_size="0", email="x@"),
        household_row(phone_number=phone(1)),
        household_row(registration_date="2999-01-01", income_level="rich"),
        household_row(phone_number=phone(2), notes="Two; three"),
        household_row(family_name="", last_verified_date="2020-01-01"),
    ]
    reused = imports.ImportHouseholdForm()
    for values in rows:
        fresh = imports.ImportHouseholdForm(data=values)
        assert reused.check(values) == fresh.is_valid()
        assert imports.form_errors(reused) == imports.form_errors(fresh)
        if fresh.is_valid():
            assert reused.instance is not fresh.instance
            assert reused.cleaned_data == fresh.cleaned_data
            assert reused.instance.phone_number == fresh.instance.phone_number


def test_cell_text_reads_excel_values_as_typed():
    assert imports.cell_text(4.0) == "4"
    assert imports.cell_text(3125550142) == "3125550142"
    assert imports.cell_text(3.1255e9) == "3125500000"
    assert imports.cell_text(datetime.datetime(2025, 2, 1)) == "2025-02-01"
    assert imports.cell_text(datetime.datetime(2025, 2, 1, 9, 30)) == "2025-02-01T09:30:00"
    assert imports.cell_text(None) == ""


@pytest.mark.slow
def test_ten_thousand_rows(tmp_path, worker):
    """Every row is checked by the registration form; the batches insert them."""
    rows = [household_row(phone_number=phone(n), family_name=f"F{n}") for n in range(10_000)]
    path = write_csv(tmp_path / "big.csv", rows)

    assert run(path) == "imported 10000, duplicates 0, errors 0\n"
    assert Household.objects.count() == 10_000
    lines = report(path)
    assert len(lines) == 10_000
    assert lines[-1]["row"] == "10001"


# ------------------------------------------------------------------------ dry run


def test_a_dry_run_writes_nothing(tmp_path, worker, db_state):
    HouseholdFactory(phone_number="+1 312 555 0142")
    rows = [
        household_row(phone_number=phone(1)),
        household_row(phone_number=phone(1)),
        household_row(phone_number="3125550142"),
        household_row(phone_number=phone(2), email="x@"),
    ]
    path = write_csv(tmp_path / "dry.csv", rows)
    before = db_state()

    assert run(path, "--dry-run") == "imported 1, duplicates 2, errors 1\n"

    assert db_state() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dry.csv"]


def test_a_dry_run_gives_the_verdicts_of_a_real_run(tmp_path, worker):
    rows = [family(n % 2, family_size=str(n)) for n in range(4)]
    path = write_csv(tmp_path / "dry.csv", rows)
    dry_report = tmp_path / "dry-report.csv"

    assert run(path, "--dry-run", "--report", str(dry_report)) == (
        "imported 2, duplicates 1, errors 1\n"
    )
    assert not Household.objects.exists()
    with dry_report.open(encoding="utf-8") as f:
        dry = [(line["verdict"], line["message"]) for line in csv.DictReader(f)]

    assert run(path) == "imported 2, duplicates 1, errors 1\n"
    assert [(line["verdict"], line["message"]) for line in report(path)] == dry


# ------------------------------------------------------------------------ refused input


def refused(path, *args, staff="worker"):
    with pytest.raises(CommandError) as error:
        run(path, *args, staff=staff)
    return str(error.value)


def test_a_missing_column_is_refused_before_any_row(tmp_path, worker):
    columns = [c for c in COLUMNS if c not in ("city", "state")]
    path = write_csv(tmp_path / "header.csv", [household_row()], columns=columns)

    assert refused(path).startswith("Missing columns: city, state.")
    assert not Household.objects.exists()
    assert not path.with_name("header.report.csv").exists()


def test_an_unknown_or_repeated_column_is_refused(tmp_path, worker):
    columns = [*COLUMNS, "status", "City"]
    path = write_csv(tmp_path / "header.csv", [household_row()], columns=columns)

    assert refused(path).startswith("Unknown column: status. Column named twice: city.")
    assert not Household.objects.exists()


def test_a_file_without_rows_is_refused(tmp_path, worker):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")

    assert "empty" in refused(path)


@pytest.mark.parametrize("name", ["families.xls", "families.txt", "families"])
def test_an_unknown_extension_is_refused(tmp_path, worker, name):
    path = write_csv(tmp_path / name, [household_row()])

    assert "must end in .csv or .xlsx" in refused(path)
    assert not Household.objects.exists()


def test_a_missing_file_is_refused(tmp_path, worker):
    assert refused(tmp_path / "nowhere.csv") == f"No such file: {tmp_path / 'nowhere.csv'}"


def test_an_unreadable_xlsx_is_refused(tmp_path, worker):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file at all")

    assert refused(path).startswith("Cannot read broken.xlsx as an Excel workbook")


def test_a_csv_that_is_not_utf8_is_refused(tmp_path, worker):
    path = write_csv(
        tmp_path / "latin.csv", [household_row(family_name="Muñoz")], encoding="cp1252"
    )

    assert "not UTF-8 text" in refused(path)
    assert not Household.objects.exists()


def test_a_report_that_cannot_be_written_refuses_the_import(tmp_path, worker):
    path = write_csv(tmp_path / "families.csv", [household_row()])

    message = refused(path, "--report", str(tmp_path / "no" / "such" / "dir.csv"))
    assert message.startswith("Cannot write the report to")
    assert not Household.objects.exists()


def test_the_report_cannot_overwrite_the_file(tmp_path, worker):
    path = write_csv(tmp_path / "families.csv", [household_row()])

    assert "overwrite" in refused(path, "--report", str(path))


@pytest.mark.parametrize(
    ("staff", "message"),
    [
        ("nobody", "No login named “nobody”."),
        ("volunteer", "cannot register households"),
    ],
)
def test_the_importer_must_be_allowed_to_register(tmp_path, volunteer, staff, message):
    path = write_csv(tmp_path / "families.csv", [household_row()])

    assert message in refused(path, staff=staff)
    assert not Household.objects.exists()


def test_a_typed_formula_echoed_in_a_message_cannot_run_in_the_report(tmp_path, worker):
    path = write_csv(tmp_path / "bad.csv", [household_row(income_level="x;=HYPERLINK(1)")])

    run(path)

    message = report(path)[0]["message"]
    assert "x;'=HYPERLINK(1)" in message
