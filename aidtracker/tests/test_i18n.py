"""The translation pipeline's guards: no text shown to people is left unmarked, the
committed catalogs hold every marked string, and each translation is complete.

The lints and the extraction are devtools/i18n.py: `python -m devtools.i18n lint`
lists every finding, `make catalogs` updates the catalogs; docs/I18N.md has the rules.
The catalog tests need GNU gettext: without it they skip, except in CI (CI set), where
they fail.
"""

import os
import shutil
import subprocess
import textwrap
from collections import defaultdict

import pytest

from devtools import i18n


def require_gettext(*programs):
    missing = [program for program in programs if shutil.which(program) is None]
    if not missing:
        return
    reason = f"GNU gettext's {', '.join(missing)} not found (apt-get install gettext)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (.ci/run APT_PACKAGES)")
    pytest.skip(reason)


def listing(findings):
    return "\n".join(f"  {finding}" for finding in findings)


# --- Unmarked text ------------------------------------------------------------------


def test_templates_mark_every_text():
    findings = i18n.lint_templates()
    assert not findings, (
        f"{len(findings)} texts in templates are not marked for translation; wrap them in"
        " {% translate %} or {% blocktranslate trimmed %} (docs/I18N.md):\n" + listing(findings)
    )


def test_python_marks_every_message():
    findings = i18n.lint_python()
    assert not findings, (
        f"{len(findings)} strings shown to people are not marked for translation; wrap"
        " them in gettext_lazy (module level) or gettext (in functions), as"
        " docs/I18N.md says:\n" + listing(findings)
    )


def found(findings):
    return [(finding.line, finding.text) for finding in findings]


def test_template_lint_finds_text_outside_translate_tags(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        textwrap.dedent(
            """\
            {% extends "base.html" %}{% load i18n %}
            {% block title %}Households{% endblock %}
            {% block content %}
            <a class="btn" href="/x/" title="Open the list">{{ household }}</a>
            <input type="submit" value="Save" name="save">
            <td data-label="Package">{{ row.package }}</td>
            <span data-msg-camera="Camera off">{{ when|default:"never" }}</span>
            <p id="scan-status" data-hold="Hold the card up." data-state="waiting"></p>
            {% include "includes/status_badge.html" with status="ELIGIBLE" label="Eligible" %}
            <p>Nothing
            here yet.</p>
            {% endblock %}
            """
        )
    )
    assert found(i18n.lint_template(template)) == [
        (2, "{…}Households{…}"),
        (4, "Open the list"),
        (5, "Save"),
        (6, "Package"),
        (7, "Camera off"),
        (7, "never"),
        (8, "Hold the card up."),
        (9, "Eligible"),
        (10, "Nothing"),
        (11, "here yet."),
    ]


def test_template_lint_accepts_marked_text_code_and_machine_values(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        textwrap.dedent(
            """\
            {% load i18n bidi %}<!doctype html>
            <html lang="{{ LANGUAGE_CODE }}"><head>
            <title>{% translate "Households" %} · AidTracker</title>
            <style>.empty::before { content: "Nothing here"; }</style>
            <script>var words = "Card read";</script>
            </head>
            <body class="portal page" data-state="pending" data-bs-toggle="collapse">
            {# A comment in words #}
            {% comment %}A longer
            comment in words{% endcomment %}
            <!-- an HTML comment in words -->
            <h1>{% translate "Open" context "verb" %}</h1>
            <p>{% blocktranslate trimmed count n=total %}{{ n }} household{% plural %}
            {{ n }} households{% endblocktranslate %}</p>
            <input type="hidden" name="next" value="somewhere">
            <img src="/logo.png" alt="{% translate 'Logo' %}">
            <i id="menu-{{ form_id|default:'nav' }}" class="{{ css|default:'btn btn-dark' }}"></i>
            <p>{{ when|default:_("never") }} · #adm1+name · 5 kg · HH-0042 · CSV · manage.py</p>
            <p>{{ phone|ltr }} · help@example.org · https://example.org/about</p>
            {% include "includes/status_badge.html" with status="ELIGIBLE" label=_("Eligible") %}
            </body></html>
            """
        )
    )
    assert found(i18n.lint_template(template)) == []


