"""The wheel users install holds every file the program reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "storage", "monitor", "replica")


def _source_files(checkout: Path) -> set[str]:
    """Every file of the shipped packages in a checkout, as a wheel would name it."""
    found = set()
    for package in PACKAGES:
        for path in (checkout / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(checkout).as_posix())
    return found


def _fresh_checkout(target: Path) -> Path:
    """The files git tracks, copied as a fresh clone holds them: no build/ or egg-info leftovers."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


@pytest.mark.e2e
def test_wheel_holds_every_runtime_file(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: cannot tell the tracked files")
    source = _fresh_checkout(tmp_path / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("newswatch-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_source_files(source) - shipped)
    assert not missing, f"files the program may read at run time are not in the wheel: {missing}"
    assert "monitor/defaults.toml" in shipped
