"""Fixtures shared by the test tree: where the shared data lives, skipping cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def kim_putin_dir() -> Path:
    path = SHARED_DATA / "kim-putin-2023"
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (clone the repo next to ../shared to run this test)")
    return path


@pytest.fixture(scope="session")
def abmusu_validation() -> Path:
    path = SHARED_DATA / "abmusu" / "validation.jsonl"
    if not path.is_file():
        pytest.skip(f"shared data not found at {path} (clone the repo next to ../shared to run this test)")
    return path
