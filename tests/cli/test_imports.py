"""The CLI imports what it uses: every module of `cli` imports on its own, help never loads
the application, the projections or their libraries, and the root group lists every
registered command, without importing it, exactly as click would list the loaded command.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import cli
from cli.lazy import LazyGroup
from cli.main import COMMANDS, LedgerGroup
from cli.main import cli as root
from ledger.domain.errors import NotFound
from tests.cli.support import runner, walk

REPO = Path(__file__).resolve().parents[2]

# Importing `cli.__main__` runs the command; tests/cli/test_help.py runs `python -m cli`.
MODULES = sorted(f"cli.{m.name}" for m in pkgutil.iter_modules(cli.__path__)
                 if m.name != "__main__")

# What help must not load: the write side's application, the read models, and the
# libraries only they need.
HEAVY = ("pydantic", "eventsourcing", "orjson", "psycopg", "ledger.application", "projections",
         "wcwidth")

# `ledger replay --help` lists the views by name, which only the projections' catalog knows.
NEEDS_THE_CATALOG = {("replay",)}

# Run in a fresh interpreter: `--help` of each path given, then the heavy modules loaded.
HELP_THEN_LOADED = """
import json, sys
from click.testing import CliRunner
from cli.main import cli

paths, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
runner = CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None})
for path in paths:
    result = runner.invoke(cli, [*path, "--help"], prog_name="ledger")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ledger"), (path, result)
print(json.dumps(sorted(m for m in sys.modules
                        if any(m == h or m.startswith(h + ".") for h in heavy))))
"""


def python(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -c CODE [ARG…]` in a fresh interpreter, from the repository's root."""
    return subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def loaded_by_help(paths: list[tuple[str, ...]]) -> list[str]:
    """The heavy modules a fresh interpreter holds after `ledger PATH --help` for each."""
    done = python(HELP_THEN_LOADED, json.dumps(paths), json.dumps(HEAVY))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class TestEveryModuleImportsAlone:
    def test_the_modules_are_found_by_listing_the_package(self) -> None:
        assert {"cli.main", "cli.session", "cli.options", "cli.output", "cli.member"} \
            <= set(MODULES)

    @pytest.mark.parametrize("module", MODULES)
    def test_the_module_imports_in_a_fresh_interpreter(self, module: str) -> None:
        done = python(f"import {module}")

        assert (done.returncode, done.stderr) == (0, "")


class TestHelpLoadsNothingHeavy:
    def test_the_root_and_every_group_answer_help_without_the_application(self) -> None:
        groups = [path for path, command in walk(root) if isinstance(command, click.Group)]

        assert {(), ("member",), ("project",)} <= set(groups)
        assert loaded_by_help(groups) == []

    def test_every_other_command_answers_help_without_the_application(self) -> None:
        commands = [path for path, command in walk(root) if not isinstance(command, click.Group)
                    and path not in NEEDS_THE_CATALOG]

        assert {("member", "admit"), ("warn",), ("project", "standings")} <= set(commands)
        assert loaded_by_help(commands) == []

    def test_the_check_notices_a_help_that_loads_the_projections(self) -> None:
        assert "projections.catalog" in loaded_by_help(sorted(NEEDS_THE_CATALOG))


def listing(text: str) -> dict[str, str]:
    """The `Commands:` section of a help text: each name and the line shown beside it."""
    section = text.split("\nCommands:\n", 1)[1]
    rows = [line.split(None, 1) for line in section.splitlines() if line.strip()]
    return {name: short for name, short in rows}


def loaded(name: str) -> click.Command:
    path = COMMANDS[name][0]
    module, attribute = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), attribute)


