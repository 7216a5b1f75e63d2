"""Fixtures for the CLI tests: a store path that does not exist yet, and one that holds the
walk-through already told.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.cli.support import Walk, ok, run, walk_through


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
    url = request.getfixturevalue("postgres_schema_url")
    if request.module.__name__.endswith("test_recording"):
        return walk_through(url)  # what is tested is the telling itself, on each store
    # Elsewhere the walk-through is where a test starts: the template's log, imported
    # (every event as it was stored: the same ids and times, hence the same answers).
    ok(run(url, "import", str(request.getfixturevalue("_walked_export"))))
    return dataclasses.replace(_walked_template, store=url,
                               outputs=dict(_walked_template.outputs))


@pytest.fixture(scope="session")
def _walked_export(_walked_template: Walk, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "walk.jsonl"
    path.write_text(ok(run(_walked_template.store, "export")).stdout, encoding="utf-8")
    return path


def _copied(_walked_template: Walk, tmp_path: Path) -> Walk:
    source = Path(_walked_template.store)
    target = tmp_path / "g.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return Walk(str(target), dict(_walked_template.outputs), _walked_template.flag_id,
                _walked_template.confirm_warning_id, _walked_template.warning_id,
                _walked_template.removal_id)
