"""The translation catalogs, kept with one command:

    python -m tests.i18n_catalog --update

extracts every text people read into ledger/locale/ledger.pot, merges it into each
ledger/locale/<lang>/LC_MESSAGES/ledger.po (new texts come in untranslated, texts no
longer in the code are dropped), and compiles each .po into the ledger.mo shipped with the
package. Translate the empty (or fuzzy) entries of the .po, then run it again to compile.
Without --update it only reports what is untranslated, and exits 1 if anything is.

What is extracted:
- every `_()`, `N_()`, `ngettext()` and `pgettext()` in ledger/, cli/ and projections/
  (babel.cfg), with Babel;
- every command's help (its docstring, as click shows it) and short help, walking the
  click tree from `cli.main.cli`;
- the title of every table column, under msgctxt "column": the keys of the views'
  `FIELDS` and of the column lists the commands pass to `emit` and `render_table`;
- click's own texts (Usage:, Options:, Error:, "No such option" …) from the click modules
  whose texts cli/language.py routes through our catalog.

Babel is a development tool (the `test` extra): the ledger reads only the compiled .mo.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "ledger" / "locale"
TEMPLATE = LOCALE / "ledger.pot"
LANGUAGES = ("zh",)
PACKAGES = ("ledger", "cli", "projections")
COLUMN = "column"  # the msgctxt of table column titles (ledger.i18n.column_title)
HEADER = {"project": "compliance-ledger", "copyright_holder": "the ledger's authors",
          "msgid_bugs_address": "", "charset": "utf-8"}


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "ledger.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "ledger.mo"


# What people read ----------------------------------------------------------------------


def code_messages() -> Iterator[tuple[str | tuple[str, str], str | None, str]]:
    """(msgid, msgctxt, where) for every marked text in the code."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS,
            directory_filter=lambda d: Path(d).name not in (".venv", "tests", "benchmarks")):
        yield message, context, f"{filename}:{lineno}"


# Click texts passed to `_` through a variable, which extraction cannot see.
CLICK_INDIRECT = ("required",)


def click_messages() -> Iterator[tuple[str | tuple[str, str], str | None, str]]:
    """Click's own texts, from the modules cli/language.py routes through our catalog."""
    from cli.language import CLICK_MODULES

    for message in CLICK_INDIRECT:
        yield message, None, "click/core.py"
    keywords = {"_": None, "ngettext": (1, 2)}
    for module in CLICK_MODULES:
        path = Path(inspect.getfile(module))
        for lineno, message, _comments, context in extract_from_file("python", path,
                                                                     keywords=keywords):
            yield message, context, f"click/{path.name}:{lineno}"


def commands() -> Iterator[tuple[str, click.Command]]:
    """Every command and group under `ledger`, by its full name, loading each."""
    from cli.main import cli

    def walk(prefix: str, command: click.Command) -> Iterator[tuple[str, click.Command]]:
        yield prefix, command
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                yield from walk(f"{prefix} {name}", command.commands[name])

    yield from walk("ledger", cli)


def help_texts() -> Iterator[tuple[str, str]]:
    """(text, where) for every help a person can be shown: each command's help and short
    help, each option's help, and the root's one-line listing of each command.
    """
    from cli.main import COMMANDS

    for name, (_path, short) in COMMANDS.items():
        yield short, f"ledger {name} (listing)"
    for where, command in commands():
        if command.help:
            yield inspect.cleandoc(command.help), where
        if command.short_help:
            yield inspect.cleandoc(command.short_help), f"{where} (short help)"
        for param in command.params:
            help = getattr(param, "help", None)
            if help:
                yield help, f"{where} {param.opts[-1] if param.opts else param.name}"


def table_columns() -> dict[str, str]:
    """Every column key a table can show, with where it comes from: the `FIELDS` (and
    `COLUMNS`) tuples of the views and commands, and the literal keys the commands pass
    to `emit`, `render` and `render_table`.
    """
    found: dict[str, str] = {}
    for package in ("projections", "cli"):
        for info in pkgutil.iter_modules([str(ROOT / package)]):
            name = f"{package}.{info.name}"
            if name == "cli.__main__":
                continue
            module = importlib.import_module(name)
            for attribute, value in vars(module).items():
                if (attribute.endswith("FIELDS") or attribute == "COLUMNS") \
                        and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                    for key in value:
                        found.setdefault(key, f"{name}.{attribute}")
            tree = ast.parse(Path(inspect.getfile(module)).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and len(node.args) >= 2 and getattr(
                        node.func, "id", getattr(node.func, "attr", "")) in (
                        "emit", "render", "render_table"):
                    for element in ast.walk(node.args[1]):
                        if isinstance(element, ast.Constant) and isinstance(element.value, str):
                            found.setdefault(element.value, f"{name}:{node.lineno}")
    return found


def template() -> Catalog:
    catalog = Catalog(**HEADER)
    for message, context, where in code_messages():
        catalog.add(message, locations=[(where.rsplit(":", 1)[0], None)], context=context)
    for text, where in help_texts():
        catalog.add(text, auto_comments=[f"help: {where}"])
    for key, where in sorted(table_columns().items()):
        catalog.add(key, context=COLUMN, auto_comments=[f"table column: {where}"])
    for message, context, where in click_messages():
        catalog.add(message, locations=[(where.rsplit(":", 1)[0], None)], context=context)
    return catalog


# Keeping the files ---------------------------------------------------------------------


def read(path: Path, language: str | None = None) -> Catalog:
    with open(path, "rb") as po:
        return read_po(po, locale=language)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _written(catalog: Catalog, **options: bool) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=96, include_lineno=False, sort_output=True, **options)
    return buffer.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    """The msgids (with their msgctxt) of `catalog` that have no usable translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            shown = message.id if isinstance(message.id, str) else message.id[0]
            missing.append(f"{message.context}|{shown}" if message.context else shown)
    return missing


def update() -> None:
    pot = template()
    # No creation date in the template: a run that finds the same texts changes no file.
    pot.creation_date = pot.revision_date = read_date()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(_written(pot, omit_header=False))
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            catalog = read(path, language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, **HEADER)
        catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
        path.write_bytes(_written(catalog, ignore_obsolete=True))
        catalog = read(path, language)
        mo_path(language).write_bytes(compiled(catalog))
        missing = untranslated(catalog)
        print(f"{path.relative_to(ROOT)}: {len(catalog) - 1} texts, "
              f"{len(missing)} untranslated; compiled {mo_path(language).relative_to(ROOT)}")


def read_date():  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    if TEMPLATE.exists():
        return read(TEMPLATE).creation_date
    return datetime.now(timezone.utc)


def report() -> int:
    pot = template()
    status = 0
    for language in LANGUAGES:
        catalog = read(po_path(language), language)
        missing = [m for m in untranslated(catalog)]
        absent = [m.id for m in pot if m.id and (m.id, m.context) not in
                  {(c.id, c.context) for c in catalog}]
        for text in [*absent, *missing]:
            print(f"{language}: untranslated: {text!r}")
        status |= bool(missing or absent)
    return status


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    elif sys.argv[1:]:
        sys.exit("usage: python -m tests.i18n_catalog [--update]")
    else:
        sys.exit(report())