def test_python_lint_finds_unmarked_messages(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        textwrap.dedent(
            """\
            from django.contrib import messages
            from django.core.exceptions import PermissionDenied, ValidationError
            from django.db import models

            SAVED_MESSAGE = "Saved."


            class Status(models.TextChoices):
                OPEN = "open", "Open"
                CLOSED = "closed"


            class Thing(models.Model):
                name = models.CharField(max_length=9, help_text="Shown on the form.")

                class Meta:
                    verbose_name = "thing"


            class ThingView:
                title = "Things"

                def get_breadcrumbs(self):
                    return [("Things", "/things/"), (self.object, None)]


            def view(request, form, count):
                messages.success(request, f"{count} things saved.")
                form.add_error("name", "Choose another name.")
                if count:
                    raise ValidationError({"name": "Too long."})
                raise PermissionDenied("Managers only.")
            """
        )
    )
    assert found(i18n.lint_module(module)) == [
        (5, "Saved."),
        (9, "Open"),
        (10, "CLOSED"),
        (14, "Shown on the form."),
        (17, "thing"),
        (21, "Things"),
        (24, "Things"),
        (28, "{…} things saved."),
        (29, "Choose another name."),
        (31, "Too long."),
        (32, "Managers only."),
    ]


def test_python_lint_accepts_marked_strings_and_machine_values(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        textwrap.dedent(
            """\
            import logging

            from django.contrib import messages
            from django.core.exceptions import ValidationError
            from django.db import models
            from django.http import Http404
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _
            from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

            logger = logging.getLogger(__name__)
            SAVED_MESSAGE = gettext_lazy("Saved.")
            REFUSALS = {"busy": gettext_noop("Busy; try again.")}
            EXPORT_COLUMNS = ("family_name", "phone_number")


            class Status(models.TextChoices):
                OPEN = "open", pgettext_lazy("status", "Open")
                CSV = "csv", "CSV"


            class Thing(models.Model):
                name = models.CharField(max_length=9, help_text=gettext_lazy("Shown."))
                status = models.CharField(max_length=9, default="open", db_comment="Status")


            def view(request, code, count):
                logger.info("distribution.refused", extra={"code": code})
                messages.success(request, _("%(count)s saved.") % {"count": count})
                messages.error(request, _(REFUSALS[code]))
                messages.info(request, " ".join(["a", "b"]))
                if count > 9:
                    raise ValidationError(_("Too many."), code="too_many")
                if not count:
                    raise Http404("No thing with this code.")
                return redirect("households:list")
            """
        )
    )
    assert found(i18n.lint_module(module)) == []


def test_python_lint_finds_translations_xgettext_cannot_use(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        textwrap.dedent(
            """\
            from django.utils.translation import gettext as _


            def text(name, count):
                a = _(f"Served {name}")
                b = _("Served %s of %s") % (count, name)
                c = _("Served {name}").format(name=name)
                return a, b, c
            """
        )
    )
    assert [(finding.line, finding.why.split(":")[0]) for finding in i18n.lint_module(module)] == [
        (5, "_() of a computed string"),
        (6, "several unnamed placeholders"),
        (7, "str.format() on a translation"),
        (7, "{} placeholder"),
    ]


# --- The catalogs -------------------------------------------------------------------


def keys(entries):
    return {entry.key for entry in entries}


def described(key):
    context, msgid, plural = key
    text = repr(msgid) + (f" / {plural!r}" if plural else "")
    return text + (f" (context {context!r})" if context is not None else "")


def by_message(what, languages_by_key):
    ordered = sorted(languages_by_key.items(), key=lambda item: (item[0][1], item[0][0] or ""))
    return [f"  {what} ({', '.join(languages)}): {described(key)}" for key, languages in ordered]


