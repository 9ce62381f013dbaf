"""Shared fixtures.  Data under ../shared is read in place, never copied."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the project's shared data beside the repository")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (LitBank, PDNC, BookNLP outputs, AO3 dev works)."""
    return _need(SHARED / "data")


@pytest.fixture(scope="session")
def seeds() -> Path:
    """../shared/seeds, the two raw stories the project started from."""
    return _need(SHARED / "seeds")


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
