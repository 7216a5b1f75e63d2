"""The user-facing-text convention, checked on the source: a text a person reads is passed
through `_()` (or `N_()` when defined at import time), with named `str.format` fields, so
that the catalog tool finds it and the Chinese interface shows it.

A string with no letters ("", "-", "\\n") needs no translation and is allowed bare.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.domain.errors import LedgerError

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(path for package in ("ledger", "cli", "projections")
                 for path in (ROOT / package).rglob("*.py"))
CLICK_SHOWN = {"echo", "secho", "ClickException", "UsageError", "BadParameter", "FileError",
               "fail", "Abort"}
HELP_KEYWORDS = {"help", "short_help", "epilog", "label", "prompt"}
# Where a ValueError is a message too: a rulebook's validators, whose errors people read.
SHOWN_IN = {"ledger/domain/rulebook.py": {"ValueError"}}


def ledger_errors() -> set[str]:
    """The names of LedgerError and every subclass, wherever it is defined."""
    for package in ("ledger", "cli", "projections"):
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if info.name != "cli.__main__":
                importlib.import_module(info.name)

    def below(cls: type) -> Iterator[type]:
        yield cls
        for sub in cls.__subclasses__():
            yield from below(sub)

    return {cls.__name__ for cls in below(LedgerError)}


SHOWN = CLICK_SHOWN | ledger_errors()


def called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def bare_text(node: ast.AST) -> bool:
    """`node` puts letters before a person without passing them through `_`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and has_letters(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(bare_text(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return bare_text(node.left) or bare_text(node.right)
    if isinstance(node, ast.IfExp):
        return bare_text(node.body) or bare_text(node.orelse)
    return False


def binds_underscore(scope: ast.AST) -> int | None:
    """The line where `scope` itself (not a nested function or comprehension) binds the
    name `_`, which would hide ledger.domain.i18n's `_` from the code in that scope.
    """
    def walk(node: ast.AST) -> Iterator[ast.AST]:
        for child in ast.iter_child_nodes(node):
            yield child
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                      ast.ClassDef, ast.ListComp, ast.SetComp,
                                      ast.DictComp, ast.GeneratorExp)):
                yield from walk(child)

    for node in walk(scope):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "_":
            return node.lineno
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            return node.lineno
    return None


def violations(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT)
    imports_it = any(isinstance(n, ast.ImportFrom) and n.module == "ledger.domain.i18n"
                     and any(a.name == "_" and a.asname is None for a in n.names)
                     for n in ast.walk(tree))
    if imports_it:
        # The module's own scope, and every function that calls `_` (where a local `_`
        # would make the call fail).
        scopes = [tree, *(n for n in ast.walk(tree)
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                          and any(isinstance(c, ast.Call) and called(c) == "_"
                                  for c in ast.walk(n)))]
        for scope in scopes:
            line = binds_underscore(scope)
            if line is not None:
                yield (f"{where}:{line}: binds the name _, which hides ledger.domain.i18n's _ "
                       "(name the function or the variable otherwise)")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = called(node)
        if name in ("_", "N_"):
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                    or not isinstance(node.args[0].value, str):
                yield (f"{where}:{node.lineno}: {name}() takes one plain string literal (named "
                       "fields filled by .format after it), not an f-string or a variable")
            continue
        if name in SHOWN or name in SHOWN_IN.get(str(where), set()):
            shown = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "message")]
            for arg in shown:
                if bare_text(arg):
                    yield f"{where}:{arg.lineno}: text passed to {name}() without _()"
        for keyword in node.keywords:
            if keyword.arg in HELP_KEYWORDS and bare_text(keyword.value):
                yield f"{where}:{keyword.value.lineno}: {keyword.arg}= text without N_()"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_a_person_reads_passes_through_the_catalog(path: Path) -> None:
    assert list(violations(path)) == []


class TestTheLintItself:
    """The checker catches what it is meant to, so that a clean run means something."""

    def check(self, source: str, tmp_path: Path) -> list[str]:
        path = ROOT / "cli" / "__lint_probe__.py"
        try:
            path.write_text(source, encoding="utf-8")
            return list(violations(path))
        finally:
            path.unlink()

    def test_a_bare_message_to_click_echo_is_caught(self, tmp_path: Path) -> None:
        assert len(self.check('import click\nclick.echo(f"Warned {who}.")\n', tmp_path)) == 1

    def test_a_bare_message_to_a_ledger_error_is_caught(self, tmp_path: Path) -> None:
        found = self.check('raise NotFound("no such group: " + key)\n', tmp_path)
        assert len(found) == 1

    def test_an_f_string_inside_the_marker_is_caught(self, tmp_path: Path) -> None:
        assert len(self.check('raise NotFound(_(f"no group {key}"))\n', tmp_path)) == 1

    def test_a_bare_option_help_is_caught(self, tmp_path: Path) -> None:
        assert len(self.check('click.option("--x", help="the x")\n', tmp_path)) == 1

    def test_a_module_level_function_named_underscore_is_caught(self, tmp_path: Path) -> None:
        source = "from ledger.domain.i18n import _\n@check.register\ndef _(event):\n    pass\n"
        assert len(self.check(source, tmp_path)) == 1

    def test_marked_texts_and_texts_without_letters_pass(self, tmp_path: Path) -> None:
        source = ('click.echo(_("Warned {who}.").format(who=w))\nclick.echo("")\n'
                  'click.echo(flag_id)\nclick.option("--x", help=N_("the x"))\n')
        assert self.check(source, tmp_path) == []
