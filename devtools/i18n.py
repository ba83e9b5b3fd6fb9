"""Translation tooling: the catalogs' extraction, and the lints for unmarked text.

    python -m devtools.i18n catalogs   # update locale/<lang>/LC_MESSAGES/django.po
    python -m devtools.i18n lint       # every unmarked string, by file and line

`make catalogs` runs the first. aidtracker/tests/test_i18n.py runs the same
extraction into a temporary directory (are the committed catalogs current?) and both
lints; docs/I18N.md explains what they accept.
"""

import argparse
import ast
import contextlib
import fnmatch
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAIN = "django"

# The project's own packages: their templates and Python modules are linted.
APPS = (
    "aidtracker",
    "core",
    "audit",
    "centers",
    "households",
    "inventory",
    "distribution",
    "reports",
)

# What makemessages leaves out (fnmatch against a folder's or file's name, or its path
# from the project root). Tests, migrations and benchmarks show nothing to staff;
# devtools (demo data, load generation, cluster scripts) is not installed in production
# and no page renders its text; docs and the front-end assets hold no Django strings.
IGNORE_PATTERNS = (
    ".venv",
    "node_modules",
    "staticfiles",
    "static",
    "locale",
    "docs",
    "bench",
    "devtools",
    "tests",
    "migrations",
    "conftest.py",
    "artifacts",
    "backups",
)


def translated_languages():
    """The languages with a catalog: settings.LANGUAGES but the source language."""
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalog_path(language, locale_dir=LOCALE_DIR):
    return Path(locale_dir) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


# --- Extraction --------------------------------------------------------------------


def _makemessages_command(output):
    """Django's makemessages, writing the project's one catalog per language to `output`.

    Stock makemessages files each source under the nearest `locale` folder; this
    project keeps one catalog per language, and the freshness test needs the very
    same extraction written somewhere other than the committed catalogs.
    """
    from django.core.management.commands import makemessages

    class Command(makemessages.Command):
        def find_files(self, root):
            files = super().find_files(root)
            self.locale_paths = [str(output)]
            self.default_locale_path = str(output)
            for translatable in files:
                translatable.locale_dir = str(output)
            return files

    return Command()


def update_catalogs(output=LOCALE_DIR, languages=None, keep_pot=False, verbosity=0):
    """Extract every marked string into `output`/<lang>/LC_MESSAGES/django.po.

    Existing catalogs are merged (msgmerge keeps translations; a changed string comes
    back fuzzy), entries no source uses any more are dropped (--no-obsolete), and
    locations name the file only (--add-location file) so catalogs do not churn
    when lines move. `keep_pot` leaves the template, django.pot, beside them.
    """
    from django.core.management import call_command

    Path(output).mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(BASE_DIR):
        call_command(
            _makemessages_command(output),
            locale=list(languages or translated_languages()),
            ignore_patterns=list(IGNORE_PATTERNS),
            no_obsolete=True,
            add_location="file",
            keep_pot=keep_pot,
            verbosity=verbosity,
        )
    for language in languages or translated_languages():
        _tidy_header(catalog_path(language, output), language)
    return Path(output) / f"{DOMAIN}.pot"


_TEMPLATE_COMMENT = re.compile(
    r"\A# SOME DESCRIPTIVE TITLE\.\n(?:# .*\n)*?# FIRST AUTHOR <EMAIL@ADDRESS>, YEAR\.\n#\n"
)


def _tidy_header(path, language):
    """Fill the header fields the tooling knows, so only translators' fields are left.

    POT-Creation-Date goes: it changes on every run and would make each catalog differ
    in git when no message did. The header is not fuzzy once its fields are filled.
    """
    from django.utils.translation import get_language_info

    text = path.read_text(encoding="utf-8")
    name = get_language_info(language)["name"]
    text = _TEMPLATE_COMMENT.sub(f"# AidTracker's messages in {name} ({language}).\n", text)
    text = re.sub(r'^"POT-Creation-Date: .*"\n', "", text, count=1, flags=re.M)
    text = text.replace(
        '"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: AidTracker\\n"'
    )
    text = text.replace('"Language: \\n"', f'"Language: {language}\\n"')
    text = re.sub(
        r'^#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', text, count=1, flags=re.M
    )
    path.write_text(text, encoding="utf-8")


