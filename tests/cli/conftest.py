"""Fixtures for the CLI tests: a store path that does not exist yet, and one that holds the
walk-through already told.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.support import Walk, walk_through


@pytest.fixture
def new_store(tmp_path: Path) -> str:
    """A path in an empty directory: no ledger there yet."""
    return str(tmp_path / "g.db")


@pytest.fixture(scope="session")
def _walked_template(tmp_path_factory: pytest.TempPathFactory) -> Walk:
    return walk_through(str(tmp_path_factory.mktemp("template") / "g.db"))


@pytest.fixture
def walked(_walked_template: Walk, tmp_path: Path) -> Walk:
    """A private copy of a ledger that holds the walk-through (so a test may add to it)."""
    return _copied(_walked_template, tmp_path)


@pytest.fixture
def sqlite_walked(_walked_template: Walk, tmp_path: Path) -> Walk:
    """The walk-through in an SQLite file, for what only a file has (paths, file URLs)."""
    return _copied(_walked_template, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def walked_on_each_store(request: pytest.FixtureRequest, _walked_template: Walk,
                         tmp_path: Path) -> Walk:
    """The walk-through on an SQLite file, and told again in a PostgreSQL schema of its
    own: a module whose `walked` is this one runs every test on both stores.
    """
    if request.param == "sqlite":
        return _copied(_walked_template, tmp_path)
    return walk_through(request.getfixturevalue("postgres_schema_url"))


def _copied(_walked_template: Walk, tmp_path: Path) -> Walk:
    source = Path(_walked_template.store)
    target = tmp_path / "g.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return Walk(str(target), dict(_walked_template.outputs), _walked_template.flag_id,
                _walked_template.confirm_warning_id, _walked_template.warning_id,
                _walked_template.removal_id)
