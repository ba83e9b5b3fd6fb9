"""The distribution form's one-pass widgets write what Django's own widgets write."""

import pytest
from django import forms
from pytest_django.asserts import assertHTMLEqual

from distribution.widgets import ChoiceSelect, HiddenInput, NumberInput

HOSTILE = '"><script>alert(1)</script>&amp;'
ATTRS = [
    None,
    {"id": "id_household", "required": True, "min": "1", "max": "2147483647"},
    {"id": "id_x", "disabled": False, "aria-describedby": "id_x_error", "data-x": HOSTILE},
]
VALUES = [None, "", 0, 42, "12", HOSTILE, "café ✓"]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize(
    ("ours", "djangos"),
    [
        (NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}), forms.NumberInput),
        (HiddenInput(), forms.HiddenInput),
    ],
    ids=["number", "hidden"],
)
def test_inputs_are_byte_for_byte_djangos(ours, djangos, value, attrs):
    djangos = djangos(attrs=ours.attrs)

    rendered = ours.render("household", value, attrs=attrs)

    assert rendered == djangos.render("household", value, attrs=attrs)
    assert "<script>" not in rendered


@pytest.mark.parametrize("value", [None, "", "2", 2, ["2"], "nope"])
def test_select_writes_the_options_djangos_select_writes(value):
    choices = [("", "Choose a package"), (1, "Rice"), (2, HOSTILE), (3, "Lentils & beans")]
    ours = ChoiceSelect(attrs={"class": "form-select"}, choices=choices)
    djangos = forms.Select(attrs={"class": "form-select"}, choices=choices)
    attrs = {"id": "id_package", "required": True}

    rendered = ours.render("package", value, attrs=attrs)

    assertHTMLEqual(rendered, djangos.render("package", value, attrs=attrs))
    assert "<script>" not in rendered