# --- Reading catalogs --------------------------------------------------------------


@dataclass
class Entry:
    """One message of a .po or .pot file."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list = field(default_factory=list)
    flags: set = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None

    @property
    def translated(self):
        return bool(self.msgstr) and all(self.msgstr)

    def __str__(self):
        if self.msgctxt is not None:
            return f"{self.msgid!r} (context {self.msgctxt!r})"
        return repr(self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PO_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unquote(text):
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match[1], match[0]), text)


def read_catalog(path):
    """The entries of a .po/.pot file, header included (GNU gettext's PO syntax)."""
    entries = []
    entry, target = Entry(), None

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("|"):  # "#~|": an obsolete entry's previous msgid
            continue
        if line.startswith("#,"):
            if target is not None and target[0] == "msgstr":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"') and target is not None:
            value = _unquote(line[1:-1])
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
            continue
        match = _PO_LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        keyword, index, value = match[1], match[2], _unquote(match[3])
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            finish()
        if keyword.startswith("msgstr"):
            index = int(index or 0)
            entry.msgstr.extend([""] * (index + 1 - len(entry.msgstr)))
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            setattr(entry, keyword, value)
            target = (keyword, None)
            entry.line = entry.line or number
        entry.obsolete = entry.obsolete or obsolete
    finish()
    return entries


def messages_of(path):
    """The live messages of a catalog: no header, no obsolete entries."""
    return [entry for entry in read_catalog(path) if not entry.is_header and not entry.obsolete]


# --- What counts as text to translate -----------------------------------------------

# Words that read the same in every language of the portal.
ALLOWED_WORDS = frozenset(
    {
        "AidTracker",  # the product's name
        # file formats and standards, written the same way in fr, es and ar interfaces
        "CSV",
        "XLSX",
        "HXL",
        "JSON",
        "PDF",
        "QR",
        "UTC",
        # units
        "kg",
        "km",
        "ml",
        "cm",
        "mm",
        "px",
    }
)
WORD = re.compile(r"[^\W\d_]{2,}")
# Not words: HXL tags (#adm1+name), addresses, e-mails, placeholders (%(name)s,
# {name}), names with dots or underscores (manage.py, rebuild_rollup), codes with
# digits (A4, HH-0042, E164).
NOT_WORDS = re.compile(
    r"#[^\W\d_][\w+]*"
    r"|\b[a-z][a-z0-9+.-]*://\S+"
    r"|\S+@\S+\.\w+"
    r"|%\(\w+\)[a-z]|%[a-z]"
    r"|\{\w*\}"
    r"|\b\w*(?:[._]\w+)+\b"
    r"|\b(?=[A-Z0-9-]*\d)[A-Z0-9-]+\b"
)


def unmarked_words(text):
    """The words of `text` a translator would have to translate."""
    return [word for word in WORD.findall(NOT_WORDS.sub(" ", text)) if word not in ALLOWED_WORDS]


@dataclass(frozen=True)
class Finding:
    """One unmarked string: where it is, what it says, and why it counts as text."""

    path: str
    line: int
    text: str
    why: str

    @property
    def app(self):
        first = self.path.split("/", 1)[0]
        if first == "templates":
            parts = self.path.split("/")
            return parts[1] if len(parts) > 2 else "templates"
        return first

    def __str__(self):
        return f"{self.path}:{self.line}: {self.text!r} ({self.why})"


def _relative(path):
    path = Path(path).resolve()
    return path.relative_to(BASE_DIR).as_posix() if path.is_relative_to(BASE_DIR) else str(path)


# --- Template lint -----------------------------------------------------------------

# Stands for a {{ variable }} or {% tag %}: renders something, never a word here.
PLACEHOLDER = "\ue000"
PLACEHOLDERS = re.compile("[\ue000-\uf8ff]")

# Attributes that people read (or hear, through a screen reader).
HUMAN_ATTRIBUTES = frozenset(
    {
        "title",
        "alt",
        "placeholder",
        "label",
        "aria-label",
        "aria-description",
        "aria-placeholder",
        "aria-roledescription",
        "aria-valuetext",
        "data-label",
    }
)
# JavaScript's strings come from data attributes: those named data-msg-* or ending in
# one of these words (data-confirm, data-empty-text) are text; any other data-* is
# text when its value reads as a phrase (capitalised, or words with spaces), so
# data-state="waiting" is a machine value and data-read="Card read:" is not.
HUMAN_DATA_ATTRIBUTE = re.compile(
    r"^data-(?:msg-[\w-]+|(?:[\w-]+-)?(?:text|label|title|message|hint|prompt|confirm|error))$"
)
MACHINE_DATA_ATTRIBUTE = re.compile(r"^data-(?:[\w-]+-)?(?:url|id|class|classes|target|key|src)$")
SPACED_WORDS = re.compile(r"[^\W\d_]{2,}\s+\S")
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})
# Tag arguments that are text: {% include "x.html" with label="..." %} and the
# human filters' arguments, {{ value|default:"never" }}; both take _("...").
HUMAN_TAG_ARGUMENT = re.compile(
    r"""\b(label|title|heading|text|message|caption|help_text|placeholder|empty_text)"""
    r"""\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)
HUMAN_FILTER_ARGUMENT = re.compile(
    r"""\|\s*(default|default_if_none|yesno)\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)