class TestTheRootListsEveryCommand:
    def test_help_lists_every_registered_command_with_its_short_help(self) -> None:
        result = runner().invoke(root, ["--help"], prog_name="ledger", terminal_width=78)

        assert result.exit_code == 0
        shown = listing(result.stdout)
        assert set(shown) == set(COMMANDS)
        limit = 78 - 6 - max(len(name) for name in COMMANDS)
        assert shown == {name: loaded(name).get_short_help_str(limit) for name in COMMANDS}

    @pytest.mark.parametrize("name", sorted(COMMANDS))
    def test_each_entry_names_a_command_of_that_name(self, name: str) -> None:
        command = loaded(name)

        assert isinstance(command, click.Command)
        assert command.name == name

    @pytest.mark.parametrize("width", [30, 50, 80, 120, 200])
    def test_the_listing_is_what_click_prints_for_the_loaded_commands(self, width: int) -> None:
        lazy = LazyGroup("ledger", lazy_subcommands=COMMANDS)
        eager = click.Group("ledger", commands={name: loaded(name) for name in COMMANDS})

        assert self.commands_section(lazy, width) == self.commands_section(eager, width)
        assert not loaded_any(lazy)

    @staticmethod
    def commands_section(group: click.Group, width: int) -> str:
        formatter = click.HelpFormatter(width=width)
        group.format_commands(click.Context(group), formatter)
        return formatter.getvalue()


def loaded_any(group: LazyGroup) -> bool:
    return any(group.commands.loaded(name) is not None for name in COMMANDS)


class TestTheLazyGroup:
    def test_its_commands_name_every_command_without_loading_one(self) -> None:
        group = LazyGroup("ledger", lazy_subcommands=COMMANDS)

        names = group.list_commands(click.Context(group))

        assert names == sorted(group.commands) == sorted(COMMANDS)
        assert "warn" in group.commands and len(group.commands) == len(COMMANDS)
        assert not loaded_any(group)

    def test_a_mistyped_command_is_answered_with_the_close_names(self) -> None:
        group = LazyGroup("ledger", lazy_subcommands=COMMANDS)

        result = runner().invoke(group, ["memb"], prog_name="ledger")

        assert result.exit_code == 2
        assert result.stderr.endswith("Error: No such command 'memb'. Did you mean 'member'?\n")
        assert not loaded_any(group)

    def test_a_command_is_loaded_once_when_it_is_asked_for(self) -> None:
        group = LazyGroup("ledger", lazy_subcommands=COMMANDS)
        ctx = click.Context(group)

        first = group.get_command(ctx, "warn")

        assert first is loaded("warn") and group.get_command(ctx, "warn") is first
        assert [n for n in COMMANDS if group.commands.loaded(n) is not None] == ["warn"]

    def test_an_entry_that_names_no_command_is_reported(self) -> None:
        group = LazyGroup("ledger", lazy_subcommands={"x": ("cli.main.COMMANDS", "X.")})

        with pytest.raises(TypeError, match=r"cli.main.COMMANDS is not a click command"):
            group.get_command(click.Context(group), "x")


def failing_with(error: Exception) -> click.Group:
    """A group with the root's error edge and one command that raises `error`."""
    @click.group(cls=LedgerGroup)
    def edge() -> None:
        """Edge."""

    @edge.command()
    def fail() -> None:
        """Fail."""
        raise error

    return edge


class TestTheErrorEdge:
    """It imports eventsourcing only while handling an error, and still catches its
    failures as it did when it imported eventsourcing up front.
    """

    def test_a_failure_of_the_store_is_an_error_that_says_nothing_more_was_saved(self) -> None:
        from eventsourcing.persistence import OperationalError

        result = runner().invoke(failing_with(OperationalError("disk I/O error\npage 7")),
                                 ["fail"])

        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == ("Error: the store failed (disk I/O error): nothing more was "
                                 "saved; check that it is reachable and try again\n")

    def test_a_ledger_error_is_its_message(self) -> None:
        result = runner().invoke(failing_with(NotFound("no flag 3f2a: check the id")), ["fail"])

        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", "Error: no flag 3f2a: check the id\n")

    def test_any_other_error_passes_through(self) -> None:
        result = runner().invoke(failing_with(ValueError("a bug")), ["fail"])

        assert result.exit_code == 1 and isinstance(result.exception, ValueError)
