"""A new user's first minutes: --version, the offline demo, command-line habits."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from monitor.demo import _folder
from tests.harness import NEWSWATCH


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}


def _run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NEWSWATCH, *args], capture_output=True, text=True, cwd=cwd, env=_env(),
                          timeout=timeout, check=False)


@pytest.mark.e2e
def test_the_demo_shows_new_edited_and_removed_articles_offline(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = _run("demo", "--keep", str(folder), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "demo (baseline): 30 pages fetched" in out
    changes = out.split("newswatch changes")[1].split("newswatch diff")[0]
    kinds = re.findall(r"^\s+\S+\+07:00\s+(new|edited|removed)\b", changes, re.M)
    assert sorted(kinds) == ["edited", "edited", "new", "new", "removed"], changes
    assert "(body)" in changes and "(title)" in changes
    diff = out.split("newswatch diff")[1]
    assert re.search(r"\[-.+?-\]", diff) and re.search(r"\{\+.+?\+\}", diff), "a word-level diff"
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", out), "text output shows times to the second"
    (mail,) = (folder / "outbox").glob("*.eml")
    with mail.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    assert message["Subject"] == "newswatch: 2 new, 2 edited — demo"
    assert message["To"] == "you@example.org"
    assert "newswatch config init" in out, "ends by saying how to watch the real sites"
    assert result.stderr == ""


def test_the_demo_folder_is_temporary_unless_kept(tmp_path: Path) -> None:
    with _folder(None) as temporary:
        (temporary / "newswatch.db").write_bytes(b"x")
    assert not temporary.exists()
    with _folder(str(tmp_path / "kept")) as kept:
        (kept / "newswatch.db").write_bytes(b"x")
    assert (tmp_path / "kept" / "newswatch.db").exists()


@pytest.mark.e2e
def test_version_and_options_after_the_subcommand(tmp_path: Path) -> None:
    version = _run("--version", cwd=tmp_path)
    assert version.returncode == 0 and re.fullmatch(r"newswatch \S+\n", version.stdout)
    bad = str(tmp_path / "missing.toml")
    placements = (("--config", bad, "changes"), ("changes", "--config", bad),
                  ("-v", "changes", "--config", bad))
    for args in placements:
        result = _run(*args, cwd=tmp_path)
        assert result.returncode == 2 and "missing.toml: cannot read config file" in result.stderr, args


@pytest.mark.e2e
def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`newswatch … | head`: the reader is gone before newswatch writes; no BrokenPipeError."""
    config = tmp_path / "newswatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "nw.db"}"\n', encoding="utf-8")
    # read commands never create the database: it must exist for `changes` to answer
    subprocess.run([*NEWSWATCH, "--config", str(config), "db", "upgrade"], check=True, capture_output=True,
                   env=_env())
    # a long output (config init) and a short one ("no changes recorded", flushed at exit)
    for args in (["config", "init"], ["--config", str(config), "changes"]):
        _assert_quiet_into_a_closed_pipe(args)


def _assert_quiet_into_a_closed_pipe(args: list[str]) -> None:
    process = subprocess.Popen([*NEWSWATCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env())
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the child has imported anything and printed
    errors = process.stderr.read()
    assert process.wait(timeout=60) != 0
    assert errors == "", args


@pytest.mark.e2e
def test_the_demo_then_its_web_view(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*NEWSWATCH, "demo", "--serve", "--port", str(port)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
    assert process.stdout is not None
    try:
        folder = None
        for line in process.stdout:
            folder = folder or re.search(r"working in (\S+)", line)
            if line.startswith("newswatch serve:"):
                break
        else:
            pytest.fail("the demo ended without serving its web view")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/changes?kind=edited", timeout=30) as reply:
            page = reply.read().decode("utf-8")
        assert "(cập nhật)" in page, "the retitled article is on the timeline"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert folder is not None and not Path(folder.group(1)).exists(), "the temporary folder is gone"