# Their own string literal is the message id.
TRANSLATE_TAGS = frozenset({"translate", "trans"})
SKIPPED_BLOCKS = {
    "blocktranslate": {"endblocktranslate"},
    "blocktrans": {"endblocktrans"},
    "comment": {"endcomment"},
}


def is_human_attribute(tag, name, value, attributes):
    if name in HUMAN_ATTRIBUTES or HUMAN_DATA_ATTRIBUTE.match(name):
        return True
    if name.startswith("data-") and not MACHINE_DATA_ATTRIBUTE.match(name):
        return value.lstrip()[:1].isupper() or bool(SPACED_WORDS.search(value))
    return (
        name == "value"
        and tag == "input"
        and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES
    )


class _TextCollector(HTMLParser):
    """Collect a page's text and human attribute values with their line numbers.

    Skips <script> and <style> contents, HTML comments and machine attributes.
    """

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.texts = []  # (line, text, why)
        self._raw_tag = None
        self._pending = None

    def _flush(self):
        if self._pending is not None:
            self.texts.append((*self._pending, "text"))
            self._pending = None

    def handle_data(self, data):
        if self._raw_tag is not None:
            return
        if self._pending is None:
            self._pending = (self.getpos()[0], data)
        else:
            self._pending = (self._pending[0], self._pending[1] + data)

    def handle_entityref(self, name):
        self.handle_data(" ")

    def handle_charref(self, name):
        self.handle_data(" ")

    def handle_starttag(self, tag, attrs):
        self._flush()
        line = self.getpos()[0]
        source = self.get_starttag_text() or ""
        values = dict(attrs)
        for name, value in attrs:
            if value and is_human_attribute(tag, name, value, values):
                before = source[: max(source.find(name), 0)]
                self.texts.append((line + before.count("\n"), value, f"{name} attribute"))
        if tag in ("script", "style"):
            self._raw_tag = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw_tag = None

    def handle_endtag(self, tag):
        self._flush()
        if tag == self._raw_tag:
            self._raw_tag = None

    def handle_comment(self, data):
        self._flush()

    def handle_decl(self, decl):
        self._flush()

    def close(self):
        super().close()
        self._flush()


def _quoted_literals(path, token):
    """Unmarked text in a tag's or variable's string literals.

    Returns (findings, context-dependent findings): a tag argument named like text
    (label=, title=) is text wherever it goes; a filter's or firstof's fallback is text
    only when the variable renders into the page's text or a human attribute
    ({{ form_id|default:"nav" }} in an id is not).
    """
    contents = token.contents
    if (contents.split(None, 1) or [""])[0] in TRANSLATE_TAGS:
        return [], []
    always, in_context = [], []
    for match in HUMAN_TAG_ARGUMENT.finditer(contents):
        if unmarked_words(match[2][1:-1]):
            always.append(Finding(path, token.lineno, match[2][1:-1], f"{match[1]} argument"))
    for match in HUMAN_FILTER_ARGUMENT.finditer(contents):
        if unmarked_words(match[2][1:-1]):
            why = f"{match[1]} filter argument"
            in_context.append(Finding(path, token.lineno, match[2][1:-1], why))
    if contents.startswith("firstof "):
        for literal in re.findall(r"""(?<![\w(])("[^"]*"|'[^']*')""", contents):
            if unmarked_words(literal[1:-1]):
                in_context.append(Finding(path, token.lineno, literal[1:-1], "firstof argument"))
    return always, in_context


