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
    source = Path(_walked_template.store)
    target = tmp_path / "g.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return Walk(str(target), dict(_walked_template.outputs), _walked_template.flag_id,
                _walked_template.confirm_warning_id, _walked_template.warning_id,
                _walked_template.removal_id)
