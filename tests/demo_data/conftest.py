"""Demo landing zones at another seed and another scale, written once for the demo-data tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from npcs.demo_data import write_landing_zone


@pytest.fixture(scope="session")
def zone_seed7(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("seed7") / "landing"
    return out, write_landing_zone(out, seed=7)


@pytest.fixture(scope="session")
def zone_scale2(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("scale2") / "landing"
    return out, write_landing_zone(out, scale=2)
