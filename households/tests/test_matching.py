"""The matching rule on plain values: name keys, addresses, phones, and the verdicts."""

import pytest

from households.matching import (
    ADDRESS_THRESHOLD,
    NAME_THRESHOLD,
    Registration,
    address_key,
    address_numbers,
    address_similarity,
    fold,
    judge,
    name_key,
    name_similarity,
    phone_tail,
)


def alike(first, second):
    return name_similarity(name_key(first), name_key(second))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Mohammed", "Muhammad"),
        ("Mohamed", "Mohammad"),
        ("Mohamad", "Muhammed"),
        ("Ahmed", "Ahmad"),
        ("Hussein", "Hussain"),
        ("Husain", "Hossein"),
        ("Yusuf", "Youssef"),
        ("Yousef", "Yusuf"),
        ("Fatima", "Fatma"),
        ("Osman", "Usman"),
        ("Othman", "Uthman"),
        ("Abdul Rahman", "Abd al-Rahman"),
        ("Abdel Rahman", "Abdulrahman"),
        ("Abdur Rahman", "Abdul Rahman"),
        ("Al-Hassan", "Hassan"),
        ("El Masri", "Masri"),
        ("Al Hassan", "El-Hassan"),
        ("Mohamed Al-Hassan", "Muhammad Hassan"),
        ("Hassan Mohamed", "Mohamed Hassan"),  # word order
        ("Okafor-Eze", "Eze Okafor"),
        ("José Núñez", "Jose Nunez"),  # accents
        ("ZAINAB OMAR", "zainab omar"),  # case
        ("O'Brien", "OBrien"),  # punctuation
        ("Mensah", "Mensa"),  # a typo
        ("Kowalski", "Kowalsky"),
    ],
)
def test_names_that_must_match(first, second):
    assert alike(first, second) >= NAME_THRESHOLD


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Hassan", "Hussein"),  # two names, not two spellings
        ("Yusuf", "Joseph"),  # the English name is not a spelling of Yusuf
        ("Omar", "Osman"),
        ("Amini", "Dlamini"),
        ("Karimi", "Kariuki"),
        ("Garcia", "Gonzalez"),
        ("Okafor", "Okonkwo"),
        ("Family12", "Family13"),  # different numbers are different names
        ("Nguyen", "Tran"),
        ("Mohamed Hassan", "Mohamed Haddad"),
    ],
)
def test_names_that_must_not_match(first, second):
    assert alike(first, second) < NAME_THRESHOLD


def test_name_keys_fold_articles_variants_and_order():
    assert name_key("Mohamed Al-Hassan") == name_key("muhammad hassan") == "hassan muhammad"
    assert name_key("Abd al-Rahman") == "abdul rahman"
    assert name_key("Al") == "al"  # a name that is only an article keeps it
    assert fold("  Núñez-García ") == "nunez garcia"


def test_an_empty_name_is_like_nothing():
    assert name_similarity("", "") == 0


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("12 Mill Street", "12 Mill St.", 100),
        ("12 Mill Street, Springfield", "12 mill street", 100),  # the city's own words
        ("Block 4, Shelter 012", "Shelter 12 Block 4", 100),  # numbers and words in any order
        ("12 Mill Street", "14 Mill Street", 0),  # another house
        ("12 Mill Street", "12 Mill Road", 0),  # another kind of street
        ("12 Mill Street", "12 Hill Street", 75),
        ("12 Market Street", "12 Markt Street", 91),
        ("", "12 Mill Street", 0),
    ],
)
def test_address_similarity(first, second, expected):
    assert (
        address_similarity(address_key(first, "Springfield"), address_key(second, "Springfield"))
        == expected
    )


def test_mill_and_hill_are_not_alike_addresses():
    assert address_similarity(address_key("12 Mill St"), address_key("12 Hill St")) < (
        ADDRESS_THRESHOLD
    )


def test_address_numbers_are_the_same_in_any_script():
    assert address_numbers("Apt 3B, 45 Church St.") == ("3b", "45")
    assert address_numbers("Rue de l'Église 003") == ("3",)
    assert address_numbers("Mill Street") == ()


def test_phone_tail_is_the_last_seven_digits():
    assert phone_tail("+13125550142") == "5550142"
    assert phone_tail("+123") == ""


def registration(**changes):
    fields = {
        "family_name": "Al-Hassan",
        "primary_contact_name": "Mohamed Al-Hassan",
        "address": "12 Mill Street",
        "city": "Springfield",
        "phone_number": "+13125550142",
        "family_size": 5,
    }
    return Registration(**{**fields, **changes})


def test_names_and_a_similar_address_in_the_same_city_match_with_their_evidence():
    verdict = judge(
        registration(),
        registration(
            family_name="Hassan",
            primary_contact_name="Muhammad Hassan",
            address="12 Mill St",
            phone_number="+13125559999",
        ),
    )
    assert verdict is not None
    assert verdict.score == 100
    assert verdict.evidence == (
        "family name 100% alike (Al-Hassan / Hassan)",
        "contact name 100% alike (Mohamed Al-Hassan / Muhammad Hassan)",
        "address 100% alike in Springfield (12 Mill Street / 12 Mill St)",
        "same family size (5)",
    )


def test_phones_ending_alike_corroborate_names_in_another_city():
    verdict = judge(
        registration(),
        registration(
            city="Shelbyville",
            address="3 Elm Road",
            phone_number="+14135550142",
            primary_contact_name="Muhamad Hasan",
            family_size=4,
        ),
    )
    assert verdict is not None
    assert verdict.score == 100
    assert verdict.evidence == (
        "same family name (Al-Hassan)",
        "contact name 100% alike (Mohamed Al-Hassan / Muhamad Hasan)",
        "phones end in the same 7 digits (…5550142)",
    )


@pytest.mark.parametrize(
    "other",
    [
        # Same names, same city, another house: different families share names.
        {"address": "14 Mill Street", "phone_number": "+13125559999"},
        # Same names and address, another city.
        {"city": "Shelbyville", "phone_number": "+13125559999"},
        # Same family name and address, another contact person and phone.
        {"primary_contact_name": "Zainab Al-Hassan", "phone_number": "+13125559999"},
        # Phones ending alike, but neither name alike.
        {"family_name": "Okafor", "primary_contact_name": "Ngozi Okafor", "address": "1 Elm"},
        # Phones ending alike and a common family name, but another contact person.
        {"primary_contact_name": "Amina Hassan", "city": "Shelbyville", "address": "3 Elm"},
    ],
    ids=["other-house", "other-city", "other-contact", "phone-only", "phone-and-family-only"],
)
def test_alike_names_alone_are_not_enough(other):
    assert judge(registration(), registration(**other)) is None


def test_the_same_name_pair_at_the_same_address_in_the_same_city_matches():
    verdict = judge(registration(), registration(phone_number="+13125559999"))
    assert verdict is not None
    assert verdict.evidence[:3] == (
        "same family name (Al-Hassan)",
        "same contact name (Mohamed Al-Hassan)",
        "same address in Springfield",
    )
