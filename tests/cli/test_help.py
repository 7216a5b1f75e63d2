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

        assert (result.exit_code, result.stdout) == (0, "ledger, version 0.2.0\n")

    def test_the_console_script_runs(self) -> None:
        script = shutil.which("ledger", path=str(Path(sys.executable).parent))
        if script is None:
            pytest.skip("the ledger console script is not installed beside this python")

        done = subprocess.run([script, "--version"], capture_output=True, text=True,
                              timeout=60, cwd=REPO)

        assert (done.returncode, done.stdout, done.stderr) == (0, "ledger, version 0.2.0\n", "")

    def test_python_dash_m_cli_runs_the_same_command(self) -> None:
        done = subprocess.run([sys.executable, "-m", "cli", "--version"],
                              capture_output=True, text=True, timeout=60, cwd=REPO)

        assert (done.returncode, done.stdout, done.stderr) == (0, "ledger, version 0.2.0\n", "")
