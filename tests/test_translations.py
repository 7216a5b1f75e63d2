"""The catalogs: every text the code can show has a Chinese translation that keeps its
placeholders, and the compiled .mo shipped with the package is the .po as it stands.
After changing a text, run `python -m tests.i18n_catalog --update` and translate what it
reports.
"""

from __future__ import annotations

import gettext
import inspect
import re
import string

import pytest
from babel.messages.catalog import Catalog, Message

from tests import i18n_catalog

LANGUAGES = i18n_catalog.LANGUAGES


@pytest.fixture(scope="module")
def template() -> Catalog:
    return i18n_catalog.template()


@pytest.fixture(scope="module", params=LANGUAGES)
def po(request: pytest.FixtureRequest) -> Catalog:
    return i18n_catalog.read(i18n_catalog.po_path(request.param), request.param)


@pytest.fixture(scope="module", params=LANGUAGES)
def mo(request: pytest.FixtureRequest) -> gettext.GNUTranslations:
    with open(i18n_catalog.mo_path(request.param), "rb") as shipped:
        return gettext.GNUTranslations(shipped)


def shown(message: Message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{text}" if message.context else text


def test_every_text_in_the_code_has_a_translation(template: Catalog, po: Catalog) -> None:
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = po.get(message.id, context=message.context)
        strings = () if translated is None else (
            translated.string if isinstance(translated.string, tuple) else (translated.string,))
        if translated is None or translated.fuzzy or not strings or not all(strings):
            missing.append(shown(message))
    assert missing == [], "run python -m tests.i18n_catalog --update, then translate these"


def test_the_template_is_what_the_code_holds(template: Catalog) -> None:
    shipped = i18n_catalog.read(i18n_catalog.TEMPLATE)

    assert {(m.id, m.context) for m in shipped if m.id} == \
        {(m.id, m.context) for m in template if m.id}


def test_the_shipped_mo_is_the_po_compiled(po: Catalog) -> None:
    language = str(po.locale)

    assert i18n_catalog.mo_path(language).read_bytes() == i18n_catalog.compiled(po)


_FIELD = re.compile(r"%\(\w+\)[sd]")


def fields(text: str) -> list[str]:
    """The str.format fields of `text` as written ({name!r:spec}), and %-style ones."""
    found = [f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
             for _literal, name, spec, conversion in string.Formatter().parse(text)
             if name is not None]
    return sorted(found + _FIELD.findall(text))


def test_every_translation_keeps_exactly_the_fields_of_its_text(po: Catalog) -> None:
    wrong = []
    for message in po:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            # One Chinese form stands for every English one: it keeps the fields of one of
            # them (click formats both sets of names into each).
            expected = [fields(message.id[0]), fields(message.id[1])]
            got = [fields(s) for s in message.string]
            if any(g not in expected for g in got):
                wrong.append(shown(message))
        elif fields(message.string) != fields(message.id):
            wrong.append(shown(message))
    assert wrong == []


def test_help_keeps_its_unwrapped_blocks(po: Catalog) -> None:
    """An example block (\\b) is shown as written: a translation keeps as many."""
    assert [shown(m) for m in po if isinstance(m.id, str) and m.string
            and m.id.count("\b") != m.string.count("\b")] == []


def test_every_help_in_the_command_tree_is_translated(mo: gettext.GNUTranslations) -> None:
    from cli.main import COMMANDS

    untranslated = []
    for name, (_path, short) in COMMANDS.items():
        if mo.gettext(short) == short:
            untranslated.append(f"ledger {name} (listing)")
    for where, command in i18n_catalog.commands():
        texts = [(where, command.help), (f"{where} (short help)", command.short_help)]
        texts += [(f"{where} {param.opts[-1] if param.opts else param.name}",
                   getattr(param, "help", None)) for param in command.params]
        for place, text in texts:
            if text and mo.gettext(inspect.cleandoc(text)) == inspect.cleandoc(text):
                untranslated.append(place)
    assert untranslated == []


def test_every_table_column_has_a_title(mo: gettext.GNUTranslations) -> None:
    columns = i18n_catalog.table_columns()

    assert columns  # the views' FIELDS were found
    assert [key for key in columns if mo.pgettext(i18n_catalog.COLUMN, key) == key] == []


def test_the_tool_reports_nothing_untranslated(capsys: pytest.CaptureFixture[str]) -> None:
    assert i18n_catalog.report() == 0
    assert capsys.readouterr().out == ""


def test_the_header_names_the_language_and_one_plural_form(po: Catalog) -> None:
    assert str(po.locale) == "zh"
    assert po.plural_forms == "nplurals=1; plural=0;"
    assert not po.fuzzy
