"""Households in several languages: the language a household reads, cards printed in it,
English texts stored and translated when shown, and the pages on a phone."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, translation
from django_tasks_db.models import DBTaskResult

from aidtracker.tests.test_permission_matrix import household_form_data
from households import history, import_jobs, stored_text, tasks
from households.forms import HouseholdForm
from households.import_files import COLUMNS, parse_rows
from households.imports import Verdict, check_rows
from households.matching import EVIDENCE, Registration, judge
from households.models import Household, PossibleDuplicate
from households.services import anonymise_household, issue_card, save_household
from households.stored_text import StoredSentences
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

CODES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def language_restored():
    """A staff member's language, activated by the middleware, outlives the request in
    this thread: each test leaves the language as it found it."""
    with translation.override(translation.get_language()):
        yield


# --- The household's language -----------------------------------------------------


@pytest.mark.parametrize("code", ["", *CODES])
def test_the_form_records_any_portal_language_or_none(code):
    form = HouseholdForm(data=household_form_data(preferred_language=code))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["preferred_language"] == code


@pytest.mark.parametrize("code", ["xx", "french", "fr-", "<b>"])
def test_the_form_refuses_an_unknown_language_and_names_the_codes(code):
    form = HouseholdForm(data=household_form_data(preferred_language=code))
    assert not form.is_valid()
    (error,) = form.errors["preferred_language"]
    assert error == f"“{code}” is not a language code. Use one of: {', '.join(CODES)}."


def test_the_registration_page_saves_the_language_and_the_profile_shows_it(client, worker):
    client.force_login(worker.user)
    response = client.post(
        reverse("households:create"), household_form_data(preferred_language="ar")
    )
    household = Household.objects.get()
    assert response.status_code == 302
    assert household.preferred_language == "ar"
    page = client.get(household.get_absolute_url()).content.decode()
    name = dict(settings.LANGUAGES)["ar"]
    assert f'<dd class="col-7" id="preferred-language"><span lang="ar">{name}</span></dd>' in page


def import_rows(**changes):
    """The rows of a one-household CSV file as the import reads them."""
    row = {**household_form_data(), **changes}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow([row.get(column, "") for column in COLUMNS])
    return parse_rows("families.csv", buffer.getvalue().encode())


@pytest.mark.parametrize(("typed", "stored"), [("fr", "fr"), ("AR", "ar"), ("", "")])
def test_the_import_takes_a_language_code_in_any_case(typed, stored):
    (checked,) = check_rows(import_rows(preferred_language=typed))
    assert checked.result.verdict == Verdict.NEW
    assert checked.household.preferred_language == stored


def test_a_file_may_leave_the_language_column_out():
    data = "\n".join(
        [
            ",".join(column for column in COLUMNS if column != "preferred_language"),
            ",".join(
                household_form_data().get(column, "")
                for column in COLUMNS
                if column != "preferred_language"
            ),
        ]
    )
    (checked,) = check_rows(parse_rows("families.csv", data.encode()))
    assert checked.result.verdict == Verdict.NEW
    assert checked.household.preferred_language == ""


def test_an_unknown_language_code_is_a_clear_row_error():
    (checked,) = check_rows(import_rows(preferred_language="Klingon"))
    assert checked.result.verdict == Verdict.ERROR
    assert checked.result.message == (
        f"preferred_language: “klingon” is not a language code. Use one of: {', '.join(CODES)}."
    )


def test_anonymising_erases_the_language_with_the_rest(manager):
    household = HouseholdFactory(preferred_language="fr")
    anonymise_household(household=household, staff=manager)
    household.refresh_from_db()
    assert household.preferred_language == ""


def test_the_history_records_a_change_of_language(manager):
    household = save_household(household=HouseholdFactory.build(), staff=manager)
    household.preferred_language = "es"
    save_household(household=household, staff=manager)
    (latest, _registered) = history.entries_for(household, manager)
    (line,) = latest.lines
    assert line.sentence == f"Preferred language set to {dict(settings.LANGUAGES)['es']}"


# --- Cards print in the household's language -----------------------------------------


def test_a_card_prints_in_the_households_language(client, worker):
    household = HouseholdFactory(preferred_language="ar")
    card = issue_card(household=household, staff=worker)
    client.force_login(worker.user)

    response = client.get(reverse("households:card", args=[household.pk]))

    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert response["Content-Language"] == "ar"
    with translation.override("ar"):
        issued = dateformat.format(card.issued_at, "j M Y")
    assert issued in page  # Django's own Arabic month names: the page rendered in Arabic
    # The code keeps its left-to-right order inside the right-to-left card.
    assert f'<bdi class="ltr" dir="ltr">{card.display_code}</bdi>' in page
    # The staff member's own pages stay in theirs.
    listing = client.get(reverse("households:list"))
    assert '<html lang="en" dir="ltr">' in listing.content.decode()


def test_a_card_without_a_language_prints_in_the_staff_members(client, worker):
    household = HouseholdFactory()
    issue_card(household=household, staff=worker)
    worker.language = "fr"
    worker.save()
    client.force_login(worker.user)

    response = client.get(reverse("households:card", args=[household.pk]))

    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    assert response["Content-Language"] == "fr"


def test_a_sheet_of_cards_prints_in_the_current_language(client, worker):
    households = [HouseholdFactory(preferred_language="ar"), HouseholdFactory()]
    for household in households:
        issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    ids = ",".join(str(household.pk) for household in households)

    page = client.get(reverse("households:card_sheet"), {"ids": ids}).content.decode()

    assert '<html lang="en" dir="ltr">' in page
    assert page.count('class="id-card"') == 2


# --- English stored, translated when shown ----------------------------------------------


def shouting(monkeypatch):
    """A stand-in translation catalog: every template in capitals, placeholders kept."""

    def translate(message):
        return re.sub(r"(%\(\w+\)s)|([^%]+)", lambda m: m.group(1) or m.group(2).upper(), message)

    monkeypatch.setattr(stored_text, "gettext", translate)


def test_evidence_is_stored_in_english_and_shown_translated_with_its_values(monkeypatch):
    older = Registration("Hassan", "Mohamed Al-Hassan", "12 Mill Street", "Springfield", "+1")
    newer = Registration("Hassan", "Muhammad Hasan", "12 Mill St.", "Springfield", "+2")
    verdict = judge(newer, older)
    with translation.override("fr"):  # whoever finds the pair, the evidence is English
        assert judge(newer, older).evidence == verdict.evidence
    assert verdict.evidence[:2] == (
        "same family name (Hassan)",
        "contact name 100% alike (Muhammad Hasan / Mohamed Al-Hassan)",
    )
    shouting(monkeypatch)
    assert [EVIDENCE.show(line) for line in verdict.evidence[:2]] == [
        "SAME FAMILY NAME (Hassan)",
        "CONTACT NAME 100% ALIKE (Muhammad Hasan / Mohamed Al-Hassan)",
    ]


def test_the_review_queue_shows_the_evidence_in_the_readers_language(monkeypatch):
    pair = PossibleDuplicate.objects.create(
        household_a=HouseholdFactory(),
        household_b=HouseholdFactory(),
        score=90,
        evidence="same family name (Okafor)\nsame family size (4)\nan older wording",
    )
    shouting(monkeypatch)
    assert pair.shown_evidence == [
        "SAME FAMILY NAME (Okafor)",
        "SAME FAMILY SIZE (4)",
        "an older wording",  # no template matches: shown as stored
    ]


def test_every_template_reads_back_what_it_wrote():
    for sentences, values in (
        (EVIDENCE, {"name": "A / B (c)", "other": "D", "percent": 88, "city": "Mafraq"}),
        (history.SUBJECTS, {"code": "7K3M-Q9XR-2HPA", "number": 4, "pair": 1, "other": 2}),
    ):
        for template, pattern in sentences._patterns:
            names = set(pattern.groupindex)
            text = sentences.write(template, **{name: values.get(name, 7) for name in names})
            assert sentences.show(text) == text


def test_a_sentence_is_written_only_from_its_own_templates():
    with pytest.raises(ValueError, match="Not a template"):
        StoredSentences("one %(x)s").write("another %(x)s", x=1)


def test_the_history_subject_is_stored_in_english_and_shown_translated(manager, monkeypatch):
    household = HouseholdFactory()
    with translation.override("fr"):
        issue_card(household=household, staff=manager)
        issue_card(household=household, staff=manager)
    latest = household.changes.order_by("-id").first()
    assert re.fullmatch(r"card [0-9A-Z-]{14} revoked", latest.subject)
    shouting(monkeypatch)
    entry = history.entries_for(household, manager)[0]
    assert entry.subject == latest.subject.replace("card", "CARD").replace("revoked", "REVOKED")


# --- The import's worker writes in the language of whoever started it --------------


def test_a_queued_step_carries_the_language_of_whoever_queued_it(manager):
    with translation.override("es"):
        job = import_jobs.start_import(
            file_name="families.csv", data=",".join(COLUMNS).encode(), staff=manager
        )
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs == {"args": [job.pk, job.attempt], "kwargs": {"language": "es"}}


@pytest.mark.parametrize(("language", "expected"), [("ar", "ar"), (None, settings.LANGUAGE_CODE)])
def test_the_worker_runs_a_step_in_its_language(monkeypatch, language, expected):
    seen = []
    monkeypatch.setattr(
        import_jobs, "run_check", lambda *args: seen.append(translation.get_language())
    )
    tasks.check_household_import.func(1, 1, language=language)
    assert seen == [expected]


# --- On a phone --------------------------------------------------------------------


def test_the_household_list_turns_into_cards_on_a_phone(client, worker):
    HouseholdFactory(phone_number="+1 202 555 0100")
    client.force_login(worker.user)
    page = client.get(reverse("households:list")).content.decode()
    assert 'class="table table-cards' in page
    assert "table-responsive" not in page
    assert '<td data-label="Phone" class="text-nowrap"><bdi class="ltr" dir="ltr">' in page


def test_the_form_asks_phones_for_the_right_keyboard():
    form = HouseholdForm()
    assert form.fields["phone_number"].widget.attrs["inputmode"] == "tel"
    assert form.fields["family_size"].widget.attrs["inputmode"] == "numeric"
    for name in ("family_name", "primary_contact_name", "phone_number", "address"):
        assert form.fields[name].widget.attrs["autocomplete"] == "off"


@pytest.mark.parametrize("language", CODES)
def test_every_household_page_renders_in_every_language(client, admin_staff, language):
    household = save_household(household=HouseholdFactory.build(), staff=admin_staff)
    twin = HouseholdFactory(family_name=household.family_name, address=household.address)
    PossibleDuplicate.objects.create(
        household_a=household, household_b=twin, score=90, evidence="same family size (4)"
    )
    issue_card(household=household, staff=admin_staff)
    job = import_jobs.start_import(
        file_name="families.csv", data=",".join(COLUMNS).encode(), staff=admin_staff
    )
    admin_staff.language = language
    admin_staff.save()
    client.force_login(admin_staff.user)
    urls = [
        reverse("households:list"),
        reverse("households:create"),
        reverse("households:detail", args=[household.pk]),
        reverse("households:edit", args=[household.pk]),
        reverse("households:card", args=[household.pk]),
        reverse("households:card_sheet") + f"?ids={household.pk}",
        reverse("households:member_add", args=[household.pk]),
        reverse("households:alternates", args=[household.pk]),
        reverse("households:duplicates"),
        reverse("households:imports"),
        reverse("households:import_detail", args=[job.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}"' in response.content.decode(), url
