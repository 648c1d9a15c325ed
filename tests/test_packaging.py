"""The wheel users install holds every file the program reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "storage", "monitor", "replica")


def _source_files() -> set[str]:
    """Every file of the shipped packages in the source tree, as a wheel would name it."""
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(REPO).as_posix())
    return found


@pytest.mark.e2e
def test_wheel_holds_every_runtime_file(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("newswatch-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_source_files() - shipped)
    assert not missing, f"files the program may read at run time are not in the wheel: {missing}"
    assert "monitor/defaults.toml" in shipped
