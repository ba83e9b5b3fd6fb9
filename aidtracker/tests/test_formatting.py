"""What dates, numbers and phone numbers look like in each language of the portal.

The portal uses Django's own per-locale formats (no FORMAT_MODULE_PATH of its own).
These tests pin what staff read, so that a change of format is a decision, not an
accident. In Arabic, figures keep Western digits, and phone numbers and codes stay
left to right inside the right-to-left text: the `ltr` filter isolates them.
"""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from households.phones import format_phone

DAY = datetime.date(2027, 1, 12)
MOMENT = datetime.datetime(2027, 1, 12, 14, 5)
PHONE = "+962 7 9123 4567"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Jan. 12, 2027"),
        ("fr", "12 janvier 2027"),
        ("es", "12 de enero de 2027"),
        ("ar", "12 يناير، 2027"),
    ],
)
def test_dates_read_in_the_language(language, expected):
    with translation.override(language):
        assert formats.date_format(DAY) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "01/12/2027"),
        ("fr", "12/01/2027"),
        ("es", "12/01/2027"),
        # Right-to-left marks after the day and the month keep 12/01/2027 in that
        # order inside Arabic text.
        ("ar", "12\u200f/01\u200f/2027"),
    ],
)
def test_short_dates_put_the_day_first_except_in_english(language, expected):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Jan. 12, 2027, 2:05 p.m."),
        ("fr", "12 janvier 2027 14:05"),
        ("es", "12 de enero de 2027 a las 14:05"),
        ("ar", "يناير 12, 2027, 2:05 م"),
    ],
)
def test_date_and_time(language, expected):
    with translation.override(language):
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "12 Jan 2027"), ("fr", "12 Jan 2027"), ("es", "12 Ene 2027"), ("ar", "12 يناير 2027")],
)
def test_the_templates_short_date_names_the_month_in_the_language(language, expected):
    """`|date:"j M Y"`, the receipts' and lists' compact date."""
    with translation.override(language):
        assert Template('{{ day|date:"j M Y" }}').render(Context({"day": DAY})) == expected


@pytest.mark.parametrize(
    ("language", "grouped", "plain"),
    [
        ("en", "1,234,567.50", "1234567.50"),
        ("fr", "1\xa0234\xa0567,50", "1234567,50"),
        ("es", "1\xa0234\xa0567,50", "1234567,50"),
        # Django's Arabic formats group no digits; the comma is the decimal mark.
        ("ar", "1234567,50", "1234567,50"),
    ],
)
def test_numbers_use_the_languages_separators(language, grouped, plain):
    with translation.override(language):
        assert formats.number_format(Decimal("1234567.5"), 2, force_grouping=True) == grouped
        assert formats.number_format(Decimal("1234567.5"), 2) == plain


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "2.5 · 1200"), ("fr", "2,5 · 1200"), ("ar", "2,5 · 1200")]
)
def test_templates_localize_figures_without_grouping_thousands(language, expected):
    """USE_THOUSAND_SEPARATOR stays off: unit counts and ids print as plain digits."""
    with translation.override(language):
        rendered = Template("{{ weight }} · {{ units }}").render(
            Context({"weight": Decimal("2.5"), "units": 1200})
        )
    assert rendered == expected


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_phone_numbers_read_the_same_in_every_language(language):
    with translation.override(language):
        assert format_phone("+962791234567") == PHONE


def test_ltr_keeps_a_phone_number_left_to_right_in_an_arabic_page():
    template = Template(
        "{% load i18n bidi %}{% get_current_language_bidi as rtl %}"
        '<p dir="{{ rtl|yesno:"rtl,ltr" }}">{% translate "Phone" %}: {{ phone|ltr }}</p>'
    )
    with translation.override("ar"):
        rendered = template.render(Context({"phone": PHONE}))
    assert rendered.startswith('<p dir="rtl">')
    assert f'<bdi class="ltr" dir="ltr">{PHONE}</bdi></p>' in rendered


def test_ltr_escapes_what_it_wraps_and_leaves_an_empty_value_empty():
    template = Template("{% load bidi %}[{{ value|ltr }}]")
    assert template.render(Context({"value": "<b>07</b>"})) == (
        '[<bdi class="ltr" dir="ltr">&lt;b&gt;07&lt;/b&gt;</bdi>]'
    )
    assert template.render(Context({"value": ""})) == "[]"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "html"),
    [
        ("ar", '<html lang="ar" dir="rtl">'),
        ("fr", '<html lang="fr" dir="ltr">'),
        ("es", '<html lang="es" dir="ltr">'),
        ("en", '<html lang="en" dir="ltr">'),
    ],
)
def test_pages_declare_their_language_and_direction(client, language, html):
    response = client.get(reverse("login"), headers={"accept-language": language})
    assert response.status_code == 200
    assert html in response.content.decode()


def test_an_arabic_page_keeps_the_centers_phone_left_to_right(client, manager):
    manager.center.phone_number = PHONE
    manager.center.save()
    client.force_login(manager.user)
    response = client.get(
        reverse("centers:detail", args=[manager.center.pk]), headers={"accept-language": "ar"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in page
    assert f'<bdi class="ltr" dir="ltr">{PHONE}</bdi>' in page
