"""The production distribution: `pip wheel .` of the project holds kada_dagster and nothing of kada_sim.

kada_sim (the simulated APIs) is a development-only distribution of its own (kada_sim/pyproject.toml),
installed by `make install`; the wheel is built from a copy of the project tree, kada_sim included, so the
exclusion is the project's packaging configuration and not an absent folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__",
                                     "*.egg-info", "build", "dist", "dagster_home", "landing", "intermediate")


@pytest.mark.timeout(600)
def test_the_production_wheel_holds_kada_dagster_and_no_kada_sim(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    assert (source / "kada_sim" / "__init__.py").exists()
    out = tmp_path / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(out),
         str(source)],
        capture_output=True, text=True, timeout=540,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    [wheel] = list(out.glob("kada_dagster-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("kada_dagster/") for n in names)
    assert "kada_dagster/definitions.py" in names
    assert [n for n in names if n.startswith(("kada_sim/", "kada_sim_", "benchmarks/", "kada_dagster_tests/"))] == []
    for top_level in [n for n in names if n.endswith(".dist-info/top_level.txt")]:  # where the backend writes one
        assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["kada_dagster"]