def lint_template(path):
    """Findings for the text of one template that no translate tag covers."""
    from django.template.base import Lexer, TokenType

    relative = _relative(path)
    skeleton, findings, skip_until = [], [], None
    # Private-use characters stand for tags whose literals count only in text.
    pending = {}
    for token in Lexer(Path(path).read_text(encoding="utf-8")).tokenize():
        if token.token_type == TokenType.TEXT:
            text = token.contents
            skeleton.append("\n" * text.count("\n") if skip_until else text)
            continue
        if token.token_type == TokenType.COMMENT:
            continue
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split(None, 1) or [""])[0]
            if skip_until:
                if name in skip_until:
                    skip_until = None
                continue
            skip_until = SKIPPED_BLOCKS.get(name)
        elif skip_until:
            continue
        always, in_context = _quoted_literals(relative, token)
        findings.extend(always)
        if in_context:
            marker = chr(ord(PLACEHOLDER) + 1 + len(pending))
            pending[marker] = in_context
            skeleton.append(marker)
        else:
            skeleton.append(PLACEHOLDER)
    collector = _TextCollector()
    collector.feed("".join(skeleton))
    collector.close()
    for first_line, text, why in collector.texts:
        for offset, line in enumerate(text.split("\n")):
            for marker in set(line) & pending.keys():
                findings.extend(pending.pop(marker))
            if unmarked_words(line):
                shown = " ".join(PLACEHOLDERS.sub("{…}", line).split())
                findings.append(Finding(relative, first_line + offset, shown, why))
    return sorted(findings, key=lambda finding: (finding.line, finding.text, finding.why))


def template_files():
    """The project's templates: templates/ and every app's templates folder."""
    roots = [BASE_DIR / "templates", *(BASE_DIR / app / "templates" for app in APPS)]
    return sorted(
        path
        for root in roots
        if root.is_dir()
        for path in root.rglob("*")
        if path.suffix in (".html", ".txt")
    )


def lint_templates(paths=None):
    return [finding for path in paths or template_files() for finding in lint_template(path)]


# --- Python lint -------------------------------------------------------------------

