"""Every command and subcommand answers -h and --help with text that shows an example; a
command added without one makes this fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from cli.main import cli
from tests.cli.support import runner, walk

REPO = Path(__file__).resolve().parents[2]


def command_paths(command: click.Command) -> Iterator[tuple[str, ...]]:
    """The path of every command below `command`, itself included, depth first; asked of
    each group as click asks it, so the commands a lazy group has not loaded yet count.
    """
    return (path for path, _ in walk(command))


def without_an_example(root: click.Command) -> list[str]:
    """The commands whose -h or --help fails or shows no example."""
    missing = []
    for path in command_paths(root):
        for flag in ("-h", "--help"):
            result = runner().invoke(root, [*path, flag], prog_name="ledger")
            if result.exit_code != 0 or "Example" not in result.stdout:
                missing.append(" ".join((*path, flag)))
    return missing


# The commands this file was written against: the walk must find at least these.
KNOWN = {
    (), ("group",), ("group", "create"), ("group", "grant"), ("group", "revoke"),
    ("member",), ("member", "admit"), ("member", "rename"), ("member", "remove"),
    ("member", "readmit"), ("member", "leave"), ("flag",), ("flag", "raise"),
    ("flag", "confirm"), ("flag", "dismiss"), ("warn",), ("history",), ("project",),
    ("project", "standings"), ("demo",),
}


def test_the_walk_reaches_every_known_command() -> None:
    found = set(command_paths(cli))

    assert KNOWN <= found, KNOWN - found


def test_every_command_shows_an_example_for_both_help_options() -> None:
    assert without_an_example(cli) == []


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_names_the_command_and_its_options(flag: str) -> None:
    result = runner().invoke(cli, ["member", "admit", flag], prog_name="ledger")

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ledger member admit [OPTIONS] GROUP MEMBER\n")
    assert "--invited-by MEMBER" in result.stdout
    assert "  ledger --actor admin1 member admit g9 wx_li" in result.stdout


def test_help_works_without_a_store_or_an_actor(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    result = runner().invoke(cli, ["warn", "-h"], prog_name="ledger")

    assert result.exit_code == 0 and "Example" in result.stdout
    assert list(tmp_path.iterdir()) == []


class TestTheWalkItself:
    """The check above must notice a command added without an example."""

    def test_a_subcommand_without_an_example_is_reported(self) -> None:
        @click.group(context_settings={"help_option_names": ["-h", "--help"]})
        def root() -> None:
            """Root.

            Example: root sub good
            """

        @root.group()
        def sub() -> None:
            """Sub. Example: root sub good"""

        @sub.command()
        def good() -> None:
            """Good. Example: root sub good"""

        @sub.command()
        def bare() -> None:
            """Does things, shows nothing."""

        assert without_an_example(root) == ["sub bare -h", "sub bare --help"]

    def test_a_command_without_the_short_option_is_reported(self) -> None:
        @click.group(context_settings={"help_option_names": ["--help"]})
        def root() -> None:
            """Root. Example: root"""

        assert without_an_example(root) == ["-h"]


class TestEntryPoints:
    def test_version(self) -> None:
        result = runner().invoke(cli, ["--version"], prog_name="ledger")

        assert (result.exit_code, result.stdout) == (0, "ledger, version 0.3.0\n")

    def test_the_console_script_runs(self) -> None:
        script = shutil.which("ledger", path=str(Path(sys.executable).parent))
        if script is None:
            pytest.skip("the ledger console script is not installed beside this python")

        done = subprocess.run([script, "--version"], capture_output=True, text=True,
                              timeout=60, cwd=REPO)

        assert (done.returncode, done.stdout, done.stderr) == (0, "ledger, version 0.3.0\n", "")

    def test_python_dash_m_cli_runs_the_same_command(self) -> None:
        done = subprocess.run([sys.executable, "-m", "cli", "--version"],
                              capture_output=True, text=True, timeout=60, cwd=REPO)

        assert (done.returncode, done.stdout, done.stderr) == (0, "ledger, version 0.3.0\n", "")


def example_lines(text: str) -> list[str]:
    """The example commands of a help text, a line continued with \\ joined to the next."""
    lines, joined = [], ""
    for line in text.split("Example", 1)[1].splitlines()[1:]:
        line = line.strip()
        if not line:
            continue
        joined = f"{joined} {line}".strip()
        if joined.endswith("\\"):
            joined = joined[:-1]
            continue
        lines.append(joined)
        joined = ""
    return [line for line in lines if line.startswith("ledger ")]


def people_named(path: tuple[str, ...], line: str) -> list[str] | None:
    """The member ids an example line gives the command at `path` (its MEMBER argument,
    and --member, --keep, --remove, --invited-by), or None when the line runs another
    command. The staff who hold roles (owner1, admin1, boss) are named as the README
    names them, so `group grant`'s MEMBER and --owner are not members here.
    """
    import shlex

    words = shlex.split(line.split("|")[0].split(">")[0])[1:]
    rest = []
    while words:  # the root's own options, each with its value
        word = words.pop(0)
        if word in ("--store", "--actor"):
            words.pop(0)
        else:
            rest.append(word)
    if tuple(rest[:len(path)]) != path:
        return None
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    ctx = command.make_context(path[-1], rest[len(path):], resilient_parsing=True)
    named = []
    for param in command.params:
        value = ctx.params.get(param.name or "")
        is_member = (isinstance(param, click.Argument) and param.metavar == "MEMBER"
                     and path not in (("group", "grant"), ("group", "revoke")))
        if value and (is_member or param.name in ("member_id", "keep", "remove",
                                                  "invited_by")):
            named += list(value) if isinstance(value, tuple) else [value]
    return named


def test_help_examples_name_members_by_their_ids_as_the_readme_does() -> None:
    # Admins know people by nickname (销售部-张三); the ledger knows them by WeChat id.
    checked = 0
    for path in command_paths(cli):
        if not path:
            continue
        text = runner().invoke(cli, [*path, "--help"], prog_name="ledger").stdout
        for line in example_lines(text):
            for member in people_named(path, line) or []:
                checked += 1
                assert member.startswith("wx_"), f"{' '.join(path)}: {line}"
    assert checked >= 20
