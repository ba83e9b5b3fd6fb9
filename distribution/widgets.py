"""Widgets of the distribution form, written in one pass instead of through templates.

The form page is the busiest page of the portal. Django's widgets render each
<input> and every <option> through the form renderer's templates; these write the
same markup with one format_html each (escaping is format_html's), so the page's
cost does not grow with the number of packages and each field costs a string
format. distribution/tests/test_widgets.py compares their output with Django's.
"""

from django import forms
from django.utils.html import format_html, format_html_join


def html_attributes(attrs):
    """What Django's attrs.html writes: in order, `name` for True, nothing for False."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class OnePassInput:
    """An <input>, as Django's input.html template writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            "" if value is None else format_html(' value="{}"', value),
            html_attributes(self.build_attrs(self.attrs, attrs)),
        )


class NumberInput(OnePassInput, forms.NumberInput):
    pass


class HiddenInput(OnePassInput, forms.HiddenInput):
    pass


class ChoiceSelect(forms.Select):
    """A <select> whose options are written in one pass, not one template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), " selected" if str(option) in selected else "", label)
                for option, label in self.choices
            ),
        )
        attributes = html_attributes(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)