GETTEXT_FUNCTIONS = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
# Which arguments are message ids: pgettext's first is the context.
MSGID_ARGUMENTS = {
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error"})
# Exceptions whose message a person reads: forms show a ValidationError's, and the
# 403 page (aidtracker.views.permission_denied) shows a PermissionDenied's. Http404
# is left out on purpose: the 404 page never shows its message (it is for logs).
USER_EXCEPTIONS = frozenset({"ValidationError", "PermissionDenied"})
TEXT_KEYWORDS = frozenset(
    {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
)
# description= is text only for the admin's decorators (@admin.action, @admin.display).
ADMIN_DECORATORS = frozenset({"action", "display"})
CHOICES_BASES = frozenset({"TextChoices", "IntegerChoices", "Choices"})
# Class attributes that are text: Meta's names, a page's title, the views' messages.
TEXT_CLASS_ATTRIBUTES = frozenset(
    {
        "verbose_name",
        "verbose_name_plural",
        "title",
        "empty_value_display",
        "short_description",
        "permission_denied_message",
    }
)
TEXT_FUNCTION_ATTRIBUTES = frozenset({"short_description", "verbose_name"})

# Modules left out, with the reason.
EXEMPT_MODULES = {
    "*/management/commands/*": "operators' command-line output is English, like Django's",
    "*/tests/*": "tests",
    "*/migrations/*": "frozen model state; labels come from the models",
    "reports/models.py": "the report rollup tables: no form or admin page shows them, so"
    " their help_text documents columns for developers only",
}
# Single strings left out: (module, text) -> reason. Keep it short.
EXEMPT_STRINGS: dict[tuple[str, str], str] = {}


def _name(node):
    """The called name: `ValidationError` for both `ValidationError` and `forms.ValidationError`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def is_gettext_call(node):
    return isinstance(node, ast.Call) and _name(node.func) in GETTEXT_FUNCTIONS


def unmarked_text(node):
    """The text of `node` when it is a literal shown to people but not marked, else None."""
    if node is None or is_gettext_call(node):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if unmarked_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values
        )
        return text if unmarked_words(text.replace("{…}", " ")) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return unmarked_text(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return unmarked_text(node.left) or unmarked_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return unmarked_text(node.func.value) if node.func.attr == "format" else None
    if isinstance(node, ast.IfExp):
        return unmarked_text(node.body) or unmarked_text(node.orelse)
    if isinstance(node, ast.BoolOp):
        return next(filter(None, map(unmarked_text, node.values)), None)
    return None


def _argument(call, index, keyword):
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[index]
    return next((kw.value for kw in call.keywords if kw.arg == keyword), None)


def _leaves(node):
    """The values of a literal container (dict values, list and tuple items), or the node."""
    if isinstance(node, ast.Dict):
        return [leaf for value in node.values for leaf in _leaves(value)]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [leaf for item in node.elts for leaf in _leaves(item)]
    return [node]


def _choice_labels(node):
    """The labels of a literal choices list: [(value, label), (group, [(value, label)])]."""
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    labels = []
    for item in node.elts:
        if isinstance(item, ast.Tuple | ast.List) and len(item.elts) == 2:
            label = item.elts[1]
            if isinstance(label, ast.List | ast.Tuple):
                labels.append(item.elts[0])
                labels.extend(_choice_labels(label))
            else:
                labels.append(label)
    return labels


class _PythonLinter(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.findings = []
        self._scopes = []  # "module", "class" or "function", innermost last
        self._functions = []

    def report(self, node, why, text=None):
        text = text if text is not None else unmarked_text(node)
        if text is None or (self.path, text) in EXEMPT_STRINGS:
            return
        self.findings.append(Finding(self.path, node.lineno, text, why))

    def report_leaves(self, node, why):
        for leaf in _leaves(node):
            self.report(leaf, why)

    # Scopes.
    def visit_Module(self, node):
        self._scopes.append("module")
        self.generic_visit(node)
        self._scopes.pop()

    def visit_ClassDef(self, node):
        if {_name(base) for base in node.bases} & CHOICES_BASES:
            self.check_choices(node)
        self._scopes.append("class")
        self.generic_visit(node)
        self._scopes.pop()

    def visit_FunctionDef(self, node):
        self._scopes.append("function")
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()
        self._scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # Constants and class attributes that hold text.
    def visit_Assign(self, node):
        for target in node.targets:
            self.check_assignment(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.check_assignment(node.target, node.value)
        self.generic_visit(node)

    def check_assignment(self, target, value):
        scope = self._scopes[-1]
        if isinstance(target, ast.Name) and scope in ("module", "class"):
            name = target.id
            if name.upper().endswith(("MESSAGE", "MESSAGES", "LABEL", "LABELS")):
                self.report_leaves(value, f"{name} holds text")
            elif scope == "class" and (name in TEXT_CLASS_ATTRIBUTES or name.endswith("_message")):
                self.report(value, f"{name} is text")
        elif isinstance(target, ast.Attribute) and target.attr in TEXT_FUNCTION_ATTRIBUTES:
            self.report(value, f"{target.attr} is text")

    def check_choices(self, node):
        for statement in node.body:
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                continue
            member, value = target.id, statement.value
            if member == "__empty__":
                self.report(value, "choices' empty label")
            elif not member.isupper() or member.startswith("_"):
                continue
            elif isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                self.report(value.elts[-1], f"label of {node.name}.{member}")
            elif isinstance(value, ast.Constant):
                self.report(
                    value,
                    f"{node.name}.{member} has no label: Django derives one from the name,"
                    " which no catalog can translate",
                    text=member,
                )

    def visit_Return(self, node):
        function = self._functions[-1] if self._functions else None
        if function == "get_title":
            self.report(node.value, "page title")
        elif function == "get_breadcrumbs" and isinstance(node.value, ast.List | ast.Tuple):
            for item in node.value.elts:
                if isinstance(item, ast.Tuple) and item.elts:
                    self.report(item.elts[0], "breadcrumb label")
        self.generic_visit(node)

    # Calls.
    def visit_Call(self, node):
        name = _name(node.func)
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name in MESSAGE_LEVELS and _name(owner) == "messages":
            self.report(_argument(node, 1, "message"), f"messages.{name}")
        elif name == "add_message" and _name(owner) == "messages":
            self.report(_argument(node, 2, "message"), "messages.add_message")
        elif name in USER_EXCEPTIONS:
            self.report_leaves(_argument(node, 0, "message"), name)
        elif name == "add_error" and owner is not None:
            self.report_leaves(_argument(node, 1, "error"), "add_error")
        elif name in GETTEXT_FUNCTIONS:
            self.check_gettext(node, name)
        elif name == "format" and is_gettext_call(owner):
            self.findings.append(
                Finding(
                    self.path,
                    node.lineno,
                    _literal(owner) or "",
                    "str.format() on a translation: use %(name)s placeholders",
                )
            )
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                self.report(keyword.value, f"{keyword.arg}=")
            elif keyword.arg == "description" and name in ADMIN_DECORATORS:
                self.report(keyword.value, f"{name}(description=)")
            elif keyword.arg == "error_messages":
                self.report_leaves(keyword.value, "error_messages=")
            elif keyword.arg == "choices":
                for label in _choice_labels(keyword.value):
                    self.report(label, "choices= label")
        self.generic_visit(node)

    def check_gettext(self, node, name):
        for index in MSGID_ARGUMENTS.get(name, (0,)):
            if len(node.args) <= index:
                continue
            argument = node.args[index]
            # gettext(name) translates a gettext_noop'd string at run time: fine. A
            # string built in place (f-string, % or + or .format) never reaches xgettext.
            computed = isinstance(argument, ast.JoinedStr | ast.BinOp | ast.Call)
            if computed and unmarked_text(argument) is not None:
                self.findings.append(
                    Finding(
                        self.path,
                        node.lineno,
                        unmarked_text(argument),
                        f"{name}() of a computed string: xgettext extracts literals only;"
                        " translate the literal, then interpolate",
                    )
                )
                continue
            text = _literal(argument)
            if text is None:
                continue
            if len(re.findall(r"%[sdif]", text.replace("%%", ""))) > 1:
                self.findings.append(
                    Finding(
                        self.path,
                        node.lineno,
                        text,
                        "several unnamed placeholders: use %(name)s so translators can"
                        " reorder them",
                    )
                )
            if re.search(r"\{\w*\}", text):
                self.findings.append(
                    Finding(self.path, node.lineno, text, "{} placeholder: use %(name)s")
                )


def _literal(node):
    if isinstance(node, ast.Call) and node.args:
        node = node.args[MSGID_ARGUMENTS.get(_name(node.func), (0,))[0]]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def lint_module(path):
    relative = _relative(path)
    linter = _PythonLinter(relative)
    linter.visit(ast.parse(Path(path).read_text(encoding="utf-8"), filename=relative))
    return sorted(
        set(linter.findings), key=lambda finding: (finding.line, finding.text, finding.why)
    )


def python_modules():
    """The apps' modules that run in production (no tests, no migrations, no CLI)."""
    return sorted(
        path
        for app in APPS
        for path in (BASE_DIR / app).rglob("*.py")
        if not any(fnmatch.fnmatch(_relative(path), pattern) for pattern in EXEMPT_MODULES)
    )


def lint_python(paths=None):
    return [finding for path in paths or python_modules() for finding in lint_module(path)]


# --- Command line ------------------------------------------------------------------


def _print_findings(findings, out):
    for finding in findings:
        print(finding, file=out)
    counts = Counter(finding.app for finding in findings)
    print(f"\n{len(findings)} unmarked strings", file=out)
    for app, count in sorted(counts.items()):
        print(f"  {app:<14} {count}", file=out)


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="python -m devtools.i18n", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    catalogs = commands.add_parser("catalogs", help="update the catalogs from the sources")
    catalogs.add_argument("--output", default=str(LOCALE_DIR), help="locale folder to write")
    lint = commands.add_parser("lint", help="list the strings not marked for translation")
    lint.add_argument("which", nargs="?", choices=("templates", "python"), default=None)
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    import django

    django.setup()
    if options.command == "catalogs":
        update_catalogs(options.output, verbosity=1)
        return 0
    findings = []
    if options.which in (None, "templates"):
        findings += lint_templates()
    if options.which in (None, "python"):
        findings += lint_python()
    _print_findings(findings, out)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