def test_read_catalog_reads_contexts_plurals_flags_and_continued_lines(tmp_path):
    catalog = tmp_path / "django.po"
    catalog.write_text(
        textwrap.dedent(
            """\
            msgid ""
            msgstr ""
            "Language: fr\\n"

            #: households/models.py
            msgctxt "household status"
            msgid "Active"
            msgstr "Actif"

            #, fuzzy, python-format
            msgid ""
            "A long message, "
            "on two lines: %(name)s."
            msgstr "Un long message : %(name)s."

            msgid "%(count)s card"
            msgid_plural "%(count)s cards"
            msgstr[0] "%(count)s carte"
            msgstr[1] ""

            #~ msgid "Gone"
            #~ msgstr "Parti"
            """
        ),
        encoding="utf-8",
    )
    header, active, fuzzy, plural, gone = i18n.read_catalog(catalog)
    assert header.is_header
    assert header.msgstr == ["Language: fr\n"]
    assert (active.key, active.msgstr, active.translated) == (
        ("household status", "Active", None),
        ["Actif"],
        True,
    )
    assert fuzzy.msgid == "A long message, on two lines: %(name)s."
    assert fuzzy.flags == {"fuzzy", "python-format"}
    assert plural.key == (None, "%(count)s card", "%(count)s cards")
    assert not plural.translated
    assert gone.obsolete
    assert gone.msgid == "Gone"
    assert [entry.msgid for entry in i18n.messages_of(catalog)] == [
        "Active",
        "A long message, on two lines: %(name)s.",
        "%(count)s card",
    ]


def test_the_portal_is_translated_to_french_spanish_and_arabic():
    assert set(i18n.translated_languages()) >= {"fr", "es", "ar"}


def test_catalogs_hold_every_marked_string(tmp_path):
    """makemessages, with `make catalogs`' options, into a temporary folder: every
    message it extracts must already be in the committed catalogs, and nothing else."""
    require_gettext("xgettext", "msguniq", "msgmerge", "msgattrib")
    fresh = keys(i18n.messages_of(i18n.update_catalogs(tmp_path / "locale", keep_pot=True)))
    assert fresh, "makemessages extracted no message at all"
    absent, missing, unused = [], defaultdict(list), defaultdict(list)
    for language in i18n.translated_languages():
        path = i18n.catalog_path(language)
        if not path.exists():
            absent.append(f"  {language}: no catalog at {path.relative_to(i18n.BASE_DIR)}")
            continue
        committed = keys(i18n.messages_of(path))
        for key in fresh - committed:
            missing[key].append(language)
        for key in committed - fresh:
            unused[key].append(language)
    problems = absent + by_message("missing", missing) + by_message("no longer used", unused)
    assert not problems, (
        "The committed catalogs are out of date: run `make catalogs`, translate, and"
        " commit locale/.\n" + "\n".join(problems)
    )


SHOWN_PROBLEMS = 200


@pytest.mark.parametrize("language", i18n.translated_languages())
def test_catalog_is_complete_and_valid(language):
    require_gettext("msgfmt")
    path = i18n.catalog_path(language)
    assert path.exists(), f"No {language} catalog at {path}: run `make catalogs`"
    entries = i18n.read_catalog(path)
    problems = [
        f"line {entry.line}: header is still fuzzy"
        for entry in entries
        if entry.is_header and "fuzzy" in entry.flags
    ]
    for entry in entries:
        if entry.is_header or entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy {entry}")
        elif not entry.translated:
            problems.append(f"line {entry.line}: untranslated {entry}")
    # -c: the placeholders of every translation match its msgid's (python-format),
    # each plural has the language's number of forms, the header is well formed.
    check = subprocess.run(
        ["msgfmt", "-c", "--statistics", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
    )
    if check.returncode:
        problems.append(f"msgfmt -c failed:\n{check.stderr}")
    statistics = check.stderr.strip().splitlines()[-1:] or ["no statistics"]
    shown = problems[:SHOWN_PROBLEMS] + (
        [f"… and {len(problems) - SHOWN_PROBLEMS} more"] if len(problems) > SHOWN_PROBLEMS else []
    )
    assert not problems, f"{path.relative_to(i18n.BASE_DIR)} ({statistics[0]}):\n" + "\n".join(
        shown
    )
